import {
	ERP_COMMANDS, ERP_FACTS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS, WMS_COMMANDS, WMS_FACTS, canAdvance,
	type DeliveryJob, type Envelope, type FulfillmentOrder, type OrderStatus, type SalesOrder, type SettlementEvent, type Shipment,
} from "../../../canonical/index.ts";
import type { CommandIntent, OrderSaga, Reaction, StepName } from "../order-saga.ts";
import { PROCESSED_MEMORY } from "../order-saga.ts";

/** Routing and identity decisions the flow needs from outside (the partner registry). */
export interface FlowContext {
	now: string;
	warehouseFor(order: SalesOrder): { warehouse: string; partner: string };
	lastMilePartner(): string;
}

type Handler = (saga: OrderSaga, envelope: Envelope, ctx: FlowContext) => { status?: OrderStatus; commands?: CommandIntent[]; note?: string };

/**
 * Flow 1 of PRODUCT.md, order to delivery, as data: for each fact, the status it proves and the
 * commands it calls for. A step runs once (see `once`); the status only ever moves forward.
 */
const REACTIONS: Record<string, Handler> = {
	[WMS_FACTS.FULFILLMENT_ACCEPTED]: (saga, env) => {
		const data = env.data as { partnerRef?: string };
		if (saga.fulfillment) saga.fulfillment.partnerRef = data.partnerRef;
		return { note: `WMS accepted the fulfillment order as ${data.partnerRef ?? "?"}` };
	},
	[WMS_FACTS.ALLOCATED]: () => ({ status: ORDER_STATUS.ALLOCATED }),
	[WMS_FACTS.PICK_CONFIRMED]: () => ({ status: ORDER_STATUS.PICKED }),
	[WMS_FACTS.PACK_COMPLETED]: () => ({ status: ORDER_STATUS.PACKED }),
	[WMS_FACTS.SHIPMENT_MANIFESTED]: (saga, env, ctx) => {
		const shipment = env.data as Shipment;
		saga.shipment = shipment;
		const commands = [
			...once(saga, "shipment-confirmed", { type: ERP_COMMANDS.CONFIRM_SHIPMENT, step: "shipment-confirmed", data: shipment }),
		];
		if (!saga.steps["delivery-requested"] && !isPast(saga.status, ORDER_STATUS.DISPATCHED)) {
			const job = deliveryJobFor(saga, shipment, ctx);
			saga.delivery = { deliveryJobId: job.deliveryJobId };
			commands.push(...once(saga, "delivery-requested", { type: LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, step: "delivery-requested", data: job }));
		}
		return { status: ORDER_STATUS.MANIFESTED, commands };
	},
	[LASTMILE_FACTS.JOB_ACCEPTED]: (saga, env) => {
		const data = env.data as { partnerRef: string; trackingUrl?: string; deliveryJobId?: string };
		saga.delivery = { ...saga.delivery, deliveryJobId: data.deliveryJobId ?? saga.delivery?.deliveryJobId ?? `DJ-${saga.orderId}`, partnerRef: data.partnerRef, trackingUrl: data.trackingUrl };
		return { note: `last-mile accepted the job as ${data.partnerRef}` };
	},
	[LASTMILE_FACTS.DISPATCHED]: () => ({ status: ORDER_STATUS.DISPATCHED }),
	[LASTMILE_FACTS.OUT_FOR_DELIVERY]: () => ({ status: ORDER_STATUS.OUT_FOR_DELIVERY }),
	[LASTMILE_FACTS.ETA_UPDATED]: (saga, env) => {
		const eta = (env.data as { eta?: string }).eta;
		if (saga.delivery && eta && !isPast(saga.status, ORDER_STATUS.OUT_FOR_DELIVERY)) saga.delivery.eta = eta;
		return { note: eta ? `ETA ${eta}` : "ETA updated" };
	},
	[LASTMILE_FACTS.ARRIVED]: () => ({ note: "driver arrived at the stop" }),
	[LASTMILE_FACTS.DELIVERED]: (saga, env) => {
		const data = env.data as { proofOfDelivery?: OrderSaga["delivery"] extends infer D ? D extends { proofOfDelivery?: infer P } ? P : never : never };
		saga.delivery = { ...saga.delivery, deliveryJobId: saga.delivery?.deliveryJobId ?? `DJ-${saga.orderId}`, deliveredAt: env.time, proofOfDelivery: data.proofOfDelivery };
		return { status: ORDER_STATUS.DELIVERED, commands: once(saga, "invoice-requested", { type: ERP_COMMANDS.POST_INVOICE, step: "invoice-requested", data: invoiceFor(saga, env.time) }) };
	},
	[ERP_FACTS.INVOICE_POSTED]: (saga, env) => {
		const invoice = env.data as SettlementEvent;
		saga.invoice = { documentId: invoice.documentId, total: invoice.total, currency: invoice.currency, postedAt: env.time };
		return { status: ORDER_STATUS.INVOICED };
	},
};

export const HANDLED_FACTS = new Set(Object.keys(REACTIONS));

/** The first fact of an order: the ERP released it. Sends the fulfillment order to the routed WMS. */
export function startOrder(envelope: Envelope, ctx: FlowContext): Reaction {
	const order = envelope.data as SalesOrder;
	const { warehouse, partner } = ctx.warehouseFor(order);
	const fulfillment: FulfillmentOrder = {
		fulfillmentOrderId: `FO-${order.orderId}-${warehouse}`,
		orderId: order.orderId,
		warehouse,
		partner,
		shipTo: order.shipTo,
		serviceLevel: order.serviceLevel,
		lines: order.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qty })),
	};
	const saga: OrderSaga = {
		orderId: order.orderId,
		status: ORDER_STATUS.RELEASED,
		statusAt: envelope.time,
		order,
		fulfillment: { fulfillmentOrderId: fulfillment.fulfillmentOrderId, warehouse, partner },
		steps: {},
		processed: [envelope.id],
		timeline: [{ at: envelope.time, recordedAt: ctx.now, type: envelope.type, messageId: envelope.id, partner: envelope.partner, status: ORDER_STATUS.RELEASED }],
		createdAt: ctx.now,
		updatedAt: ctx.now,
	};
	const commands = once(saga, "fulfillment-requested", { type: WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, step: "fulfillment-requested", data: fulfillment });
	return { saga, commands: [...commands, statusUpdate(saga.orderId, ORDER_STATUS.RELEASED, envelope.time)], statusChange: { to: ORDER_STATUS.RELEASED } };
}

/**
 * Apply one fact to an order's saga. Returns null when the fact changes nothing (a duplicate,
 * or a type this flow does not handle). Never mutates its input.
 */
export function applyFact(current: OrderSaga, envelope: Envelope, ctx: FlowContext): Reaction | null {
	const handler = REACTIONS[envelope.type];
	if (!handler || current.processed.includes(envelope.id)) return null;
	const saga: OrderSaga = structuredClone(current);
	const outcome = handler(saga, envelope, ctx);
	const commands = [...(outcome.commands ?? [])];
	const entry = { at: envelope.time, recordedAt: ctx.now, type: envelope.type, messageId: envelope.id, partner: envelope.partner, note: outcome.note };
	let statusChange: Reaction["statusChange"];
	if (outcome.status && canAdvance(saga.status, outcome.status)) {
		statusChange = { from: saga.status, to: outcome.status };
		saga.status = outcome.status;
		saga.statusAt = envelope.time;
		commands.push(statusUpdate(saga.orderId, outcome.status, envelope.time));
		saga.timeline.push({ ...entry, status: outcome.status });
	} else if (outcome.status) {
		saga.timeline.push({ ...entry, note: `late or duplicate: status stays ${saga.status}, not ${outcome.status}` });
	} else {
		saga.timeline.push(entry);
	}
	saga.processed = [...saga.processed, envelope.id].slice(-PROCESSED_MEMORY);
	saga.updatedAt = ctx.now;
	return { saga, commands, statusChange };
}

/** A step's command, the first time only; the step is marked done in the (cloned) saga. */
function once(saga: OrderSaga, step: StepName, command: CommandIntent): CommandIntent[] {
	if (saga.steps[step]) return [];
	saga.steps[step] = command.step;
	return [command];
}

function statusUpdate(orderId: string, status: OrderStatus, at: string): CommandIntent {
	return { type: ERP_COMMANDS.UPDATE_ORDER_STATUS, step: `status-${status}`, data: { orderId, status, at } };
}

function isPast(status: OrderStatus, milestone: OrderStatus): boolean {
	return !canAdvance(status, milestone) && status !== milestone;
}

function deliveryJobFor(saga: OrderSaga, shipment: Shipment, ctx: FlowContext): DeliveryJob {
	const deliveryJobId = `DJ-${saga.orderId}-${shipment.shipmentId}`;
	return {
		deliveryJobId,
		orderId: saga.orderId,
		shipmentId: shipment.shipmentId,
		partner: ctx.lastMilePartner(),
		packages: Math.max(1, shipment.packages.length),
		stops: [{ stopId: `${deliveryJobId}-1`, address: saga.order.shipTo, window: saga.order.requestedWindow, attempts: [] }],
	};
}

/** Only what shipped is invoiced, at the ERP's own prices. */
function invoiceFor(saga: OrderSaga, at: string): SettlementEvent {
	const shipped = new Map((saga.shipment?.lines ?? saga.order.lines).map((l) => [l.lineNo, l.qty]));
	const lines = saga.order.lines
		.filter((l) => (shipped.get(l.lineNo) ?? 0) > 0)
		.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: shipped.get(l.lineNo) ?? 0, unitPrice: l.unitPrice }));
	const total = Math.round(lines.reduce((sum, l) => sum + l.qty * l.unitPrice, 0) * 100) / 100;
	return { kind: "invoice", orderId: saga.orderId, currency: saga.order.currency, lines, total, at };
}
