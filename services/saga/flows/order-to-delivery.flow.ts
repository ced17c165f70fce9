import {
	ERP_COMMANDS, ERP_FACTS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS, WAYBILL_FACTS, WMS_COMMANDS, WMS_FACTS,
	type DeliveryJob, type Envelope, type FulfillmentOrder, type LineQuantity, type OrderStatus, type ProofOfDelivery, type SalesOrder,
	type SettlementEvent, type Shipment,
} from "../../../canonical/index.ts";
import { add, linesOf, shippedLines } from "../line-reconciliation.ts";
import type { CommandIntent, DeliveryState, FulfillmentState, OrderSaga } from "../order-saga.ts";
import { instancesOf, nextCompensation, stepDone, stepKey, takeStep, undoStep } from "../saga-definition.ts";
import { FAILED_DELIVERY, ORDER_TO_DELIVERY } from "./definitions.ts";
import { armOrderClocks, noteDue } from "./sla.flow.ts";
import { merge, resolveCase, type FlowContext, type Handler, type Outcome } from "./flow-kit.ts";

type DeliveryFact = { partnerRef?: string; deliveryJobId?: string; trackingUrl?: string; eta?: string; rma?: string; proofOfDelivery?: ProofOfDelivery };

/**
 * Flow 1 of PRODUCT.md, order to delivery: for each fact, the status it proves and the commands
 * it calls for. Split-aware: an order may have several fulfillment orders (warehouses) and
 * several shipments, each with its own delivery job; it is delivered when all of them are.
 */
export const ORDER_TO_DELIVERY_REACTIONS: Record<string, Handler> = {
	[WMS_FACTS.FULFILLMENT_ACCEPTED]: (saga, env, ctx) => {
		const data = env.data as { fulfillmentOrderId?: string; partnerRef?: string };
		const fo = fulfillmentOf(saga, data.fulfillmentOrderId);
		if (!fo) return { note: `unknown fulfillment order ${data.fulfillmentOrderId ?? "?"}` };
		fo.partnerRef = data.partnerRef ?? fo.partnerRef;
		if (fo.state === "requested") fo.state = "accepted";
		stepDone(saga, stepKey("fulfillment", fo.fulfillmentOrderId), env.time, cancelFulfillment(saga, fo));
		// A re-allocation decided before the WMS had accepted this one can run now.
		const reallocation = fo.reallocateTo ? undoStep(saga, stepKey("fulfillment", fo.fulfillmentOrderId), ctx.now) : [];
		return { commands: [...reallocation, ...nextCompensation(saga, ctx.now)], note: `WMS accepted ${fo.fulfillmentOrderId} as ${data.partnerRef ?? "?"}` };
	},
	[WMS_FACTS.ALLOCATED]: (saga, env) => {
		const data = env.data as { fulfillmentOrderId?: string; lines?: (LineQuantity & { qtyAllocated?: number })[] };
		const fo = fulfillmentOf(saga, data.fulfillmentOrderId);
		if (fo) fo.allocated = true;
		add(saga, "allocated", (data.lines ?? []).map((l) => ({ ...l, qty: l.qtyAllocated ?? l.qty })));
		return { status: ORDER_STATUS.ALLOCATED };
	},
	[WMS_FACTS.PACK_COMPLETED]: () => ({ status: ORDER_STATUS.PACKED }),
	[WMS_FACTS.SHIPMENT_MANIFESTED]: (saga, env, ctx) => {
		const shipment = env.data as Shipment;
		if (saga.shipments.some((s) => s.shipmentId === shipment.shipmentId)) return { note: `shipment ${shipment.shipmentId} already known` };
		saga.shipments.push(shipment);
		add(saga, "shipped", shipment.lines);
		const fo = shippingFulfillment(saga, shipment, env.partner);
		if (fo && fo.state !== "cancelled") {
			// A partner that acknowledges asynchronously (X12: a 997, no answer fact) is proven to have the order by its shipment.
			stepDone(saga, stepKey("fulfillment", fo.fulfillmentOrderId), env.time, cancelFulfillment(saga, fo));
			fo.state = "shipped";
		}
		const cleared = resolveCase(saga, "warehouse-exception", `the warehouse shipped ${shipment.shipmentId}`, env.time);
		const commands = takeStep(saga, ORDER_TO_DELIVERY, "shipment-confirmation", shipment.shipmentId, { type: ERP_COMMANDS.CONFIRM_SHIPMENT, data: shipment }, env.time, { answered: false });
		if (saga.compensation) return { status: ORDER_STATUS.MANIFESTED, commands, note: `shipped after the order was cancelled: ${shipment.shipmentId} cannot be un-shipped` };
		const job = deliveryJobFor(saga, shipment, ctx);
		saga.deliveries[job.deliveryJobId] = { deliveryJobId: job.deliveryJobId, shipmentId: shipment.shipmentId, partner: job.partner, attempt: 1, failures: [], state: "requested" };
		commands.push(...takeStep(saga, ORDER_TO_DELIVERY, "delivery", job.deliveryJobId, { type: LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, data: job, partner: job.partner }, env.time));
		const split = saga.shipments.length > 1 ? `shipment ${saga.shipments.length} of a split order` : undefined;
		return merge(cleared, { status: ORDER_STATUS.MANIFESTED, commands, ...(split ? { note: split } : {}) });
	},
	[LASTMILE_FACTS.JOB_ACCEPTED]: (saga, env, ctx) => {
		const data = env.data as DeliveryFact & { partnerRef: string };
		const delivery = deliveryOf(saga, data);
		if (!delivery) return { note: `unknown delivery job ${data.deliveryJobId ?? data.partnerRef}` };
		if (delivery.partnerRef === data.partnerRef && delivery.state !== "requested") return { note: `job ${delivery.deliveryJobId} already accepted as ${data.partnerRef}` };
		const reattempt = delivery.state === "failed";
		delivery.partnerRef = data.partnerRef;
		delivery.trackingUrl = data.trackingUrl ?? delivery.trackingUrl;
		if (delivery.state === "requested" || reattempt) delivery.state = "accepted";
		// The undo names the task of the current attempt: set on the first acceptance, renewed on each re-attempt.
		const key = stepKey("delivery", delivery.deliveryJobId);
		stepDone(saga, key, env.time);
		const record = saga.steps[key];
		if (record?.state === "done") record.compensation = cancelDelivery(saga, delivery);
		if (reattempt) stepDone(saga, stepKey("reattempt", `${delivery.deliveryJobId}:${delivery.attempt}`), env.time);
		const note = `last-mile accepted ${delivery.deliveryJobId} (attempt ${delivery.attempt}) as ${data.partnerRef}`;
		return { commands: nextCompensation(saga, ctx.now), note, ...(reattempt ? { status: ORDER_STATUS.REATTEMPT, detail: `re-attempt ${delivery.attempt} scheduled` } : {}) };
	},
	[LASTMILE_FACTS.DISPATCHED]: (saga, env) => onRoute(saga, env, ORDER_STATUS.DISPATCHED),
	[LASTMILE_FACTS.OUT_FOR_DELIVERY]: (saga, env) => onRoute(saga, env, ORDER_STATUS.OUT_FOR_DELIVERY),
	[LASTMILE_FACTS.ETA_UPDATED]: (saga, env) => {
		const data = env.data as DeliveryFact;
		const delivery = currentDelivery(saga, data, env.partner);
		if (!delivery || !data.eta) return { note: "ETA for no current delivery" };
		if (delivery.state === "delivered") return { note: `ETA ${data.eta} after delivery: ignored` };
		delivery.eta = data.eta;
		return merge({ note: `ETA ${data.eta}` }, predictWindowMiss(saga, env, data.eta));
	},
	[LASTMILE_FACTS.ARRIVED]: () => ({ note: "driver arrived at the stop" }),
	[LASTMILE_FACTS.DELIVERED]: (saga, env) => {
		const data = env.data as DeliveryFact;
		const delivery = currentDelivery(saga, data, env.partner) ?? deliveryOf(saga, data);
		if (!delivery) return { note: "delivery of an unknown job" };
		if (delivery.state === "delivered") return { note: "already delivered" };
		delivery.state = "delivered";
		delivery.deliveredAt = env.time;
		delivery.proofOfDelivery = data.proofOfDelivery;
		add(saga, "delivered", saga.shipments.find((s) => s.shipmentId === delivery.shipmentId)?.lines ?? []);
		const resolved = resolveCase(saga, "delivery-failed", `delivered on attempt ${delivery.attempt}`, env.time);
		if (!allDelivered(saga)) return merge(resolved, { note: `${delivery.deliveryJobId} delivered; waiting for the order's other shipments` });
		return merge(resolved, { status: ORDER_STATUS.DELIVERED, commands: invoiceCommands(saga, env.time) });
	},
	[ERP_FACTS.INVOICE_POSTED]: (saga, env) => {
		const invoice = env.data as SettlementEvent;
		if (saga.invoice) return { note: "invoice already recorded" };
		saga.invoice = { documentId: invoice.documentId, total: invoice.total, currency: invoice.currency, postedAt: env.time };
		stepDone(saga, stepKey("invoice", "1"), env.time);
		add(saga, "invoiced", invoice.lines);
		const closed = merge(
			resolveCase(saga, "short-pick", "reconciled: what shipped was invoiced, the rest was backordered or cancelled", env.time),
			resolveCase(saga, "allocation-short", "reconciled across warehouses", env.time),
		);
		return merge(closed, { status: ORDER_STATUS.INVOICED });
	},
};

/** The first fact of an order: the ERP released it. Routes it and sends the fulfillment order. */
export function startOrder(envelope: Envelope, ctx: FlowContext): { saga: OrderSaga; outcome: Outcome } {
	const order = envelope.data as SalesOrder;
	const saga: OrderSaga = {
		orderId: order.orderId,
		status: ORDER_STATUS.RELEASED,
		statusAt: envelope.time,
		statusCounts: { [ORDER_STATUS.RELEASED]: 1 },
		order,
		fulfillments: {},
		shipments: [],
		deliveries: {},
		lines: linesOf(order),
		returns: {},
		credits: [],
		changes: {},
		steps: {},
		cases: [],
		sla: { atRisk: [], breached: [] },
		...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
		processed: [envelope.id],
		timeline: [{ at: envelope.time, recordedAt: ctx.now, type: envelope.type, messageId: envelope.id, partner: envelope.partner, status: ORDER_STATUS.RELEASED }],
		createdAt: ctx.now,
		updatedAt: ctx.now,
	};
	const warehouse = order.warehouse ?? ctx.policies.route(order).warehouses[0]!;
	const commands = requestFulfillment(saga, warehouse, order.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qty })), envelope.time, ctx);
	return { saga, outcome: merge({ commands }, armOrderClocks(saga, envelope, ctx)) };
}

/** Sends one warehouse a fulfillment order for these lines: the first one, a split or a re-allocation. */
export function requestFulfillment(saga: OrderSaga, warehouse: string, lines: LineQuantity[], at: string, ctx: FlowContext): CommandIntent[] {
	const n = Object.values(saga.fulfillments).filter((f) => f.warehouse === warehouse).length;
	const fulfillmentOrderId = `FO-${saga.orderId}-${warehouse}${n === 0 ? "" : `-${n + 1}`}`;
	const partner = ctx.policies.wmsPartnerFor(warehouse);
	const fo: FulfillmentOrder = { fulfillmentOrderId, orderId: saga.orderId, warehouse, partner, shipTo: saga.order.shipTo, serviceLevel: saga.order.serviceLevel, lines };
	saga.fulfillments[fulfillmentOrderId] = { fulfillmentOrderId, warehouse, partner, lines, state: "requested" };
	return takeStep(saga, ORDER_TO_DELIVERY, "fulfillment", fulfillmentOrderId, { type: WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, data: fo, partner }, at);
}

/** Invoice what shipped, once every shipment is delivered; lifting a hold a failed attempt put on invoicing first. */
export function invoiceCommands(saga: OrderSaga, at: string): CommandIntent[] {
	const commands: CommandIntent[] = [];
	if (saga.invoicingPaused) {
		saga.invoicingPaused = false;
		const n = String(instancesOf(saga, "invoicing-resumed") + 1);
		commands.push(...takeStep(saga, FAILED_DELIVERY, "invoicing-resumed", n, { type: ERP_COMMANDS.RESUME_INVOICING, data: { orderId: saga.orderId, reason: "delivered after all" } }, at, { answered: false }));
	}
	const invoice = invoiceFor(saga, at);
	if (invoice.lines.length > 0) {
		commands.push(...takeStep(saga, ORDER_TO_DELIVERY, "invoice", "1", { type: ERP_COMMANDS.POST_INVOICE, data: invoice }, at));
	}
	return commands;
}

export function fulfillmentOf(saga: OrderSaga, fulfillmentOrderId?: string): FulfillmentState | undefined {
	if (fulfillmentOrderId && saga.fulfillments[fulfillmentOrderId]) return saga.fulfillments[fulfillmentOrderId];
	const all = Object.values(saga.fulfillments);
	return fulfillmentOrderId ? undefined : all[0];
}

/** The fulfillment order a shipment belongs to: by its id, else the one open at its warehouse, else at its partner. */
function shippingFulfillment(saga: OrderSaga, shipment: Shipment, partner?: string): FulfillmentState | undefined {
	const open = Object.values(saga.fulfillments).filter((f) => f.state !== "cancelled");
	return (shipment.fulfillmentOrderId ? saga.fulfillments[shipment.fulfillmentOrderId] : undefined)
		?? open.find((f) => shipment.warehouse !== undefined && f.warehouse === shipment.warehouse)
		?? open.find((f) => partner !== undefined && f.partner === partner && f.state !== "shipped")
		?? open.find((f) => partner !== undefined && f.partner === partner);
}

/** The delivery job a last-mile fact is about: by job id, else by the task id of its current attempt. */
export function deliveryOf(saga: OrderSaga, data: { deliveryJobId?: string; partnerRef?: string }): DeliveryState | undefined {
	if (data.deliveryJobId && saga.deliveries[data.deliveryJobId]) return saga.deliveries[data.deliveryJobId];
	return Object.values(saga.deliveries).find((d) => d.partnerRef !== undefined && d.partnerRef === data.partnerRef);
}

/**
 * Like deliveryOf, but only when the fact is about the job's current attempt (not a superseded
 * task). A carrier that tracks the parcel (EasyPost) names its own tracker, not our job: its
 * facts are about the order's delivery still under way.
 */
export function currentDelivery(saga: OrderSaga, data: DeliveryFact, partner?: string): DeliveryState | undefined {
	if (data.rma) return undefined;
	const delivery = deliveryOf(saga, data);
	if (delivery) return !data.partnerRef || !delivery.partnerRef || delivery.partnerRef === data.partnerRef ? delivery : undefined;
	const all = Object.values(saga.deliveries);
	if (!partner || all.some((d) => d.partner === partner)) return undefined;
	return all.find((d) => d.state !== "delivered" && d.state !== "cancelled" && d.state !== "returning") ?? all[0];
}

export function cancelFulfillment(saga: OrderSaga, fo: FulfillmentState): CommandIntent {
	return {
		type: WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER,
		step: `undo:${stepKey("fulfillment", fo.fulfillmentOrderId)}`,
		partner: fo.partner,
		data: { orderId: saga.orderId, fulfillmentOrderId: fo.fulfillmentOrderId, warehouse: fo.warehouse, ...(fo.partnerRef ? { partnerRef: fo.partnerRef } : {}), reason: "withdrawn by Waybill" },
	};
}

export function cancelDelivery(saga: OrderSaga, delivery: DeliveryState): CommandIntent {
	return {
		type: LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB,
		step: `undo:${stepKey("delivery", delivery.deliveryJobId)}`,
		partner: delivery.partner,
		data: { orderId: saga.orderId, deliveryJobId: delivery.deliveryJobId, ...(delivery.partnerRef ? { partnerRef: delivery.partnerRef } : {}), reason: "withdrawn by Waybill" },
	};
}

/** Every shipment that is going to the customer is delivered, and no warehouse still owes one. */
function allDelivered(saga: OrderSaga): boolean {
	const outstanding = Object.values(saga.fulfillments).some((f) => f.state === "requested" || f.state === "accepted" || f.state === "held");
	const active = Object.values(saga.deliveries).filter((d) => d.state !== "cancelled" && d.state !== "returning");
	return !outstanding && active.length > 0 && active.every((d) => d.state === "delivered");
}

function onRoute(saga: OrderSaga, env: Envelope, status: OrderStatus): Outcome {
	const data = env.data as DeliveryFact;
	if (data.rma) return { note: `return pickup for ${data.rma} on its way` };
	const delivery = currentDelivery(saga, data, env.partner);
	if (!delivery) return { note: "route event of a superseded or unknown task" };
	if (delivery.state === "accepted" || delivery.state === "requested" || delivery.state === "failed") delivery.state = "on-route";
	return { status };
}

/** A live ETA past the customer's window predicts the miss before it happens. */
function predictWindowMiss(saga: OrderSaga, env: Envelope, eta: string): Outcome {
	const to = saga.order.requestedWindow?.to;
	if (!to || Date.parse(eta) <= Date.parse(to) || saga.sla.atRisk.includes("delivery-window")) return {};
	saga.sla.atRisk.push("delivery-window");
	noteDue(saga, "delivery-window", to);
	return { facts: [{ type: WAYBILL_FACTS.SLA_AT_RISK, key: "sla-at-risk:delivery-window", data: { orderId: saga.orderId, sla: "delivery-window", dueAt: to, at: env.time } }] };
}

function deliveryJobFor(saga: OrderSaga, shipment: Shipment, ctx: FlowContext): DeliveryJob {
	const deliveryJobId = `DJ-${saga.orderId}-${shipment.shipmentId}`;
	return {
		deliveryJobId,
		orderId: saga.orderId,
		shipmentId: shipment.shipmentId,
		partner: ctx.policies.route(saga.order).lastmile,
		packages: Math.max(1, shipment.packages.length),
		stops: [{ stopId: `${deliveryJobId}-1`, address: saga.order.shipTo, window: saga.order.requestedWindow, attempts: [] }],
	};
}

/** Only what shipped is invoiced, at the ERP's own prices. */
function invoiceFor(saga: OrderSaga, at: string): SettlementEvent {
	const shipped = new Map(shippedLines(saga).map((l) => [l.lineNo, l.qty]));
	const lines = saga.order.lines
		.filter((l) => (shipped.get(l.lineNo) ?? 0) > 0)
		.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: shipped.get(l.lineNo) ?? 0, unitPrice: l.unitPrice }));
	const total = Math.round(lines.reduce((sum, l) => sum + l.qty * l.unitPrice, 0) * 100) / 100;
	return { kind: "invoice", orderId: saga.orderId, currency: saga.order.currency, lines, total, at };
}

