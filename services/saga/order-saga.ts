import type {
	Address, Envelope, TimeWindow, CaseOwner, CommandType, ExceptionKind, FactType, LineQuantity, OrderStatus, ProofOfDelivery, SalesOrder, Shipment,
} from "../../canonical/index.ts";
import type { StepRecord } from "./saga-definition.ts";

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

/** One fulfillment order: what one warehouse was asked to ship. An order split across warehouses has several. */
export interface FulfillmentState {
	fulfillmentOrderId: string;
	warehouse: string;
	partner: string;
	partnerRef?: string;
	lines: LineQuantity[];
	state: "requested" | "accepted" | "held" | "shipped" | "cancelling" | "cancelled";
	/** The warehouse reported its allocation (full or short): a pick can be judged against it. */
	allocated?: boolean;
	/** Re-allocation waiting for this one's cancellation: the warehouse that takes its lines over. */
	reallocateTo?: string;
}

/** One delivery job: one shipment to the customer, with its attempts. */
export interface DeliveryState {
	deliveryJobId: string;
	shipmentId: string;
	partner: string;
	/** The platform's id of the task carrying the current attempt. */
	partnerRef?: string;
	trackingUrl?: string;
	eta?: string;
	attempt: number;
	failures: { at: string; reason?: string }[];
	state: "requested" | "accepted" | "on-route" | "failed" | "delivered" | "cancelling" | "cancelled" | "returning";
	deliveredAt?: string;
	proofOfDelivery?: ProofOfDelivery;
}

/** A return: authorised by the ERP (RMA) or started by Waybill (failed delivery, intercepted cancellation). */
export interface ReturnState {
	rma: string;
	reason: string;
	warehouse: string;
	lines: LineQuantity[];
	state: "expected" | "in-transit" | "received" | "credited";
	disposition?: string;
}

/** Quantities per order line, reconciled through the chain (PRODUCT.md: ordered → … → invoiced). */
export interface LineQuantities {
	lineNo: number;
	sku: string;
	ordered: number;
	allocated: number;
	picked: number;
	shipped: number;
	delivered: number;
	invoiced: number;
	backordered: number;
	cancelled: number;
	returned: number;
}

/** An exception case as the order knows it: enough to run its resolution clock. */
export interface CaseRef {
	caseId: string;
	kind: ExceptionKind;
	openedAt: string;
	resolvedAt?: string;
}

/** SLA clocks of the order: the deadline and what was already raised (each at most once). */
export interface SlaState {
	dispatchDueAt?: string;
	atRisk: string[];
	breached: string[];
	/** When each SLA named in atRisk or breached was (or is) due. */
	due?: Record<string, string>;
}

/** A change the ERP asked for, while it travels to the partners. */
export interface PendingChange {
	changeId: string;
	fields: string[];
	lines?: SalesOrder["lines"];
	/** Commands still unanswered (their step names). */
	waitingFor: string[];
	/** Address and window before the change: restored when a partner refuses it. */
	previous: { shipTo: Address; requestedWindow?: TimeWindow };
}

/** The saga's persisted state for one order: Waybill owns correlation, status, SLA clocks and the timeline. */
export interface OrderSaga {
	orderId: string;
	status: OrderStatus;
	/** Event time of the fact that set the status: later facts with earlier times cannot undo it. */
	statusAt: string;
	/** How often each status was entered (failed delivery can happen per attempt); names each status update. */
	statusCounts: Partial<Record<OrderStatus, number>>;
	order: SalesOrder;
	fulfillments: Record<string, FulfillmentState>;
	shipments: Shipment[];
	deliveries: Record<string, DeliveryState>;
	lines: LineQuantities[];
	returns: Record<string, ReturnState>;
	invoice?: { documentId?: string; total: number; currency: string; postedAt: string };
	credits: { documentId?: string; rma?: string; total: number; postedAt: string }[];
	invoicingPaused?: boolean;
	/** The order is being unwound (cancellation): compensations run last-in-first-out. */
	compensation?: { reason: string; startedAt: string };
	changes: Record<string, PendingChange>;
	steps: Record<string, StepRecord>;
	cases: CaseRef[];
	sla: SlaState;
	/**
	 * Facts that arrived ahead of the fact they depend on (a short pick before its allocation), held
	 * until it comes or their clock runs out: applied in event order, not arrival order.
	 */
	parked?: { envelope: Envelope; waitFor: string }[];
	/** The order's trace (its release's traceparent): every command and fact about the order continues it. */
	traceparent?: string;
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
	/** The partner it is for (a routed warehouse); else the one its data names, else the system's default. */
	partner?: string;
}

/** A Waybill fact the flow states (SLA at risk, customer-service alert). */
export interface FactIntent {
	type: FactType;
	/** Unique per order: the fact's idempotency key. */
	key: string;
	data: unknown;
}

export interface CaseIntent {
	action: "open" | "resolve";
	/** Derived from the order, kind and cause: a redelivered fact opens the same case. */
	caseId: string;
	kind: ExceptionKind;
	/** What the case is about, for one-open-case-per-subject (the order id unless said otherwise). */
	subject?: string;
	owner?: CaseOwner;
	severity?: "info" | "warning" | "critical";
	partner?: string;
	summary: string;
}

/** A durable timer the flow wants (an SLA clock); its id is the order and the clock name. */
export interface TimerIntent {
	clock: string;
	dueAt: string;
	caseId?: string;
}

export interface Reaction {
	saga: OrderSaga;
	commands: CommandIntent[];
	facts: FactIntent[];
	cases: CaseIntent[];
	timers: TimerIntent[];
	/** The last status change; `statusChanges` has each, when one fact released others it was holding. */
	statusChange?: { from?: OrderStatus; to: OrderStatus };
	statusChanges: StatusChange[];
}

export interface StatusChange {
	from?: OrderStatus;
	to: OrderStatus;
	/** Event time and type of the fact that moved it. */
	at: string;
	cause: string;
	/** How often the order entered this status: names its fact. */
	n: number;
}

export const PROCESSED_MEMORY = 200;
