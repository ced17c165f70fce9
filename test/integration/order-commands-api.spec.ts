import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHANNELS, ERP_FACTS, type Envelope } from "../../canonical/index.ts";
import { MemoryStreamBus } from "../../mixins/streams/memory-stream.bus.ts";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { CHANGED_ADDRESS_LINE2 } from "../../simulators/erp-requests.ts";

const MAPPING_VERSION = "waybill-canonical@1.1.0";
const NEW_ADDRESS = { name: "Ada Lovelace", line1: "3 Dock Lane", city: "Hamburg", postalCode: "20457", country: "DE" };
const WINDOW = { from: "2026-01-05T08:00:00.000Z", to: "2026-01-05T12:00:00.000Z" };

interface Answer {
	status: number;
	contentType: string;
	location: string | null;
	replayed: string | null;
	body: any;
}

interface LedgerEntryLike {
	kind: string;
	type: string;
	mappingVersion?: string;
}

describe("the ERP's order commands on the governed API (embedded)", () => {
	let h: Harness;
	const changed = testOrder("SO-CMD-1");
	const returned = testOrder("SO-CMD-2", 3);

	async function call(method: "POST" | "PATCH", path: string, body: unknown, key?: string): Promise<Answer> {
		const res = await fetch(`${h.gatewayUrl}${path}`, {
			method,
			headers: { "content-type": "application/json", ...h.auth, ...(key ? { "idempotency-key": key } : {}) },
			body: JSON.stringify(body),
		});
		return { status: res.status, contentType: res.headers.get("content-type") ?? "", location: res.headers.get("location"), replayed: res.headers.get("idempotent-replayed"), body: await res.json() };
	}

	/** What is stored on a channel about an order, oldest first. */
	async function stored(channel: string, orderId: string, type?: string): Promise<Envelope[]> {
		const all = await new MemoryStreamBus({ namespace: h.namespace }).read(channel, 1, 100_000);
		return all.map((m) => m.envelope).filter((e) => e.subject === orderId && (type === undefined || e.type === type));
	}

	function factsOnce(what: string, orderId: string, type: string, count: number): Promise<Envelope[]> {
		return eventually(what, async () => {
			const facts = await stored(CHANNELS.EVENTS, orderId, type);
			return facts.length >= count ? facts : undefined;
		}, 10_000);
	}

	before(async () => {
		h = await startHarness({ mode: "embedded" });
		for (const order of [changed, returned]) assert.equal((await releaseOrder(h, order)).status, 202);
		for (const order of [changed, returned]) {
			await eventually(`${order.orderId} invoiced`, async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: order.orderId })).status === "invoiced");
		}
	});
	after(async () => h?.stop());

	it("cancels with 202 and the order's status URL, answers a repeat of its Idempotency-Key the same, and stores one erp.order.cancelled fact with the reason", async () => {
		const path = "/api/v1/orders/SO-CMD-1/cancel";
		const first = await call("POST", path, { reason: "customer changed their mind" }, "cancel-CMD-1");
		const again = await call("POST", path, { reason: "customer changed their mind" }, "cancel-CMD-1");
		assert.deepEqual([first.status, first.location, first.body], [202, "/api/v1/orders/SO-CMD-1", { orderId: "SO-CMD-1", status: "accepted", statusUrl: "/api/v1/orders/SO-CMD-1" }]);
		assert.deepEqual([again.status, again.replayed, again.body], [202, "true", first.body]);

		const [fact] = await factsOnce("the cancellation fact", "SO-CMD-1", ERP_FACTS.ORDER_CANCELLED, 1);
		assert.deepEqual(fact?.data, { orderId: "SO-CMD-1", reason: "customer changed their mind" });
		assert.deepEqual([fact?.source, fact?.partner, fact?.mappingversion], ["partner/erp/api", "api", MAPPING_VERSION]);
		await eventually("the cancellation in the ledger", async () => {
			const entries = await h.client.call<LedgerEntryLike[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-CMD-1" });
			return entries.some((e) => e.kind === "fact" && e.type === ERP_FACTS.ORDER_CANCELLED && e.mappingVersion === MAPPING_VERSION);
		}, 10_000);
		assert.equal((await stored(CHANNELS.EVENTS, "SO-CMD-1", ERP_FACTS.ORDER_CANCELLED)).length, 1, "the replayed request stored nothing");
	});

	it("names a change by its Idempotency-Key, or a new id without one, and stores each change as an erp.order.updated fact of only what changed", async () => {
		const keyed = await call("PATCH", "/api/v1/orders/SO-CMD-1", { shipTo: NEW_ADDRESS }, "change-CMD-1");
		const unkeyed = await call("PATCH", "/api/v1/orders/SO-CMD-1", { requestedWindow: WINDOW });
		assert.deepEqual([keyed.status, keyed.body], [202, { orderId: "SO-CMD-1", changeId: "change-CMD-1", status: "accepted", statusUrl: "/api/v1/orders/SO-CMD-1" }]);
		assert.equal(unkeyed.status, 202);
		assert.match(unkeyed.body.changeId, /^[0-9a-f-]{36}$/);

		const facts = await factsOnce("both change facts", "SO-CMD-1", ERP_FACTS.ORDER_UPDATED, 2);
		assert.deepEqual(facts.map((f) => f.data), [
			{ orderId: "SO-CMD-1", changeId: "change-CMD-1", changes: { shipTo: NEW_ADDRESS } },
			{ orderId: "SO-CMD-1", changeId: unkeyed.body.changeId, changes: { requestedWindow: WINDOW } },
		]);
	});

	it("lets a change refused for its body be sent again, corrected, under the same Idempotency-Key", async () => {
		const refused = await call("PATCH", "/api/v1/orders/SO-CMD-1", {}, "change-CMD-1b");
		const corrected = await call("PATCH", "/api/v1/orders/SO-CMD-1", { lines: [{ ...changed.lines[0]!, qty: 5 }] }, "change-CMD-1b");
		assert.deepEqual([refused.status, corrected.status, corrected.body.changeId], [400, 202, "change-CMD-1b"]);
		const facts = await factsOnce("the corrected change", "SO-CMD-1", ERP_FACTS.ORDER_UPDATED, 3);
		assert.deepEqual(facts.find((f) => (f.data as { changeId: string }).changeId === "change-CMD-1b")?.data, {
			orderId: "SO-CMD-1", changeId: "change-CMD-1b", changes: { lines: [{ ...changed.lines[0]!, qty: 5 }] },
		});
	});

	it("completes a return from the order: picked up at its address, back to its first fulfillment's warehouse, every line", async () => {
		const answer = await call("POST", "/api/v1/orders/SO-CMD-2/returns", { rma: "RMA-CMD-2", reason: "arrived damaged" }, "return-CMD-2");
		assert.deepEqual([answer.status, answer.body], [202, { orderId: "SO-CMD-2", rma: "RMA-CMD-2", status: "accepted", statusUrl: "/api/v1/orders/SO-CMD-2" }]);
		const [fact] = await factsOnce("the return fact", "SO-CMD-2", ERP_FACTS.RETURN_AUTHORISED, 1);
		assert.deepEqual(fact?.data, {
			rma: "RMA-CMD-2",
			orderId: "SO-CMD-2",
			reason: "arrived damaged",
			pickupFrom: returned.shipTo,
			warehouse: "WH1",
			lines: returned.lines.map(({ lineNo, sku, qty }) => ({ lineNo, sku, qty })),
		});
	});

	it("keeps what a return names: some lines, another pickup address, another warehouse", async () => {
		const body = { rma: "RMA-CMD-2B", reason: "wrong size", lines: [{ lineNo: 3, sku: "SKU-3", qty: 2 }], pickupFrom: NEW_ADDRESS, warehouse: "WH2" };
		assert.equal((await call("POST", "/api/v1/orders/SO-CMD-2/returns", body)).status, 202);
		const facts = await factsOnce("the second return fact", "SO-CMD-2", ERP_FACTS.RETURN_AUTHORISED, 2);
		assert.deepEqual(facts.find((f) => (f.data as { rma: string }).rma === "RMA-CMD-2B")?.data, { orderId: "SO-CMD-2", ...body });
	});

	it("answers 404 problem+json for an order Waybill was never given, on all three endpoints, and stores nothing", async () => {
		const answers = [
			await call("POST", "/api/v1/orders/SO-NEVER/cancel", { reason: "customer cancelled" }),
			await call("PATCH", "/api/v1/orders/SO-NEVER", { shipTo: NEW_ADDRESS }),
			await call("POST", "/api/v1/orders/SO-NEVER/returns", { rma: "RMA-NEVER", reason: "damaged", warehouse: "WH1" }),
		];
		for (const answer of answers) {
			assert.equal(answer.status, 404);
			assert.match(answer.contentType, /^application\/problem\+json/);
			assert.deepEqual([answer.body.type, answer.body.status], ["https://waybill.dev/problems/not-found", 404]);
		}
		assert.deepEqual(await stored(CHANNELS.INBOUND, "SO-NEVER"), [], "nothing about the order was stored");
	});

	it("answers 400 problem+json naming the problem for a body that does not fit, and stores nothing", async () => {
		// Only the ERP's own requests count: the warehouse and carrier keep reporting on the order meanwhile.
		const fromApi = async () => (await stored(CHANNELS.INBOUND, "SO-CMD-2")).filter((e) => (e.data as { partner: string }).partner === "api").length;
		const inboundBefore = await fromApi();
		const bad: Array<[method: "POST" | "PATCH", path: string, body: unknown, field: string]> = [
			["POST", "/api/v1/orders/SO-CMD-2/cancel", {}, "reason"],
			["POST", "/api/v1/orders/SO-CMD-2/cancel", { reason: 42 }, "reason"],
			["PATCH", "/api/v1/orders/SO-CMD-2", {}, "shipTo"],
			["PATCH", "/api/v1/orders/SO-CMD-2", { shipTo: { name: "Ada" } }, "shipTo.line1"],
			["PATCH", "/api/v1/orders/SO-CMD-2", { lines: [] }, "lines"],
			["POST", "/api/v1/orders/SO-CMD-2/returns", { reason: "damaged" }, "rma"],
			["POST", "/api/v1/orders/SO-CMD-2/returns", { rma: "RMA-X", reason: "damaged", lines: [{ lineNo: 9, sku: "SKU-9", qty: 1 }] }, "lines[0]"],
			["POST", "/api/v1/orders/SO-CMD-2/returns", { rma: "RMA-X", reason: "damaged", lines: [{ lineNo: 1, sku: "SKU-1", qty: 99 }] }, "lines[0]"],
		];
		for (const [method, path, body, field] of bad) {
			const answer = await call(method, path, body);
			const what = `${method} ${path} ${JSON.stringify(body)}`;
			assert.equal(answer.status, 400, what);
			assert.match(answer.contentType, /^application\/problem\+json/, what);
			assert.deepEqual([answer.body.type, answer.body.status], ["https://waybill.dev/problems/schema-invalid", 400], what);
			assert.ok(answer.body.errors.some((e: { field?: string }) => e.field === field), `${what} names ${field}: ${JSON.stringify(answer.body.errors)}`);
		}
		assert.equal(await fromApi(), inboundBefore);
	});

	it("takes what the ERP simulator sends when a scenario makes it act: a change read back from Waybill's order, then a return", async () => {
		const driven = testOrder("SO-CMD-3");
		h.erp.setWaybillUrl(h.gatewayUrl, h.apiKey);
		// Rates, not a script: the ERP was never told of the order, so it must read it back from Waybill to derive the new address.
		h.erp.setScenario({ rates: { addressChange: 1, returnAfterDelivery: 1 } });
		try {
			assert.equal((await releaseOrder(h, driven)).status, 202);
			const [change] = await factsOnce("the ERP's change", "SO-CMD-3", ERP_FACTS.ORDER_UPDATED, 1);
			assert.deepEqual(change?.data, { orderId: "SO-CMD-3", changeId: "erp-sim:change:SO-CMD-3:released", changes: { shipTo: { ...driven.shipTo, line2: CHANGED_ADDRESS_LINE2 } } });
			const [rma] = await factsOnce("the ERP's return", "SO-CMD-3", ERP_FACTS.RETURN_AUTHORISED, 1);
			assert.deepEqual([(rma?.data as { rma: string }).rma, (rma?.data as { lines: unknown[] }).lines.length], ["RMA-SO-CMD-3", 2]);
			await h.erp.idle();
			assert.deepEqual(h.erp.sentFor("SO-CMD-3"), ["change", "return"]);
		} finally {
			h.erp.setScenario({ rates: { addressChange: 0, returnAfterDelivery: 0 } });
		}
	});
});
