import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { WAYBILL_FACTS, traceIdOf, type SalesOrder } from "../../canonical/index.ts";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { WebhookReceiver, type ReceivedWebhook } from "../helpers/webhook-receiver.ts";
import { generateSecret, verify } from "../../services/notifier/webhook-signature.ts";

// Read by the notifier when it is created (startHarness): short retries, and receivers on 127.0.0.1.
process.env.NOTIFIER_ALLOW_PRIVATE_URLS = "true";
process.env.NOTIFIER_BACKOFF_MS = "100,200,400";
process.env.NOTIFIER_MAX_ATTEMPTS = "5";

const POLICIES = fileURLToPath(new URL("../fixtures/policies/exception-flows.json", import.meta.url));
const SERVICES = ["gateway", "erp", "wms", "lastmile", "mapper", "saga", "ledger", "notifier"];

interface SubscriptionCreated {
	id: string;
	secret: string;
	status: string;
	disabledReason?: string;
}
interface DeliveryView {
	id: string;
	webhookId: string;
	state: string;
	attempts: number;
	replays: number;
	lastStatus?: number;
	createdAt: string;
}

/** Issue 6, end to end: subscriptions through the gateway, webhooks to local receivers, SLA alerts to the configured endpoint. */
for (const mode of ["embedded", "distributed"] as const) {
	describe(`status notifications as signed webhooks (${mode})`, () => {
		let h: Harness;
		const prefix = `NTF${mode === "embedded" ? "E" : "D"}`;
		const mine = `${prefix}-MINE`;
		const theirs = `${prefix}-THEIRS`;
		const late = `${prefix}-SLA`;
		const portal = new WebhookReceiver();
		const flaky = new WebhookReceiver((n) => (n <= 2 ? 500 : 200));
		let goneRecovered = false;
		const gone = new WebhookReceiver(() => (goneRecovered ? 200 : 410));
		const slaEndpoint = new WebhookReceiver();
		const slaSecret = generateSecret();
		const subs: Record<"portal" | "flaky" | "gone", SubscriptionCreated> = {} as never;

		const api = (path: string, init?: RequestInit) => fetch(`${h.gatewayUrl}/api/v1${path}`, { ...init, headers: { "content-type": "application/json", ...h.auth, ...init?.headers }, signal: AbortSignal.timeout(10_000) });
		const deliveries = async (id: string, query = "") => (await (await api(`/subscriptions/${id}/deliveries${query}`)).json()) as DeliveryView[];
		const signedBy = (secret: string, r: ReceivedWebhook) => verify(secret, r.headers, r.body);
		const statusChangesOf = async (orderId: string) =>
			(await h.client.call<Array<{ type: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId: orderId })).filter((e) => e.type === WAYBILL_FACTS.ORDER_STATUS_CHANGED).length;

		before(async () => {
			Object.assign(process.env, { SLA_WEBHOOK_URL: await slaEndpoint.start(), SLA_WEBHOOK_SECRET: slaSecret });
			h = await startHarness({ mode, services: SERVICES, policiesFile: POLICIES, wmsDelays: { exceptionDelayMs: 3_000 } });
			for (const [name, receiver] of [["portal", portal], ["flaky", flaky], ["gone", gone]] as const) {
				const res = await api("/subscriptions", { method: "POST", body: JSON.stringify({ url: await receiver.start(), eventTypes: [WAYBILL_FACTS.ORDER_STATUS_CHANGED], customerId: "C-1", description: name }) });
				assert.equal(res.status, 201);
				subs[name] = (await res.json()) as SubscriptionCreated;
			}
			// A blocked wave holds the express order past its 2 s dispatch SLA (policies file).
			h.wms.setScenario({ orders: { [late]: { warehouseException: "wave-blocked" } } });
			const orders: SalesOrder[] = [testOrder(mine), { ...testOrder(theirs), customer: { id: "C-2", name: "Grace Hopper" } }, { ...testOrder(late), customer: { id: "C-2", name: "Grace Hopper" }, serviceLevel: "express" }];
			for (const order of orders) assert.equal((await releaseOrder(h, order)).status, 202);
			await eventually("every order invoiced and every webhook settled", async () => {
				const statuses = await Promise.all(orders.map((o) => h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: o.orderId })));
				if (!statuses.every((s) => s.status === "invoiced")) return false;
				const backlog = (await h.client.call<Array<{ backlog: number }>>("notifier.streamBacklog")).every((b) => b.backlog === 0);
				return backlog && (await deliveries(subs.portal.id)).length === (await statusChangesOf(mine)) && slaEndpoint.accepted().length >= 2;
			}, 60_000, 200);
		});

		after(async () => {
			await h?.stop();
			await Promise.all([portal, flaky, gone, slaEndpoint].map((r) => r.stop()));
			delete process.env.SLA_WEBHOOK_URL;
			delete process.env.SLA_WEBHOOK_SECRET;
		});

		it("creating a subscription answers 201 with a whsec_ secret that is never shown again", async () => {
			assert.match(subs.portal.secret, /^whsec_/);
			const shown = (await (await api(`/subscriptions/${subs.portal.id}`)).json()) as Record<string, unknown>;
			assert.equal(shown.secret, undefined);
			assert.equal(shown.customerId, "C-1");
			const listed = (await (await api("/subscriptions")).json()) as Array<{ id: string; configured?: boolean }>;
			assert.deepEqual(listed.map((s) => s.id).sort(), [subs.portal.id, subs.flaky.id, subs.gone.id, "sub_sla"].sort());
		});

		it("the customer's portal gets every milestone of the customer's order, in order, signed, and nothing of another customer's", async () => {
			const got = portal.accepted();
			assert.ok(portal.received.every((r) => signedBy(subs.portal.secret, r)), "every request verifies with the subscription's secret");
			assert.deepEqual([...new Set(got.map((w) => w.data.orderId))], [mine]);
			assert.equal(got.length, await statusChangesOf(mine), "one webhook per status change");
			assert.equal(new Set(got.map((w) => w.id)).size, got.length, "one webhook-id per milestone");
			for (let i = 1; i < got.length; i++) assert.equal(got[i]!.data.from, got[i - 1]!.data.to, `milestone ${i} follows milestone ${i - 1}`);
			assert.equal(got.at(-1)!.data.to, "invoiced");
			assert.ok(got.every((w) => w.type === WAYBILL_FACTS.ORDER_STATUS_CHANGED && typeof w.timestamp === "string"));
			const traces = new Set(portal.received.map((r) => traceIdOf(r.headers.traceparent)));
			assert.equal(traces.size, 1, "every webhook of the order carries the order's trace");
			assert.ok([...traces][0], "as a valid traceparent");
		});

		it("a receiver that fails the first two attempts gets the milestone once, on the third, with the same webhook-id", async () => {
			const [first] = flaky.received;
			assert.deepEqual(flaky.received.filter((r) => r.headers["webhook-id"] === first!.headers["webhook-id"]).map((r) => r.status), [500, 500, 200]);
			const oldestFirst = (await deliveries(subs.flaky.id)).reverse();
			assert.deepEqual([oldestFirst[0]!.webhookId, oldestFirst[0]!.state, oldestFirst[0]!.attempts, oldestFirst[0]!.lastStatus], [first!.headers["webhook-id"], "delivered", 3, 200]);
			assert.ok(oldestFirst.every((d) => d.state === "delivered"));
			assert.deepEqual(flaky.accepted().map((w) => w.data.to), portal.accepted().map((w) => w.data.to), "the same milestones, in the same order");
			assert.ok(flaky.received.every((r) => signedBy(subs.flaky.secret, r)));
		});

		it("a receiver answering 410 fails the delivery for good and disables the subscription; a replay after it recovers is delivered", async () => {
			assert.equal(gone.received.length, 1, "nothing more is sent after 410 Gone");
			const failed = await deliveries(subs.gone.id, "?status=failed");
			assert.equal(failed.length, await statusChangesOf(mine), "later milestones are kept, failed, for replay");
			const first = failed.at(-1)!;
			assert.deepEqual([first.attempts, first.lastStatus, first.webhookId], [1, 410, gone.received[0]!.headers["webhook-id"]]);
			const sub = (await (await api(`/subscriptions/${subs.gone.id}`)).json()) as SubscriptionCreated;
			assert.deepEqual([sub.status, sub.disabledReason], ["disabled", "the endpoint answered 410 Gone"]);

			goneRecovered = true;
			const replay = await api(`/subscriptions/${subs.gone.id}/deliveries/${first.id}/replay`, { method: "POST" });
			assert.equal(replay.status, 202);
			const done = await eventually("the replay delivered", async () => {
				const d = (await (await api(`/subscriptions/${subs.gone.id}/deliveries/${first.id}`)).json()) as DeliveryView & { payload: { data: { orderId: string } } };
				return d.state === "delivered" ? d : undefined;
			}, 15_000, 100);
			assert.deepEqual([done.attempts, done.replays, done.payload.data.orderId], [2, 1, mine]);
			assert.deepEqual(gone.received.map((r) => [r.headers["webhook-id"], r.status]), [[first.webhookId, 410], [first.webhookId, 200]]);
			assert.ok(signedBy(subs.gone.secret, gone.received[1]!));
		});

		it("SLA at-risk and breached facts go to the configured SLA endpoint, signed with its secret", async () => {
			const alerts = slaEndpoint.accepted();
			assert.deepEqual(alerts.map((a) => [a.type, a.data.orderId]), [[WAYBILL_FACTS.SLA_AT_RISK, late], [WAYBILL_FACTS.SLA_BREACHED, late]]);
			assert.ok(slaEndpoint.received.every((r) => signedBy(slaSecret, r)));
		});

		it("refuses bad subscriptions and unknown ids with problem+json", async () => {
			const bad = await api("/subscriptions", { method: "POST", body: JSON.stringify({ url: "ftp://example.com/x", eventTypes: ["erp.order.released"] }) });
			assert.equal(bad.status, 422);
			assert.match(bad.headers.get("content-type") ?? "", /application\/problem\+json/);
			assert.equal(((await bad.json()) as { type: string }).type, "https://waybill.dev/problems/schema-invalid");
			const missing = await api("/subscriptions/sub_nothing/deliveries");
			assert.equal(missing.status, 404);
			assert.equal(((await missing.json()) as { type: string }).type, "https://waybill.dev/problems/not-found");
		});

		it("milestones that happen while the notifier is down are all sent, in order, once it is back", { skip: mode === "embedded" && "one process: nothing to stop alone" }, async () => {
			const back = `${prefix}-BACK`;
			await h.stopService("notifier");
			assert.equal((await releaseOrder(h, testOrder(back))).status, 202);
			await eventually("the order invoiced", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: back })).status === "invoiced", 30_000, 200);
			assert.equal(portal.accepted().filter((w) => w.data.orderId === back).length, 0, "nothing sent while down");
			await h.startService("notifier");
			const expected = await statusChangesOf(back);
			const got = await eventually("every milestone sent", async () => {
				const mineNow = portal.accepted().filter((w) => w.data.orderId === back);
				return mineNow.length === expected ? mineNow : undefined;
			}, 30_000, 100);
			for (let i = 1; i < got.length; i++) assert.equal(got[i]!.data.from, got[i - 1]!.data.to);
			// The webhooks can beat the gateway's discovery of the new node; the API needs it.
			await eventually("the API reaches the notifier again", async () => (await api("/subscriptions")).status === 200, 10_000, 100);
		});

		it("a deleted subscription is gone, with its deliveries", async () => {
			assert.equal((await api(`/subscriptions/${subs.flaky.id}`, { method: "DELETE" })).status, 204);
			assert.equal((await api(`/subscriptions/${subs.flaky.id}`)).status, 404);
			assert.equal((await api(`/subscriptions/${subs.flaky.id}/deliveries`)).status, 404);
		});
	});
}
