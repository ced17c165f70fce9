import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
	ERP_COMMANDS, ERP_FACTS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS as S, WAYBILL_FACTS, WMS_COMMANDS, WMS_FACTS,
	assertValidMessage,
	type Envelope, type LineQuantity, type MessageType, type SalesOrder,
} from "../../canonical/index.ts";
import { isoPlus, type FlowContext, type FlowPolicies } from "../../services/saga/flows/flow-kit.ts";
import type { CommandIntent, OrderSaga, Reaction } from "../../services/saga/order-saga.ts";
import { HANDLED_FACTS, applyFact, startSaga } from "../../services/saga/reactions.ts";
import { at, invoice, linesOf, message, salesOrder, shipment } from "../helpers/fixtures.ts";
import { assertCatalogued, checkReaction } from "../helpers/saga-flow-run.ts";

const ORDER_ID = "SO-1001";
const FO = `FO-${ORDER_ID}-WH1`;
const DJ = `DJ-${ORDER_ID}-shp_1`;
const HOUR = 3_600_000;

/** Fixed policies: WH1 (acme-3pl) first, WH2 (edi-3pl) second, onfleet for the last mile. */
const POLICIES: FlowPolicies = {
	route: () => ({ warehouses: ["WH1", "WH2"], lastmile: "onfleet" }),
	wmsPartnerFor: (warehouse) => ({ WH1: "acme-3pl", WH2: "edi-3pl" } as Record<string, string>)[warehouse] ?? "unknown-wms",
	reattempt: () => ({ maxAttempts: 2, windowMs: 48 * HOUR }),
	shortage: () => ({ action: "backorder", reallocate: true }),
	sla: () => ({ dispatchDueAt: (releasedAt) => isoPlus(releasedAt, 4 * HOUR), atRiskLeadMs: HOUR, freshnessMs: 2 * HOUR, exceptionResolutionMs: 8 * HOUR }),
	warehouseException: () => ({ action: "hold", severity: "info" }),
	returns: () => ({ credit: "on-receipt" }),
};

function context(minute = 0): FlowContext {
	return { now: at(minute), policies: POLICIES };
}

/** Every fact of the run is a valid catalogued message, as it would be on the stream. */
function fact(type: MessageType, data: unknown, key: string, minute: number, partner?: string): Envelope {
	const envelope = message(type, data, { key, subject: ORDER_ID, time: at(minute), ...(partner ? { partner } : {}) });
	return assertValidMessage(envelope);
}

const released = (order: SalesOrder = salesOrder(ORDER_ID)) => fact(ERP_FACTS.ORDER_RELEASED, order, "erp:released", 0, "erp-sim");
const wmsRef = { orderId: ORDER_ID, fulfillmentOrderId: FO, warehouse: "WH1", partnerRef: "wo_1" };
const lastMileRef = { orderId: ORDER_ID, partnerRef: "task_1", deliveryJobId: DJ };
const POD = { recipientName: "Ann de Vries", signatureRef: "onfleet:upload:sig1" };

const F = {
	accepted: () => fact(WMS_FACTS.FULFILLMENT_ACCEPTED, wmsRef, "wms:accepted", 1, "acme-3pl"),
	allocated: () => fact(WMS_FACTS.ALLOCATED, { ...wmsRef, lines: linesOf(salesOrder(ORDER_ID)) }, "wms:allocated", 10, "acme-3pl"),
	picked: () => fact(WMS_FACTS.PICK_CONFIRMED, { ...wmsRef, lines: linesOf(salesOrder(ORDER_ID)) }, "wms:picked", 30, "acme-3pl"),
	packed: () => fact(WMS_FACTS.PACK_COMPLETED, wmsRef, "wms:packed", 50, "acme-3pl"),
	manifested: (lines?: LineQuantity[], shipmentId = "shp_1", key = "wms:manifested") =>
		fact(WMS_FACTS.SHIPMENT_MANIFESTED, shipment(salesOrder(ORDER_ID), lines, shipmentId), key, 90, "acme-3pl"),
	jobAccepted: () => fact(LASTMILE_FACTS.JOB_ACCEPTED, { ...lastMileRef, trackingUrl: "https://track.example/t1" }, "lm:accepted", 91, "onfleet"),
	dispatched: () => fact(LASTMILE_FACTS.DISPATCHED, { ...lastMileRef, driver: "w1" }, "lm:dispatched", 300, "onfleet"),
	outForDelivery: () => fact(LASTMILE_FACTS.OUT_FOR_DELIVERY, lastMileRef, "lm:out", 310, "onfleet"),
	eta: (minute = 320, eta = at(340)) => fact(LASTMILE_FACTS.ETA_UPDATED, { ...lastMileRef, eta }, `lm:eta:${minute}`, minute, "onfleet"),
	arrived: () => fact(LASTMILE_FACTS.ARRIVED, lastMileRef, "lm:arrived", 338, "onfleet"),
	delivered: () => fact(LASTMILE_FACTS.DELIVERED, { ...lastMileRef, proofOfDelivery: POD }, "lm:delivered", 340, "onfleet"),
	invoicePosted: () => fact(ERP_FACTS.INVOICE_POSTED, { ...invoice(salesOrder(ORDER_ID)), at: at(340), documentId: "INV-1" }, "erp:invoice", 400, "erp-sim"),
};

const HAPPY_PATH: (() => Envelope)[] = [
	F.accepted, F.allocated, F.picked, F.packed, () => F.manifested(), F.jobAccepted, F.dispatched, F.outForDelivery, () => F.eta(), F.arrived, F.delivered, F.invoicePosted,
];

interface Run {
	saga: OrderSaga;
	/** Commands per applied fact, in order (the release first); null where applyFact answered null. */
	steps: (CommandIntent[] | null)[];
	reactions: (Reaction | null)[];
}

/** Starts the order, then applies each fact to the latest saga, as the saga service does. */
function run(facts: Envelope[], order?: SalesOrder): Run {
	const start = startSaga(released(order), context(0));
	checkReaction(start, ORDER_ID);
	let saga = start.saga;
	const reactions: (Reaction | null)[] = [start];
	for (const [i, envelope] of facts.entries()) {
		const reaction = applyFact(saga, envelope, context(i + 1));
		if (reaction) {
			checkReaction(reaction, ORDER_ID);
			saga = reaction.saga;
		}
		reactions.push(reaction);
	}
	return { saga, steps: reactions.map((r) => r?.commands ?? null), reactions };
}

const typeAndStep = (c: CommandIntent) => [c.type, c.step];
const status = (to: string, n = 1) => [ERP_COMMANDS.UPDATE_ORDER_STATUS, `status-${to}-${n}`];

describe("order to delivery flow", () => {
	test("the happy path emits each command once, in order, with its step name", () => {
		const { steps } = run(HAPPY_PATH.map((f) => f()));
		assert.deepEqual(steps.map((commands) => commands?.map(typeAndStep)), [
			[[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO}`], status(S.RELEASED)],
			[],
			[status(S.ALLOCATED)],
			[status(S.PICKED)],
			[status(S.PACKED)],
			[[ERP_COMMANDS.CONFIRM_SHIPMENT, "shipment-confirmation:shp_1"], [LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, `delivery:${DJ}`], status(S.MANIFESTED)],
			[],
			[status(S.DISPATCHED)],
			[status(S.OUT_FOR_DELIVERY)],
			[],
			[],
			[[ERP_COMMANDS.POST_INVOICE, "invoice:1"], status(S.DELIVERED)],
			[status(S.INVOICED)],
		]);
	});

	test("every command of the happy path is a valid catalogued message, and there are thirteen of them", () => {
		const commands = run(HAPPY_PATH.map((f) => f())).steps.flatMap((c) => c ?? []);
		for (const command of commands) assertCatalogued(command.type, command.data, `${ORDER_ID}:${command.step}:1`, ORDER_ID);
		assert.equal(commands.length, 13);
		assert.equal(new Set(commands.map((c) => c.step)).size, 13, "every step name is used once");
	});

	test("the happy path raises no Waybill facts, cases or status regressions, and the release arms the order's clocks", () => {
		const { reactions } = run(HAPPY_PATH.map((f) => f()));
		assert.deepEqual(reactions.flatMap((r) => r?.facts ?? []), []);
		assert.deepEqual(reactions.flatMap((r) => r?.cases ?? []), []);
		assert.deepEqual(reactions[0]!.timers, [
			{ clock: "dispatch-at-risk", dueAt: at(180) },
			{ clock: "dispatch", dueAt: at(240) },
			{ clock: "freshness", dueAt: at(120) },
		]);
		assert.deepEqual(reactions.slice(1).flatMap((r) => r?.timers ?? []), []);
	});

	test("the status updates the ERP hears carry the order, the new status and the event time of the fact", () => {
		const { reactions } = run(HAPPY_PATH.map((f) => f()));
		const updates = reactions.flatMap((r) => r?.commands ?? []).filter((c) => c.type === ERP_COMMANDS.UPDATE_ORDER_STATUS);
		assert.deepEqual(updates.map((c) => c.data), [
			{ orderId: ORDER_ID, status: S.RELEASED, at: at(0) },
			{ orderId: ORDER_ID, status: S.ALLOCATED, at: at(10) },
			{ orderId: ORDER_ID, status: S.PICKED, at: at(30) },
			{ orderId: ORDER_ID, status: S.PACKED, at: at(50) },
			{ orderId: ORDER_ID, status: S.MANIFESTED, at: at(90) },
			{ orderId: ORDER_ID, status: S.DISPATCHED, at: at(300) },
			{ orderId: ORDER_ID, status: S.OUT_FOR_DELIVERY, at: at(310) },
			{ orderId: ORDER_ID, status: S.DELIVERED, at: at(340) },
			{ orderId: ORDER_ID, status: S.INVOICED, at: at(400) },
		]);
		assert.deepEqual(reactions.map((r) => r?.statusChange), [
			{ to: S.RELEASED },
			undefined,
			{ from: S.RELEASED, to: S.ALLOCATED },
			{ from: S.ALLOCATED, to: S.PICKED },
			{ from: S.PICKED, to: S.PACKED },
			{ from: S.PACKED, to: S.MANIFESTED },
			undefined,
			{ from: S.MANIFESTED, to: S.DISPATCHED },
			{ from: S.DISPATCHED, to: S.OUT_FOR_DELIVERY },
			undefined,
			undefined,
			{ from: S.OUT_FOR_DELIVERY, to: S.DELIVERED },
			{ from: S.DELIVERED, to: S.INVOICED },
		]);
	});

	test("the happy path ends invoiced, each step taken once in order, and a timeline entry per fact", () => {
		const { saga } = run(HAPPY_PATH.map((f) => f()));
		assert.equal(saga.status, S.INVOICED);
		assert.equal(saga.statusAt, at(400));
		assert.deepEqual(
			Object.entries(saga.steps).map(([key, r]) => [key, r.flow, r.step, r.seq, r.state]),
			[
				[`fulfillment:${FO}`, "order-to-delivery", "fulfillment", 1, "done"],
				["shipment-confirmation:shp_1", "order-to-delivery", "shipment-confirmation", 2, "done"],
				[`delivery:${DJ}`, "order-to-delivery", "delivery", 3, "done"],
				["invoice:1", "order-to-delivery", "invoice", 4, "done"],
			],
		);
		assert.deepEqual(saga.steps[`fulfillment:${FO}`]!.compensation?.type, WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER);
		assert.deepEqual(saga.steps[`delivery:${DJ}`]!.compensation?.type, LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB);
		assert.deepEqual(saga.timeline.map((e) => [e.type, e.status]), [
			[ERP_FACTS.ORDER_RELEASED, S.RELEASED],
			[WMS_FACTS.FULFILLMENT_ACCEPTED, undefined],
			[WMS_FACTS.ALLOCATED, S.ALLOCATED],
			[WMS_FACTS.PICK_CONFIRMED, S.PICKED],
			[WMS_FACTS.PACK_COMPLETED, S.PACKED],
			[WMS_FACTS.SHIPMENT_MANIFESTED, S.MANIFESTED],
			[LASTMILE_FACTS.JOB_ACCEPTED, undefined],
			[LASTMILE_FACTS.DISPATCHED, S.DISPATCHED],
			[LASTMILE_FACTS.OUT_FOR_DELIVERY, S.OUT_FOR_DELIVERY],
			[LASTMILE_FACTS.ETA_UPDATED, undefined],
			[LASTMILE_FACTS.ARRIVED, undefined],
			[LASTMILE_FACTS.DELIVERED, S.DELIVERED],
			[ERP_FACTS.INVOICE_POSTED, S.INVOICED],
		]);
		assert.deepEqual(saga.timeline.map((e) => e.at), [0, 1, 10, 30, 50, 90, 91, 300, 310, 320, 338, 340, 400].map(at));
		assert.deepEqual(saga.statusCounts, { released: 1, allocated: 1, picked: 1, packed: 1, manifested: 1, dispatched: 1, out_for_delivery: 1, delivered: 1, invoiced: 1 });
	});

	test("every order line reconciles: ordered, allocated, picked, shipped, delivered and invoiced agree", () => {
		const { saga } = run(HAPPY_PATH.map((f) => f()));
		assert.deepEqual(saga.lines, salesOrder(ORDER_ID).lines.map((l) => ({
			lineNo: l.lineNo, sku: l.sku, ordered: l.qty, allocated: l.qty, picked: l.qty, shipped: l.qty, delivered: l.qty, invoiced: l.qty, backordered: 0, cancelled: 0, returned: 0,
		})));
	});

	test("the saga keeps what the partners reported: the WMS reference, the delivery, the proof and the invoice", () => {
		const { saga } = run(HAPPY_PATH.map((f) => f()));
		assert.deepEqual(saga.fulfillments, {
			[FO]: { fulfillmentOrderId: FO, warehouse: "WH1", partner: "acme-3pl", partnerRef: "wo_1", lines: linesOf(salesOrder(ORDER_ID)), state: "shipped", allocated: true },
		});
		assert.deepEqual(saga.shipments.map((s) => s.shipmentId), ["shp_1"]);
		assert.deepEqual(saga.deliveries, {
			[DJ]: {
				deliveryJobId: DJ,
				shipmentId: "shp_1",
				partner: "onfleet",
				partnerRef: "task_1",
				trackingUrl: "https://track.example/t1",
				eta: at(340),
				attempt: 1,
				failures: [],
				state: "delivered",
				deliveredAt: at(340),
				proofOfDelivery: POD,
			},
		});
		assert.deepEqual(saga.invoice, { documentId: "INV-1", total: 139.97, currency: "EUR", postedAt: at(400) });
	});

	test("the fulfillment order and delivery job go to the routed warehouse and last-mile partner", () => {
		const all = run(HAPPY_PATH.map((f) => f())).steps.flatMap((c) => c ?? []);
		const fo = all.find((c) => c.type === WMS_COMMANDS.CREATE_FULFILLMENT_ORDER)!;
		const job = all.find((c) => c.type === LASTMILE_COMMANDS.CREATE_DELIVERY_JOB)!;
		const order = salesOrder(ORDER_ID);
		assert.equal(fo.partner, "acme-3pl");
		assert.deepEqual(fo.data, { fulfillmentOrderId: FO, orderId: ORDER_ID, warehouse: "WH1", partner: "acme-3pl", shipTo: order.shipTo, serviceLevel: "standard", lines: linesOf(order) });
		assert.equal(job.partner, "onfleet");
		assert.deepEqual(job.data, {
			deliveryJobId: DJ,
			orderId: ORDER_ID,
			shipmentId: "shp_1",
			partner: "onfleet",
			packages: 1,
			stops: [{ stopId: `${DJ}-1`, address: order.shipTo, window: order.requestedWindow, attempts: [] }],
		});
	});

	test("an order that names its warehouse goes there, to that warehouse's WMS", () => {
		const order = { ...salesOrder(ORDER_ID), warehouse: "WH2" };
		const [create] = run([], order).steps[0]!;
		assert.deepEqual([create!.type, create!.step, create!.partner], [WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:FO-${ORDER_ID}-WH2`, "edi-3pl"]);
	});

	test("every fact of the flow is one the saga handles, and the release is not: it only starts an order", () => {
		for (const make of HAPPY_PATH) assert.ok(HANDLED_FACTS.has(make().type), make().type);
		assert.equal(HANDLED_FACTS.has(ERP_FACTS.ORDER_RELEASED), false);
		assert.equal(applyFact(run([]).saga, released(), context(1)), null);
	});

	test("a duplicate fact, recognised by its envelope id, returns null, even with another event time", () => {
		const picked = F.picked();
		const { saga, steps } = run([F.allocated(), picked, picked, { ...F.picked(), time: at(45) }]);
		assert.deepEqual(steps.slice(1).map((c) => c?.map(typeAndStep) ?? null), [[status(S.ALLOCATED)], [status(S.PICKED)], null, null]);
		assert.equal(saga.timeline.length, 3);
		assert.equal(saga.lines[0]!.picked, 2, "the duplicate did not count twice");
	});

	test("a fact of a type no flow handles returns null", () => {
		const adjusted = fact(WMS_FACTS.INVENTORY_ADJUSTED, { sku: "SKU-A", warehouse: "WH1", delta: -2, at: at(5) }, "wms:adjusted", 5, "acme-3pl");
		assert.equal(applyFact(run([]).saga, adjusted, context(5)), null);
		const statusChanged = fact(WAYBILL_FACTS.ORDER_STATUS_CHANGED, { orderId: ORDER_ID, to: S.RELEASED, at: at(0), cause: ERP_FACTS.ORDER_RELEASED }, "waybill:status", 0);
		assert.equal(applyFact(run([]).saga, statusChanged, context(5)), null);
	});

	test("delivered before out-for-delivery delivers; the late out-for-delivery only adds a timeline note", () => {
		const upToDispatch = [F.accepted(), F.allocated(), F.picked(), F.packed(), F.manifested(), F.jobAccepted(), F.dispatched()];
		const { saga: dispatched } = run(upToDispatch);
		const delivered = applyFact(dispatched, F.delivered(), context(20))!;
		assert.equal(delivered.saga.status, S.DELIVERED);
		assert.deepEqual(delivered.statusChange, { from: S.DISPATCHED, to: S.DELIVERED });
		assert.deepEqual(delivered.commands.map(typeAndStep), [[ERP_COMMANDS.POST_INVOICE, "invoice:1"], status(S.DELIVERED)]);

		const late = applyFact(delivered.saga, F.outForDelivery(), context(21))!;
		assert.equal(late.saga.status, S.DELIVERED);
		assert.equal(late.saga.statusAt, at(340));
		assert.deepEqual(late.commands, []);
		assert.equal(late.statusChange, undefined);
		assert.equal(late.saga.timeline.length, delivered.saga.timeline.length + 1);
		const { recordedAt: _r, ...note } = late.saga.timeline.at(-1)!;
		assert.deepEqual(note, {
			at: at(310),
			type: LASTMILE_FACTS.OUT_FOR_DELIVERY,
			messageId: F.outForDelivery().id,
			partner: "onfleet",
			note: `late (event time before ${at(340)}): status stays delivered, not out_for_delivery`,
		});
		assert.equal(late.saga.deliveries[DJ]!.state, "delivered");

		const again = applyFact(late.saga, fact(LASTMILE_FACTS.DELIVERED, { ...lastMileRef, proofOfDelivery: POD }, "lm:delivered:resent", 342, "onfleet"), context(22))!;
		assert.deepEqual(again.commands, [], "a delivery reported again under a new id changes nothing");
		assert.equal(again.saga.deliveries[DJ]!.deliveredAt, at(340));
		assert.deepEqual(again.saga.lines.map((l) => l.delivered), [2, 3, 1]);
	});

	test("a fact with an earlier event time than the status cannot move the order back, even one step", () => {
		const { saga } = run([F.allocated(), F.picked(), F.packed(), fact(WMS_FACTS.PICK_CONFIRMED, { ...wmsRef, lines: linesOf(salesOrder(ORDER_ID)) }, "wms:picked:late", 20, "acme-3pl")]);
		assert.equal(saga.status, S.PACKED);
		assert.equal(saga.statusAt, at(50));
	});

	test("a late ETA after delivery does not overwrite the delivery's ETA", () => {
		const { saga, steps } = run([...HAPPY_PATH.slice(0, 9).map((f) => f()), F.delivered(), F.eta(345, at(360))]);
		assert.equal(saga.status, S.DELIVERED);
		assert.equal(saga.deliveries[DJ]?.eta, at(340));
		assert.deepEqual(steps.at(-1), []);
		assert.equal(saga.timeline.at(-1)!.note, `ETA ${at(360)} after delivery: ignored`);
	});

	test("applyFact never mutates the saga or the envelope it is given", () => {
		let saga = startSaga(released(), context(0)).saga;
		for (const [i, make] of HAPPY_PATH.entries()) {
			const envelope = make();
			const sagaBefore = structuredClone(saga);
			const envelopeBefore = structuredClone(envelope);
			const reaction = applyFact(saga, envelope, context(i + 1))!;
			assert.deepEqual(saga, sagaBefore, `saga mutated by ${envelope.type}`);
			assert.deepEqual(envelope, envelopeBefore, `envelope mutated by ${envelope.type}`);
			assert.notEqual(reaction.saga, saga);
			saga = reaction.saga;
		}
	});

	test("the invoice holds only the shipped quantities, at the ERP's prices", () => {
		// Ordered: 2 x SKU-A at 12.50, 3 x SKU-B at 4.99, 1 x SKU-C at 100. Shipped: 2, 1 and none.
		const shipped = [{ lineNo: 1, sku: "SKU-A", qty: 2 }, { lineNo: 2, sku: "SKU-B", qty: 1 }, { lineNo: 3, sku: "SKU-C", qty: 0 }];
		const { steps, saga } = run([F.allocated(), F.picked(), F.packed(), F.manifested(shipped), F.dispatched(), F.outForDelivery(), F.delivered()]);
		const posts = steps.flatMap((c) => c ?? []).filter((c) => c.type === ERP_COMMANDS.POST_INVOICE);
		assert.deepEqual(posts.map((c) => c.data), [{
			kind: "invoice",
			orderId: ORDER_ID,
			currency: "EUR",
			lines: [{ lineNo: 1, sku: "SKU-A", qty: 2, unitPrice: 12.5 }, { lineNo: 2, sku: "SKU-B", qty: 1, unitPrice: 4.99 }],
			total: 29.99,
			at: at(340),
		}]);
		assert.deepEqual(saga.lines.map((l) => [l.shipped, l.delivered]), [[2, 2], [1, 1], [0, 0]]);
	});

	test("the same shipment manifested again under a new id confirms no second shipment and creates no second delivery job", () => {
		const { steps, saga } = run([F.allocated(), F.picked(), F.packed(), F.manifested(), F.jobAccepted(), F.manifested(undefined, "shp_1", "wms:manifested:2")]);
		const all = steps.flatMap((c) => c ?? []);
		assert.deepEqual(all.filter((c) => c.type === LASTMILE_COMMANDS.CREATE_DELIVERY_JOB).map((c) => (c.data as { shipmentId: string }).shipmentId), ["shp_1"]);
		assert.equal(all.filter((c) => c.type === ERP_COMMANDS.CONFIRM_SHIPMENT).length, 1);
		assert.deepEqual(steps.at(-1), []);
		assert.equal(saga.status, S.MANIFESTED);
		assert.deepEqual(saga.lines.map((l) => l.shipped), [2, 3, 1], "the repeat is not counted as shipped twice");
	});

	test("the same shipment manifested again keeps the delivery job that was created and accepted", () => {
		const { saga } = run([F.allocated(), F.picked(), F.packed(), F.manifested(), F.jobAccepted(), F.manifested(undefined, "shp_1", "wms:manifested:2")]);
		assert.deepEqual(saga.deliveries, {
			[DJ]: { deliveryJobId: DJ, shipmentId: "shp_1", partner: "onfleet", partnerRef: "task_1", trackingUrl: "https://track.example/t1", attempt: 1, failures: [], state: "accepted" },
		});
	});
});
