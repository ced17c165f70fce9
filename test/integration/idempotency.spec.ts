import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { testOrder } from "../helpers/orders.ts";
import { signed3plHeaders } from "../../simulators/signatures.ts";

function post(h: Harness, body: unknown, key?: string): Promise<Response> {
	return fetch(`${h.gatewayUrl}/api/v1/orders`, {
		method: "POST",
		headers: { "content-type": "application/json", ...h.auth, ...(key ? { "idempotency-key": key } : {}) },
		body: JSON.stringify(body),
	});
}

function webhook(h: Harness, event: object, deliveryId: string): Promise<Response> {
	const body = JSON.stringify(event);
	return fetch(`${h.gatewayUrl}/webhooks/wms/acme-3pl`, {
		method: "POST",
		headers: { "content-type": "application/json", "x-3pl-delivery": deliveryId, ...signed3plHeaders(body, h.secrets.wms) },
		body,
	});
}

describe("idempotency at the edges (embedded, with a 100 ms stream dedup window)", () => {
	let h: Harness;
	before(async () => {
		// A dedup window this short proves the days-long horizon comes from the store, not from JetStream.
		h = await startHarness({ mode: "embedded", dedupWindowMs: 100 });
	});
	after(async () => h?.stop());

	it("answers a repeated POST with the same Idempotency-Key with the stored response, and releases one order", async () => {
		const order = testOrder("SO-IDEM-1");
		const first = await post(h, order, "key-1");
		await new Promise((r) => setTimeout(r, 200));
		const again = await post(h, order, "key-1");
		assert.equal(first.status, 202);
		assert.equal(again.status, 202);
		assert.equal(again.headers.get("idempotent-replayed"), "true");
		assert.equal(again.headers.get("location"), "/api/v1/orders/SO-IDEM-1");
		assert.deepEqual(await again.json(), await first.json());
		await eventually("the order invoiced", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: "SO-IDEM-1" })).status === "invoiced");
		assert.equal(h.wms.fulfillmentOrdersFor("SO-IDEM-1"), 1);
	});

	it("refuses a repeat of an Idempotency-Key with a different body as a 422 problem", async () => {
		assert.equal((await post(h, testOrder("SO-IDEM-2"), "key-2")).status, 202);
		const changed = await post(h, { ...testOrder("SO-IDEM-2"), currency: "USD" }, "key-2");
		assert.equal(changed.status, 422);
		assert.equal(((await changed.json()) as { type: string }).type, "https://waybill.dev/problems/idempotency-conflict");
	});

	it("lets a request that failed validation be retried with the same key", async () => {
		assert.equal((await post(h, { orderId: "SO-IDEM-3" }, "key-3")).status, 422);
		assert.equal((await post(h, testOrder("SO-IDEM-3"), "key-3")).status, 202);
	});

	it("stores a partner event once even when it is re-sent with a new delivery id after the stream's dedup window", async () => {
		await eventually("SO-IDEM-1 fully processed", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: "SO-IDEM-1" })).status === "invoiced");
		const before = await h.client.call<LedgerEntryLike[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-IDEM-1" });
		const event = { eventId: "evt_resent_1", eventType: "order.allocated", occurredAt: new Date().toISOString(), order: { id: "wo_x", externalRef: "FO-SO-IDEM-1-WH1", orderRef: "SO-IDEM-1", warehouse: "WH1" }, lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }] };
		const first = await webhook(h, event, "delivery-a");
		await new Promise((r) => setTimeout(r, 250));
		const resent = await webhook(h, event, "delivery-b");
		assert.equal(first.status, 200);
		assert.equal(resent.status, 200);
		assert.equal(((await first.json()) as { duplicate: boolean }).duplicate, false);
		assert.equal(((await resent.json()) as { duplicate: boolean }).duplicate, true);
		await eventually("the first copy recorded", async () => {
			const after = await h.client.call<LedgerEntryLike[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-IDEM-1" });
			return after.filter((e) => e.kind === "inbound").length === before.filter((e) => e.kind === "inbound").length + 1;
		});
		await new Promise((r) => setTimeout(r, 300));
		const after = await h.client.call<LedgerEntryLike[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-IDEM-1" });
		assert.equal(after.filter((e) => e.kind === "inbound").length, before.filter((e) => e.kind === "inbound").length + 1, "one inbound entry for two sends");
	});
});

interface LedgerEntryLike {
	kind: string;
	type: string;
}
