import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { issueKey } from "../helpers/api-keys.ts";
import { signed3plHeaders } from "../../simulators/signatures.ts";
import { MemoryStreamBus } from "../../mixins/streams/memory-stream.bus.ts";
import { createEnvelope, CHANNELS } from "../../canonical/index.ts";

interface DeadLetterView {
	id: string;
	channel: string;
	group: string;
	orderId: string;
	partner?: string;
	attempts: number;
	firstAttemptAt?: string;
	failedAt: string;
	status: string;
	error: { type: string; message: string };
	message: { data: { body: string } };
}

/** An /ops request as `as` (the platform's admin key unless a test acts with a key of its own). */
const ops = (h: Harness, path: string, init?: RequestInit, as: { authorization: string } = h.auth) => fetch(`${h.gatewayUrl}/ops${path}`, { ...init, headers: { ...init?.headers, ...as } });

describe("dead letters: listed with their error and business keys, replayed idempotently with an audited correction", () => {
	let h: Harness;
	before(async () => {
		h = await startHarness({ mode: "embedded" });
		assert.equal((await releaseOrder(h, testOrder("SO-DL-1"))).status, 202);
		await eventually("SO-DL-1 invoiced", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: "SO-DL-1" })).status === "invoiced");
	});
	after(async () => h?.stop());

	it("dead-letters a verified webhook the mapper cannot read, with the error, attempts, times and keys", async () => {
		const body = JSON.stringify({ eventId: "evt_no_ref", eventType: "order.allocated", occurredAt: new Date().toISOString(), order: { id: "wo_1", externalRef: "FO-SO-DL-1-WH1", warehouse: "WH1" }, lines: [] });
		const response = await fetch(`${h.gatewayUrl}/webhooks/wms/acme-3pl`, { method: "POST", headers: { "content-type": "application/json", ...signed3plHeaders(body, h.secrets.wms), "x-3pl-delivery": "d-no-ref" }, body });
		assert.equal(response.status, 200, "a verified webhook is accepted: the mapper finds the problem later");
		const [dead] = await eventually("the dead letter", async () => {
			const list = (await (await ops(h, "/dead-letters?errorType=MAPPING_FAILED")).json()) as DeadLetterView[];
			return list.length === 1 ? list : undefined;
		});
		assert.equal(dead!.channel, "inbound");
		assert.equal(dead!.group, "mapper");
		assert.equal(dead!.partner, "acme-3pl");
		assert.equal(dead!.status, "waiting");
		assert.equal(dead!.attempts, 1, "not retryable: dead-lettered at once");
		assert.match(dead!.error.message, /order reference/);
		assert.ok(dead!.firstAttemptAt && Date.parse(dead!.firstAttemptAt) <= Date.parse(dead!.failedAt));
	});

	it("replays a dead letter with corrected data once, records who did it, and the flow applies it", async () => {
		const [dead] = (await (await ops(h, "/dead-letters?errorType=MAPPING_FAILED")).json()) as DeadLetterView[];
		const fixed = JSON.parse(dead!.message.data.body) as { order: Record<string, string> };
		fixed.order.orderRef = "SO-DL-1";
		const data = { ...dead!.message.data, body: JSON.stringify(fixed) };
		const anna = await issueKey(h, "ops: Anna", "operator");
		const replay = () => ops(h, "/dead-letters/replay", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ids: [dead!.id], data }) }, anna.auth);
		const first = (await (await replay()).json()) as { replayed: number };
		const second = (await (await replay()).json()) as { replayed: number };
		assert.equal(first.replayed, 1);
		assert.equal(second.replayed, 0, `a replayed dead letter is not replayed again: ${JSON.stringify(second)}`);
		await eventually("the corrected fact in the order's timeline", async () => {
			const order = await h.client.call<{ timeline: Array<{ type: string; note?: string }> }, { orderId: string }>("saga.getOrder", { orderId: "SO-DL-1" });
			return order.timeline.filter((t) => t.type === "wms.fulfillment.allocated").length === 2;
		});
		// The webhook never named its order, so its dead letter (and the replay) are correlated by its event id.
		const entries = await h.client.call<Array<{ type: string; actor?: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId: dead!.orderId });
		assert.deepEqual(entries.filter((e) => e.type === "waybill.message.replayed").map((e) => e.actor), [anna.actor], "the replay, and the key that made it, is in the ledger");
		const [after] = (await (await ops(h, "/dead-letters?errorType=MAPPING_FAILED")).json()) as Array<DeadLetterView & { replay: { by: string; edited: boolean } }>;
		assert.deepEqual([after!.status, after!.replay.by, after!.replay.edited], ["replayed", anna.actor, true]);
	});

	it("dead-letters a poison message on the events stream in every group that reads it, with SCHEMA_INVALID", async () => {
		const bus = new MemoryStreamBus({ namespace: h.namespace });
		const poison = createEnvelope({ type: "wms.pick.confirmed", source: "poison", subject: "SO-DL-1", data: { orderId: 42 }, schemaVersion: 1, idempotencyKey: "poison-1" });
		await bus.publish(CHANNELS.EVENTS, poison);
		const dead = await eventually("both groups' dead letters", async () => {
			const list = (await (await ops(h, "/dead-letters?errorType=SCHEMA_INVALID")).json()) as DeadLetterView[];
			return list.length === 2 ? list : undefined;
		});
		assert.deepEqual(dead.map((d) => d.group).sort(), ["ledger", "saga"]);
		assert.ok(dead.every((d) => d.orderId === "SO-DL-1" && d.channel === "events"));
	});

	it("refuses corrected data for a filter that selects more than one dead letter", async () => {
		const response = await ops(h, "/dead-letters/replay", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ filter: { errorType: "SCHEMA_INVALID" }, data: {} }) });
		assert.equal(response.status, 422);
	});
});
