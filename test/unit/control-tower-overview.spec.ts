import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { OutcomeWindow, OUTCOME_WINDOW_MS } from "../../mixins/resilience/outcome-window.ts";
import { SagaStore } from "../../services/saga/saga.store.ts";
import { summariseOverview } from "../../services/saga/overview-view.ts";
import { ShortCache } from "../../services/gateway/control-tower/overview.ts";
import type { DeliveryState, FulfillmentState, OrderSaga } from "../../services/saga/order-saga.ts";
import type { OrderStatus, Shipment } from "../../canonical/index.ts";

const NOW = Date.parse("2026-11-26T12:00:00.000Z");
const WINDOW_MS = 60 * 60_000;
const iso = (minutesFromNow: number) => new Date(NOW + minutesFromNow * 60_000).toISOString();

/** Just the saga fields the overview reads. */
function saga(orderId: string, status: OrderStatus, more: Partial<OrderSaga> = {}): OrderSaga {
	return {
		orderId, status, statusAt: iso(-5), createdAt: iso(-30), updatedAt: iso(-1),
		order: { orderId, serviceLevel: "standard", requestedWindow: { from: iso(0), to: iso(60) } },
		fulfillments: {}, shipments: [], deliveries: {}, lines: [], cases: [], sla: { atRisk: [], breached: [] }, timeline: [],
		...more,
	} as unknown as OrderSaga;
}
const fulfillment = (id: string, warehouse: string, partner: string, state: FulfillmentState["state"]): FulfillmentState => ({ fulfillmentOrderId: id, warehouse, partner, state, lines: [] });
const shipment = (shipmentId: string, shippedAt: string, more: Partial<Shipment> = {}): Shipment => ({ shipmentId, orderId: "x", shippedAt, packages: [], lines: [{ lineNo: 1, sku: "SKU-1", qty: 2 }], ...more });
const delivery = (id: string, partner: string, state: DeliveryState["state"], more: Partial<DeliveryState> = {}): DeliveryState => ({ deliveryJobId: id, shipmentId: "s", partner, attempt: 1, failures: [], state, ...more });

describe("control tower overview", () => {
	test("the open-orders index follows status changes: a finished order leaves it, a return after invoicing brings it back", async () => {
		const store = new MemoryStore(`t-${randomUUID()}`);
		const sagas = new SagaStore(store);
		const order = saga("SO-OPEN-1", "released");
		assert.equal(await sagas.save(order, 0), true);
		assert.deepEqual(await sagas.openOrderIds(10), ["SO-OPEN-1"]);
		assert.equal(await sagas.save({ ...order, status: "invoiced" }, 1, "released"), true);
		assert.deepEqual(await sagas.openOrderIds(10), []);
		assert.equal(await sagas.save({ ...order, status: "returning" }, 2, "invoiced"), true);
		assert.deepEqual(await sagas.openOrderIds(10), ["SO-OPEN-1"]);
		assert.equal(await sagas.save({ ...order, status: "returned" }, 1, "returning"), false, "a lost version race");
		assert.deepEqual(await sagas.openOrderIds(10), ["SO-OPEN-1"], "a save that did not happen leaves it listed");
		assert.deepEqual(await sagas.orderIdsSince(Date.parse(iso(-31)), 10), ["SO-OPEN-1"]);
		assert.deepEqual(await sagas.orderIdsSince(Date.parse(iso(-29)), 10), []);
		await store.clear();
	});

	test("counts orders in flight and finished by status, and names the stuck ones", () => {
		const overview = summariseOverview(
			[
				saga("SO-1", "allocated"),
				saga("SO-2", "allocated", { updatedAt: iso(-10) }),
				saga("SO-3", "delivery_failed"),
				saga("SO-4", "invoiced"),
				saga("SO-5", "cancelled"),
				saga("SO-OLD", "invoiced", { createdAt: iso(-120) }),
			],
			{ now: NOW, windowMs: WINDOW_MS, stuckAfterMs: 5 * 60_000 },
		);
		assert.deepEqual(overview.inFlight, { total: 3, byStatus: { allocated: 2, delivery_failed: 1 } });
		assert.deepEqual(overview.finished, { total: 2, byStatus: { invoiced: 1, cancelled: 1 } }, "finished orders released before the window are not counted");
		assert.deepEqual(overview.stuck, { count: 1, orders: [{ orderId: "SO-2", status: "allocated", updatedAt: iso(-10) }] });
	});

	test("lists SLAs at risk soonest due first and breached latest due first, each with its due time", () => {
		const overview = summariseOverview(
			[
				saga("SO-A", "allocated", { sla: { atRisk: ["order-to-dispatch"], breached: [], dispatchDueAt: iso(20) } }),
				saga("SO-B", "picked", { sla: { atRisk: ["order-to-dispatch", "delivery-window"], breached: [], due: { "order-to-dispatch": iso(5), "delivery-window": iso(60) } } }),
				saga("SO-C", "allocated", { sla: { atRisk: ["order-to-dispatch"], breached: ["order-to-dispatch", "status-freshness"], due: { "order-to-dispatch": iso(-10), "status-freshness": iso(-2) } } }),
				saga("SO-D", "invoiced", { sla: { atRisk: ["order-to-dispatch"], breached: [], due: { "order-to-dispatch": iso(-40) } } }),
			],
			{ now: NOW, windowMs: WINDOW_MS, stuckAfterMs: 60_000 },
		);
		assert.deepEqual(overview.sla.atRisk.map((r) => [r.orderId, r.sla, r.dueAt]), [["SO-B", "order-to-dispatch", iso(5)], ["SO-A", "order-to-dispatch", iso(20)], ["SO-B", "delivery-window", iso(60)]], "a breached or finished order's risk is not listed as a risk");
		assert.deepEqual(overview.sla.breached.map((r) => [r.orderId, r.sla, r.dueAt]), [["SO-C", "status-freshness", iso(-2)], ["SO-C", "order-to-dispatch", iso(-10)]]);
	});

	test("counts shipments per warehouse in the window per bucket, including a shipment notice that names no warehouse", () => {
		const overview = summariseOverview(
			[
				saga("SO-1", "invoiced", { fulfillments: { F1: fulfillment("F1", "WH1", "acme-3pl", "shipped") }, shipments: [shipment("S1", iso(-1), { warehouse: "WH1" }), shipment("S0", iso(-90), { warehouse: "WH1" })] }),
				saga("SO-2", "invoiced", { fulfillments: { F2: fulfillment("F2", "WH1", "acme-3pl", "cancelled"), F3: fulfillment("F3", "WH2", "edi-3pl", "shipped") }, shipments: [shipment("SHP1", iso(-59))] }),
				saga("SO-3", "allocated", { fulfillments: { F4: fulfillment("F4", "WH2", "edi-3pl", "accepted") } }),
			],
			{ now: NOW, windowMs: WINDOW_MS, stuckAfterMs: 60_000 },
		);
		assert.deepEqual(overview.warehouses, [
			{ warehouse: "WH1", partner: "acme-3pl", shipped: 1, units: 2, open: 0, perBucket: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
			{ warehouse: "WH2", partner: "edi-3pl", shipped: 1, units: 2, open: 1, perBucket: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
		]);
	});

	test("rates deliveries on time by the requested window, counts first attempts, and a parcel sent back as late", () => {
		const overview = summariseOverview(
			[
				saga("SO-1", "invoiced", { deliveries: { D1: delivery("D1", "onfleet", "delivered", { deliveredAt: iso(-5) }) } }),
				saga("SO-2", "invoiced", { order: { serviceLevel: "standard", requestedWindow: { from: iso(-60), to: iso(-30) } } as never, deliveries: { D2: delivery("D2", "onfleet", "delivered", { deliveredAt: iso(-5), attempt: 2, failures: [{ at: iso(-20) }] }) } }),
				saga("SO-3", "returning", { deliveries: { D3: delivery("D3", "rapid-courier", "returning", { attempt: 2, failures: [{ at: iso(-30) }, { at: iso(-10) }] }) } }),
				saga("SO-4", "dispatched", { deliveries: { D4: delivery("D4", "rapid-courier", "on-route") } }),
			],
			{ now: NOW, windowMs: WINDOW_MS, stuckAfterMs: 60 * 60_000 },
		);
		assert.deepEqual(overview.providers, [
			{ partner: "onfleet", delivered: 2, onTime: 1, firstAttempt: 1, returned: 0, failedAttempts: 1, inFlight: 0 },
			{ partner: "rapid-courier", delivered: 0, onTime: 0, firstAttempt: 0, returned: 1, failedAttempts: 2, inFlight: 2 },
		]);
	});

	test("tells what each partner holds: orders, fulfillment orders per warehouse, delivery jobs", () => {
		const overview = summariseOverview(
			[
				saga("SO-1", "allocated", { fulfillments: { F1: fulfillment("F1", "WH1", "acme-3pl", "accepted") } }),
				saga("SO-2", "dispatched", { fulfillments: { F2: fulfillment("F2", "WH1", "acme-3pl", "shipped") }, deliveries: { D2: delivery("D2", "onfleet", "on-route", { partnerRef: "task-2", eta: iso(30) }) } }),
				saga("SO-3", "invoiced", { fulfillments: { F3: fulfillment("F3", "WH1", "acme-3pl", "accepted") } }),
			],
			{ now: NOW, windowMs: WINDOW_MS, stuckAfterMs: 60 * 60_000 },
		);
		assert.deepEqual(overview.partners, {
			"acme-3pl": { orders: 1, orderIds: ["SO-1"], byWarehouse: { WH1: 1 }, fulfillments: [{ fulfillmentOrderId: "F1", orderId: "SO-1", warehouse: "WH1", state: "accepted" }], deliveries: [] },
			onfleet: { orders: 1, orderIds: ["SO-2"], byWarehouse: {}, fulfillments: [], deliveries: [{ deliveryJobId: "D2", orderId: "SO-2", state: "on-route", partnerRef: "task-2", eta: iso(30) }] },
		});
	});

	test("a partner's recent outcomes count the last five minutes and forget older calls", () => {
		const window = new OutcomeWindow();
		window.record(false, NOW - OUTCOME_WINDOW_MS - 1_000);
		window.record(true, NOW - 60_000);
		window.record(false, NOW - 1_000);
		window.record(false, NOW);
		assert.deepEqual(window.snapshot(NOW), { windowMs: OUTCOME_WINDOW_MS, calls: 3, failures: 1 });
		assert.deepEqual(window.snapshot(NOW + OUTCOME_WINDOW_MS), { windowMs: OUTCOME_WINDOW_MS, calls: 0, failures: 0 });
	});

	test("overviews asked within a second share one read; a failed read is not kept", async () => {
		const cache = new ShortCache<number>(1_000);
		let reads = 0;
		const load = async () => ++reads;
		assert.deepEqual(await Promise.all([cache.get("60", load, NOW), cache.get("60", load, NOW + 500)]), [1, 1]);
		assert.equal(await cache.get("60", load, NOW + 1_000), 2);
		await assert.rejects(cache.get("15", () => Promise.reject(new Error("saga away")), NOW + 1_000));
		assert.equal(await cache.get("15", load, NOW + 1_001), 3);
	});
});
