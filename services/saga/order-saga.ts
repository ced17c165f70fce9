import type { OrderStatus, SalesOrder, Shipment, ProofOfDelivery, CommandType } from "../../canonical/index.ts";

/** One line of an order's timeline: what happened, when it happened, and what it did to the status. */
export interface TimelineEntry {
	at: string;
	recordedAt: string;
	type: string;
	messageId: string;
	partner?: string;
	status?: OrderStatus;
	note?: string;
}

/** Steps of the flow that send something out; each runs once per order (its key is its idempotency key). */
export type StepName = "fulfillment-requested" | "shipment-confirmed" | "delivery-requested" | "invoice-requested";

/** The saga's persisted state for one order: Waybill owns correlation, status and the timeline. */
export interface OrderSaga {
	orderId: string;
	status: OrderStatus;
	/** Event time of the fact that set the status: later facts with earlier times cannot undo it. */
	statusAt: string;
	order: SalesOrder;
	fulfillment?: { fulfillmentOrderId: string; warehouse: string; partner: string; partnerRef?: string };
	shipment?: Shipment;
	delivery?: { deliveryJobId: string; partnerRef?: string; trackingUrl?: string; eta?: string; deliveredAt?: string; proofOfDelivery?: ProofOfDelivery };
	invoice?: { documentId?: string; total: number; currency: string; postedAt: string };
	steps: Partial<Record<StepName, string>>;
	/** Recently applied message ids: a redelivered fact is recognised and changes nothing. */
	processed: string[];
	timeline: TimelineEntry[];
	createdAt: string;
	updatedAt: string;
}

/** A command the flow wants sent, before it is put in an envelope. */
export interface CommandIntent {
	type: CommandType;
	/** Names the step: with the order id it forms the deterministic idempotency key. */
	step: string;
	data: unknown;
}

export interface Reaction {
	saga: OrderSaga;
	commands: CommandIntent[];
	statusChange?: { from?: OrderStatus; to: OrderStatus };
}

export const PROCESSED_MEMORY = 200;
