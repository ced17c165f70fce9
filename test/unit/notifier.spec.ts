import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
	CHANNELS, ERP_FACTS, NOTIFIER_COMMANDS, PartnerRejectedError, PartnerUnavailableError, WAYBILL_FACTS,
	assertValidMessage, createEnvelope, isConcurrentUpdate, isDeliveryNotReplayable, isPartnerRejected, isPartnerUnavailable, isSchemaInvalid, isWebhookUndeliverable, retryAfterOf,
	type Envelope,
} from "../../canonical/index.ts";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { facetsOf, matches } from "../../services/notifier/subscription-filter.ts";
import { assertWebhookUrl, isPrivateAddress, publicOnlyLookup } from "../../services/notifier/url-policy.ts";
import { notifierSettings } from "../../services/notifier/notifier-settings.ts";
import { Subscriptions } from "../../services/notifier/subscriptions.store.ts";
import { Deliveries } from "../../services/notifier/deliveries.store.ts";
import { fanOut } from "../../services/notifier/fan-out.ts";
import { attemptDelivery } from "../../services/notifier/delivery-attempt.ts";
import { replayDelivery } from "../../services/notifier/replay.ts";
import { verify } from "../../services/notifier/webhook-signature.ts";
import { reopened, type DeliverWebhook } from "../../services/notifier/delivery-records.ts";
import { WebhookClient, type WebhookRequest } from "../../services/notifier/webhook.client.ts";
import { WebhookReceiver } from "../helpers/webhook-receiver.ts";
import { caught } from "../helpers/fixtures.ts";
import { testOrder } from "../helpers/orders.ts";

const statusChanged = (orderId: string, to: string, from?: string) =>
	createEnvelope({ type: WAYBILL_FACTS.ORDER_STATUS_CHANGED, source: "waybill/saga", subject: orderId, schemaVersion: 1, idempotencyKey: `${orderId}:${to}`, data: { orderId, ...(from ? { from } : {}), to, at: "2026-11-26T10:00:00.000Z", cause: "test" } });

describe("subscription filters", () => {
	const fact = { type: WAYBILL_FACTS.ORDER_STATUS_CHANGED, orderId: "SO-1", customerId: "C-1", partner: "onfleet" };

	test("a subscription matches a fact of one of its event types when every filter it sets matches", () => {
		assert.equal(matches({ eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED] }, fact), true);
		assert.equal(matches({ eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED], customerId: "C-1", partner: "onfleet" }, fact), true);
		assert.equal(matches({ eventTypes: [WAYBILL_FACTS.SLA_BREACHED] }, fact), false, "another event type");
		assert.equal(matches({ eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED], customerId: "C-2" }, fact), false, "another customer");
		assert.equal(matches({ eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED], partner: "acme-3pl" }, fact), false, "another partner");
	});

	test("a customer filter never matches a fact whose customer is not known", () => {
		assert.equal(matches({ eventTypes: [fact.type], customerId: "C-1" }, { type: fact.type, orderId: "SO-1" }), false);
	});

	test("a fact's order comes from its data and its partner from the envelope, else from its data", () => {
		assert.deepEqual(facetsOf(statusChanged("SO-1", "allocated")), { type: WAYBILL_FACTS.ORDER_STATUS_CHANGED, orderId: "SO-1" });
		const degraded = createEnvelope({ type: WAYBILL_FACTS.PARTNER_DEGRADED, source: "x", subject: "onfleet", schemaVersion: 1, data: { system: "lastmile", partner: "onfleet", since: "2026-11-26T10:00:00.000Z", at: "2026-11-26T10:00:00.000Z" } });
		assert.deepEqual(facetsOf(degraded), { type: WAYBILL_FACTS.PARTNER_DEGRADED, partner: "onfleet" });
	});
});

describe("subscription URLs", () => {
	test("http(s) URLs to public hosts are accepted", () => {
		assert.equal(assertWebhookUrl("https://portal.example.com/hooks/waybill?x=1", false).host, "portal.example.com");
		assert.equal(assertWebhookUrl("http://93.184.216.34:8080/in", false).port, "8080");
	});

	test("loopback, private, link-local and mapped addresses are refused unless private URLs are allowed", () => {
		for (const url of ["http://localhost/x", "http://api.localhost/x", "http://127.0.0.1:3000/x", "http://10.1.2.3/x", "http://172.20.0.1/x", "http://192.168.1.1/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://[fd00::1]/x", "http://[::ffff:10.0.0.1]/x", "http://0.0.0.0/x"]) {
			const e = caught(() => assertWebhookUrl(url, false));
			assert.ok(isSchemaInvalid(e), url);
			assert.equal((e.data as { problems: Array<{ field: string }> }).problems[0]!.field, "url");
		}
		assert.equal(assertWebhookUrl("http://127.0.0.1:3000/x", true).port, "3000");
	});

	test("other schemes and URLs carrying credentials are refused", () => {
		for (const url of ["ftp://example.com/x", "file:///etc/passwd", "https://user:pw@example.com/x", "not a url"]) assert.ok(isSchemaInvalid(caught(() => assertWebhookUrl(url, true))), url);
	});

	test("resolved addresses are judged the same way", () => {
		assert.deepEqual(["8.8.8.8", "2606:4700::1111", "10.0.0.8", "100.64.1.1", "fe80::1", "::ffff:127.0.0.1"].map(isPrivateAddress), [false, false, true, true, true, true]);
	});
});

describe("notifier settings", () => {
	test("SLA_WEBHOOK_URL configures a subscription to SLA at-risk and breached facts, and needs a secret", () => {
		const settings = notifierSettings({ SLA_WEBHOOK_URL: "http://alerts.ops.svc:9000/waybill", SLA_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });
		assert.deepEqual(settings.sla?.eventTypes, [WAYBILL_FACTS.SLA_AT_RISK, WAYBILL_FACTS.SLA_BREACHED]);
		assert.equal(caught(() => notifierSettings({ SLA_WEBHOOK_URL: "http://alerts/x" })).type, "CONFIGURATION_INVALID");
		assert.equal(notifierSettings({}).sla, undefined);
	});

	test("backoff steps and limits are read from the environment, and refused when malformed", () => {
		const settings = notifierSettings({ NOTIFIER_BACKOFF_MS: "10, 20", NOTIFIER_MAX_ATTEMPTS: "3" });
		assert.deepEqual([settings.backoffMs, settings.maxAttempts, settings.allowPrivateUrls], [[10, 20], 3, false]);
		assert.equal(caught(() => notifierSettings({ NOTIFIER_BACKOFF_MS: "soon" })).type, "CONFIGURATION_INVALID");
	});
});

/** The notifier's stores over one in-memory store, a scripted receiver, and the send messages it queued. */
function rig(script: Array<number | Error | (() => Promise<number>)> = []) {
	const store = new MemoryStore(`t-${randomUUID()}`);
	const subscriptions = new Subscriptions(store);
	const deliveries = new Deliveries(store, 86_400_000);
	const sent: Envelope<DeliverWebhook>[] = [];
	const calls: WebhookRequest[] = [];
	const publish = async (channel: string, envelope: Envelope) => {
		assert.equal(channel, CHANNELS.NOTIFICATIONS);
		sent.push(assertValidMessage(envelope) as Envelope<DeliverWebhook>);
	};
	const client = {
		async post(request: WebhookRequest) {
			calls.push(request);
			const next = script.shift() ?? 200;
			if (next instanceof Error) throw next;
			return typeof next === "function" ? next() : next;
		},
	};
	const now = () => new Date();
	const settings = { maxAttempts: 3, backoffMs: [100, 200], allowPrivateUrls: true };
	return {
		store, subscriptions, deliveries, sent, calls, script,
		fanOut: (fact: Envelope) => fanOut({ store, subscriptions, deliveries, publish, customerFromSaga: async () => undefined, now: () => now().toISOString() }, fact),
		attempt: (message: DeliverWebhook) => attemptDelivery({ deliveries, subscriptions, client, settings, now }, message),
		replay: (subscriptionId: string, deliveryId: string) => replayDelivery({ deliveries, publish, now: () => now().toISOString() }, subscriptionId, deliveryId),
	};
}

describe("fan-out and delivery", () => {
	test("a customer's milestones become one recorded delivery and one send message each, for that customer's subscription only", async () => {
		const r = rig();
		const mine = await r.subscriptions.create({ url: "https://portal.example.com/in", eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED], customerId: "C-1" });
		await r.subscriptions.create({ url: "https://other.example.com/in", eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED], customerId: "C-2" });
		await r.fanOut(createEnvelope({ type: ERP_FACTS.ORDER_RELEASED, source: "x", subject: "SO-1", schemaVersion: 1, data: testOrder("SO-1") }));
		const fact = statusChanged("SO-1", "allocated", "released");
		assert.equal(await r.fanOut(fact), 1);
		assert.equal(await r.fanOut(fact), 1, "the same fact again");
		assert.deepEqual(r.sent.map((e) => [e.type, e.subject, e.data.replay, e.causationid, e.correlationid]), [
			[NOTIFIER_COMMANDS.DELIVER_WEBHOOK, mine.id, 0, fact.id, "SO-1"],
			[NOTIFIER_COMMANDS.DELIVER_WEBHOOK, mine.id, 0, fact.id, "SO-1"],
		]);
		assert.equal(r.sent[0]!.id, r.sent[1]!.id, "the repeat carries the same message id, which the stream drops");
		const listed = await r.deliveries.list(mine.id, { limit: 10 });
		assert.deepEqual(listed.map((d) => [d.state, d.attempts, d.eventType]), [["pending", 0, WAYBILL_FACTS.ORDER_STATUS_CHANGED]]);
		assert.deepEqual(JSON.parse(listed[0]!.body), { type: fact.type, timestamp: fact.time, data: fact.data });
		await r.store.clear();
	});

	test("a delivery is POSTed with valid Standard Webhooks headers and recorded delivered", async () => {
		const r = rig([204]);
		const sub = await r.subscriptions.create({ url: "https://portal.example.com/in", eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED] });
		await r.fanOut(statusChanged("SO-2", "picked"));
		await r.attempt(r.sent[0]!.data);
		const [call] = r.calls;
		assert.equal(call!.headers["webhook-id"], `msg_${r.sent[0]!.data.deliveryId}`);
		assert.equal(verify(sub.secret, { ...call!.headers }, call!.body), true);
		const d = (await r.deliveries.get(r.sent[0]!.data.deliveryId))!.value;
		assert.deepEqual([d.state, d.attempts, d.lastStatus, d.history.length], ["delivered", 1, 204, 1]);
		await r.attempt(r.sent[0]!.data);
		assert.equal(r.calls.length, 1, "a redelivered send message of a delivered delivery sends nothing");
		await r.store.clear();
	});

	test("a retryable failure is recorded and thrown with the next step's delay; the limit fails it, dead-letters it and disables the subscription", async () => {
		const r = rig([new PartnerUnavailableError("h", "HTTP 503"), new PartnerUnavailableError("h", "HTTP 429", 150), new PartnerUnavailableError("h", "HTTP 500")]);
		const sub = await r.subscriptions.create({ url: "https://portal.example.com/in", eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED] });
		await r.fanOut(statusChanged("SO-3", "packed"));
		const message = r.sent[0]!.data;
		const first = await r.attempt(message).then(() => undefined, (e: unknown) => e);
		assert.ok((retryAfterOf(first) ?? 0) >= 100 && (retryAfterOf(first) ?? 0) <= 120, "first step, with jitter");
		const second = await r.attempt(message).then(() => undefined, (e: unknown) => e);
		assert.ok((retryAfterOf(second) ?? 0) >= 150 && (retryAfterOf(second) ?? 0) <= 180, "the receiver's Retry-After");
		assert.equal((await r.deliveries.get(message.deliveryId))!.value.state, "pending");
		assert.ok(isWebhookUndeliverable(await r.attempt(message).then(() => undefined, (e: unknown) => e)));
		const d = (await r.deliveries.get(message.deliveryId))!.value;
		assert.deepEqual([d.state, d.attempts, d.history.map((h) => h.error?.slice(-8))], ["failed", 3, ["HTTP 503", "HTTP 429", "HTTP 500"]]);
		assert.equal((await r.subscriptions.get(sub.id))!.status, "disabled");
		await r.store.clear();
	});

	test("410 Gone fails the delivery for good and disables the subscription; a replay goes out with the same webhook-id", async () => {
		const r = rig([new PartnerRejectedError("h", 410, "gone"), 200]);
		const sub = await r.subscriptions.create({ url: "https://portal.example.com/in", eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED] });
		await r.fanOut(statusChanged("SO-4", "dispatched"));
		await r.fanOut(statusChanged("SO-4", "out-for-delivery"));
		await r.attempt(r.sent[0]!.data);
		await r.attempt(r.sent[1]!.data);
		assert.equal(r.calls.length, 1, "nothing more is sent to a disabled subscription");
		const [gone, held] = await Promise.all(r.sent.map((m) => r.deliveries.get(m.data.deliveryId)));
		assert.deepEqual([gone!.value.state, gone!.value.lastStatus, held!.value.state, held!.value.attempts], ["failed", 410, "failed", 0]);
		assert.equal((await r.subscriptions.get(sub.id))!.disabledReason, "the endpoint answered 410 Gone");

		const replayed = await r.replay(sub.id, gone!.value.id);
		assert.deepEqual([replayed.state, replayed.replays], ["pending", 1]);
		assert.ok(isDeliveryNotReplayable(await r.replay(sub.id, gone!.value.id).then(() => undefined, (e: unknown) => e)), "not while pending");
		await r.attempt(r.sent[2]!.data);
		const after = (await r.deliveries.get(gone!.value.id))!.value;
		assert.deepEqual([after.state, after.attempts, after.replays], ["delivered", 2, 1]);
		assert.deepEqual(r.calls.map((c) => c.headers["webhook-id"]), [gone!.value.webhookId, gone!.value.webhookId]);
		await r.store.clear();
	});

	test("a replay message that overtakes its record update is applied by the sender; an older one is superseded", async () => {
		const r = rig([new PartnerRejectedError("h", 400, "bad"), 200]);
		const sub = await r.subscriptions.create({ url: "https://portal.example.com/in", eventTypes: [WAYBILL_FACTS.SLA_BREACHED] });
		await r.fanOut(createEnvelope({ type: WAYBILL_FACTS.SLA_BREACHED, source: "x", subject: "SO-5", schemaVersion: 1, data: { orderId: "SO-5", sla: "dispatch", dueAt: "2026-11-26T10:00:00.000Z", at: "2026-11-26T10:00:01.000Z" } }));
		const message = r.sent[0]!.data;
		await r.attempt(message);
		// The replaying process died after publishing, before reopening the record.
		await r.attempt({ ...message, replay: 1 });
		const d = (await r.deliveries.get(message.deliveryId))!.value;
		assert.deepEqual([d.state, d.replays, d.attempts], ["delivered", 1, 2]);
		await r.attempt(message);
		assert.equal(r.calls.length, 2, "the original send message, redelivered late, does nothing");
		assert.equal((await r.subscriptions.get(sub.id))!.status, "active", "a 400 fails one delivery, not the subscription");
		await r.store.clear();
	});

	test("a replay recorded while its own attempt is out is written over, not sent twice", async () => {
		const r = rig([new PartnerRejectedError("h", 400, "bad")]);
		await r.subscriptions.create({ url: "https://portal.example.com/in", eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED] });
		await r.fanOut(statusChanged("SO-7", "packed"));
		const message = r.sent[0]!.data;
		await r.attempt(message);
		// The sender picks up replay 1 before the replay action reopened the record; the action does so during the POST.
		r.script.push(async () => {
			const current = (await r.deliveries.get(message.deliveryId))!;
			await r.deliveries.update(reopened(current.value, 1, new Date().toISOString()), current.version);
			return 200;
		});
		await r.attempt({ ...message, replay: 1 });
		const d = (await r.deliveries.get(message.deliveryId))!.value;
		assert.deepEqual([d.state, d.replays, d.attempts, r.calls.length], ["delivered", 1, 2, 2]);
		await r.store.clear();
	});

	test("a delivery whose record changed during the attempt is retried, not overwritten", async () => {
		const r = rig();
		await r.subscriptions.create({ url: "https://portal.example.com/in", eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED] });
		await r.fanOut(statusChanged("SO-6", "packed"));
		// A replay wrote the record while the POST was out.
		r.deliveries.update = async () => null;
		assert.ok(isConcurrentUpdate(await r.attempt(r.sent[0]!.data).then(() => undefined, (e: unknown) => e)));
		await r.store.clear();
	});
});

describe("webhook client", () => {
	const policy = { ...notifierSettings({}).policy, timeoutMs: 500, breakerThreshold: 2, breakerHalfOpenAfterMs: 60_000 };
	const receivers: WebhookReceiver[] = [];
	const receiver = (answer?: (n: number) => number) => {
		const r = new WebhookReceiver(answer);
		receivers.push(r);
		return r;
	};
	const send = (client: WebhookClient, url: string, allowPrivate = true) =>
		client.post({ url, body: '{"type":"t"}', headers: { "webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x" }, deliveryId: "d-1", attempt: 1, allowPrivate });
	after(() => Promise.all(receivers.map((r) => r.stop())));

	test("classifies answers: 2xx delivered, 410 final, 429 and 3xx retryable, a redirect never followed", async () => {
		const answers = [204, 410, 429, 301];
		const r = receiver(() => answers.shift() ?? 200);
		const url = await r.start();
		const client = new WebhookClient(policy);
		assert.equal(await send(client, url), 204);
		const gone = await send(client, url).catch((e: unknown) => e);
		assert.deepEqual([isPartnerRejected(gone), (gone as { data: { status: number } }).data.status], [true, 410]);
		assert.ok(isPartnerUnavailable(await send(client, url).catch((e: unknown) => e)));
		const moved = await send(client, url).catch((e: unknown) => e);
		assert.match((moved as Error).message, /redirects are not followed/);
		assert.equal(r.received.length, 4, "one request each, the redirect not followed");
		assert.deepEqual([r.received[0]!.body, r.received[0]!.headers["webhook-id"]], ['{"type":"t"}', "msg_1"]);
	});

	test("a host that keeps failing opens its own circuit, and only its own", async () => {
		const failing = receiver(() => 503);
		const [bad, good] = [await failing.start(), await receiver().start()];
		const client = new WebhookClient(policy);
		for (let i = 0; i < 3; i++) await send(client, bad).catch(() => undefined);
		assert.equal(failing.received.length, 2, "the third call was refused by the open circuit");
		assert.equal(await send(client, good), 200);
		assert.deepEqual(client.circuits().map((c) => c.state), ["open", "closed"]);
	});

	test("refuses private addresses: literal ones before connecting, resolved ones at connection time", async () => {
		const client = new WebhookClient(policy);
		assert.ok(isWebhookUndeliverable(await send(client, "http://127.0.0.1:9/x", false).catch((e: unknown) => e)));
		const refused = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup("localhost", {}, (e) => resolve(e)));
		assert.equal(refused?.code, "EPRIVATEADDRESS");
	});
});
