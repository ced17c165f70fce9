import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
	ERP_COMMANDS, ERP_FACTS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS as S, WMS_COMMANDS, WMS_FACTS,
	assertValidMessage, catalogueEntry, createEnvelope,
	type Envelope, type LineQuantity, type MessageType, type SalesOrder,
} from "../../canonical/index.ts";
import { HANDLED_FACTS, applyFact, startOrder, type FlowContext } from "../../services/saga/flows/order-to-delivery.flow.ts";
import type { CommandIntent, OrderSaga } from "../../services/saga/order-saga.ts";
import { at, invoice, linesOf, message, salesOrder, shipment } from "../helpers/fixtures.ts";

const ORDER_ID = "SO-1001";

function context(minute = 0): FlowContext {
	return {
		now: at(minute),
		warehouseFor: () => ({ warehouse: "WH1", partner: "acme-3pl" }),
		lastMilePartner: () => "onfleet",
	};
}

/** Every fact of the run is a valid catalogued message, as it would be on the stream. */
function fact(type: MessageType, data: unknown, key: string, minute: number, partner?: string): Envelope {
	const envelope = message(type, data, { key, subject: ORDER_ID, time: at(minute), ...(partner ? { partner } : {}) });
	return assertValidMessage(envelope);
}

const released = (order: SalesOrder = salesOrder(ORDER_ID)) => fact(ERP_FACTS.ORDER_RELEASED, order, "erp:released", 0, "erp-sim");
const wmsRef = { orderId: ORDER_ID, fulfillmentOrderId: `FO-${ORDER_ID}-WH1`, warehouse: "WH1", partnerRef: "wo_1" };
const lastMileRef = { orderId: ORDER_ID, partnerRef: "task_1", deliveryJobId: `DJ-${ORDER_ID}-shp_1` };

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
	delivered: () => fact(LASTMILE_FACTS.DELIVERED, { ...lastMileRef, proofOfDelivery: { recipientName: "Ann de Vries", signatureRef: "onfleet:upload:sig1" } }, "lm:delivered", 340, "onfleet"),
	invoicePosted: () => fact(ERP_FACTS.INVOICE_POSTED, { ...invoice(salesOrder(ORDER_ID)), at: at(340), documentId: "INV-1" }, "erp:invoice", 400, "erp-sim"),
};

const HAPPY_PATH: (() => Envelope)[] = [
	F.accepted, F.allocated, F.picked, F.packed, () => F.manifested(), F.jobAccepted, F.dispatched, F.outForDelivery, () => F.eta(), F.arrived, F.delivered, F.invoicePosted,
];

interface Run {
	saga: OrderSaga;
	/** Commands per applied fact, in order; null where applyFact answered null. */
	steps: (CommandIntent[] | null)[];
}

/** Starts the order, then applies each fact to the latest saga, as the saga service does. */
function run(facts: Envelope[], order?: SalesOrder): Run {
	const start = startOrder(released(order), context(0));
	let saga = start.saga;
	const steps: (CommandIntent[] | null)[] = [start.commands];
	for (const [i, envelope] of facts.entries()) {
		const reaction = applyFact(saga, envelope, context(i + 1));
		steps.push(reaction ? reaction.commands : null);
		if (reaction) saga = reaction.saga;
	}
	return { saga, steps };
}

const typeAndStep = (c: CommandIntent) => [c.type, c.step];
const status = (to: string) => [ERP_COMMANDS.UPDATE_ORDER_STATUS, `status-${to}`];

describe("order to delivery flow", () => {
	test("the happy path emits each command once, in order, with its step name", () => {
		const { steps } = run(HAPPY_PATH.map((f) => f()));
		assert.deepEqual(steps.map((commands) => commands?.map(typeAndStep)), [
			[[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, "fulfillment-requested"], status(S.RELEASED)],
			[],
			[status(S.ALLOCATED)],
			[status(S.PICKED)],
			[status(S.PACKED)],
			[[ERP_COMMANDS.CONFIRM_SHIPMENT, "shipment-confirmed"], [LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, "delivery-requested"], status(S.MANIFESTED)],
			[],
			[status(S.DISPATCHED)],
			[status(S.OUT_FOR_DELIVERY)],
			[],
			[],
			[[ERP_COMMANDS.POST_INVOICE, "invoice-requested"], status(S.DELIVERED)],
			[status(S.INVOICED)],
		]);
	});

	test("every command of the happy path is a valid catalogued message", () => {
		const commands = run(HAPPY_PATH.map((f) => f())).steps.flatMap((c) => c ?? []);
		for (const command of commands) {
			const envelope = createEnvelope({ type: command.type, source: "waybill/saga", subject: ORDER_ID, data: command.data, schemaVersion: catalogueEntry(command.type)!.version, idempotencyKey: `${ORDER_ID}:${command.step}` });
			assert.doesNotThrow(() => assertValidMessage(envelope), command.type);
		}
		assert.equal(commands.length, 13);
	});

	test("the status updates the ERP hears carry the order, the new status and the event time of the fact", () => {
		const updates = run(HAPPY_PATH.map((f) => f())).steps.flatMap((c) => c ?? []).filter((c) => c.type === ERP_COMMANDS.UPDATE_ORDER_STATUS);
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
	});

	test("the happy path ends invoiced, with every step done and a timeline entry per fact", () => {
		const { saga } = run(HAPPY_PATH.map((f) => f()));
		assert.equal(saga.status, S.INVOICED);
		assert.equal(saga.statusAt, at(400));
		assert.deepEqual(saga.steps, {
			"fulfillment-requested": "fulfillment-requested",
			"shipment-confirmed": "shipment-confirmed",
			"delivery-requested": "delivery-requested",
			"invoice-requested": "invoice-requested",
		});
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
	});

	test("the saga keeps what the partners reported: the WMS reference, the delivery, the proof and the invoice", () => {
		const { saga } = run(HAPPY_PATH.map((f) => f()));
		assert.deepEqual(saga.fulfillment, { fulfillmentOrderId: `FO-${ORDER_ID}-WH1`, warehouse: "WH1", partner: "acme-3pl", partnerRef: "wo_1" });
		assert.deepEqual(saga.delivery, {
			deliveryJobId: `DJ-${ORDER_ID}-shp_1`,
			partnerRef: "task_1",
			trackingUrl: "https://track.example/t1",
			eta: at(340),
			deliveredAt: at(340),
			proofOfDelivery: { recipientName: "Ann de Vries", signatureRef: "onfleet:upload:sig1" },
		});
		assert.deepEqual(saga.invoice, { documentId: "INV-1", total: 139.97, currency: "EUR", postedAt: at(400) });
	});

	test("the fulfillment order and delivery job go to the routed warehouse and last-mile partner", () => {
		const { steps } = run(HAPPY_PATH.map((f) => f()));
		const all = steps.flatMap((c) => c ?? []);
		const fo = all.find((c) => c.type === WMS_COMMANDS.CREATE_FULFILLMENT_ORDER)!.data;
		const job = all.find((c) => c.type === LASTMILE_COMMANDS.CREATE_DELIVERY_JOB)!.data;
		const order = salesOrder(ORDER_ID);
		assert.deepEqual(fo, { fulfillmentOrderId: `FO-${ORDER_ID}-WH1`, orderId: ORDER_ID, warehouse: "WH1", partner: "acme-3pl", shipTo: order.shipTo, serviceLevel: "standard", lines: linesOf(order) });
		assert.deepEqual(job, {
			deliveryJobId: `DJ-${ORDER_ID}-shp_1`,
			orderId: ORDER_ID,
			shipmentId: "shp_1",
			partner: "onfleet",
			packages: 1,
			stops: [{ stopId: `DJ-${ORDER_ID}-shp_1-1`, address: order.shipTo, window: order.requestedWindow, attempts: [] }],
		});
	});

	test("every fact of the flow is one this module declares it handles, and the release is not", () => {
		assert.deepEqual([...HANDLED_FACTS].sort(), [...new Set(HAPPY_PATH.map((f) => f().type))].sort());
		assert.equal(applyFact(run([]).saga, released(), context(1)), null);
	});

	test("a duplicate fact, recognised by its envelope id, returns null", () => {
		const picked = F.picked();
		const { saga, steps } = run([F.allocated(), picked, picked, { ...F.picked(), time: at(45) }]);
		assert.deepEqual(steps.slice(1).map((c) => c?.map(typeAndStep) ?? null), [[status(S.ALLOCATED)], [status(S.PICKED)], null, null]);
		assert.equal(saga.timeline.length, 3);
	});

	test("a fact of a type the flow does not handle returns null", () => {
		const cancelled = fact(ERP_FACTS.ORDER_CANCELLED, { orderId: ORDER_ID, reason: "customer" }, "erp:cancelled", 5);
		assert.equal(applyFact(run([]).saga, cancelled, context(5)), null);
	});

	test("delivered before out-for-delivery delivers; the late out-for-delivery only adds a timeline note", () => {
		const upToDispatch = [F.accepted(), F.allocated(), F.picked(), F.packed(), F.manifested(), F.jobAccepted(), F.dispatched()];
		const { saga: dispatched } = run(upToDispatch);
		const delivered = applyFact(dispatched, F.delivered(), context(20))!;
		assert.equal(delivered.saga.status, S.DELIVERED);
		assert.deepEqual(delivered.statusChange, { from: S.DISPATCHED, to: S.DELIVERED });
		assert.deepEqual(delivered.commands.map(typeAndStep), [[ERP_COMMANDS.POST_INVOICE, "invoice-requested"], status(S.DELIVERED)]);

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
			note: "late or duplicate: status stays delivered, not out_for_delivery",
		});
	});

	test("a late ETA after delivery does not overwrite the delivery's ETA", () => {
		const { saga } = run([...HAPPY_PATH.slice(0, 9).map((f) => f()), F.delivered(), F.eta(345, at(360))]);
		assert.equal(saga.status, S.DELIVERED);
		assert.equal(saga.delivery?.eta, at(340));
	});

	test("applyFact never mutates the saga or the envelope it is given", () => {
		let saga = startOrder(released(), context(0)).saga;
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
		const { steps } = run([F.allocated(), F.picked(), F.packed(), F.manifested(shipped), F.dispatched(), F.outForDelivery(), F.delivered()]);
		const posts = steps.flatMap((c) => c ?? []).filter((c) => c.type === ERP_COMMANDS.POST_INVOICE);
		assert.deepEqual(posts.map((c) => c.data), [{
			kind: "invoice",
			orderId: ORDER_ID,
			currency: "EUR",
			lines: [{ lineNo: 1, sku: "SKU-A", qty: 2, unitPrice: 12.5 }, { lineNo: 2, sku: "SKU-B", qty: 1, unitPrice: 4.99 }],
			total: 29.99,
			at: at(340),
		}]);
	});

	test("a second manifested fact confirms no second shipment and creates no second delivery job", () => {
		const { steps, saga } = run([F.allocated(), F.picked(), F.packed(), F.manifested(), F.jobAccepted(), F.manifested(undefined, "shp_2", "wms:manifested:2")]);
		const all = steps.flatMap((c) => c ?? []);
		assert.deepEqual(all.filter((c) => c.type === LASTMILE_COMMANDS.CREATE_DELIVERY_JOB).map((c) => (c.data as { shipmentId: string }).shipmentId), ["shp_1"]);
		assert.equal(all.filter((c) => c.type === ERP_COMMANDS.CONFIRM_SHIPMENT).length, 1);
		assert.deepEqual(steps.at(-1), []);
		assert.equal(saga.status, S.MANIFESTED);
	});

	test(
		"a second manifested fact keeps the delivery job that was created and accepted",
		() => {
			const { saga } = run([F.allocated(), F.picked(), F.packed(), F.manifested(), F.jobAccepted(), F.manifested(undefined, "shp_2", "wms:manifested:2")]);
			assert.deepEqual(saga.delivery, { deliveryJobId: `DJ-${ORDER_ID}-shp_1`, partnerRef: "task_1", trackingUrl: "https://track.example/t1" });
		},
	);
});
