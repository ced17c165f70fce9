/**
 * The event and command catalogue of PRODUCT.md as constants. Facts are past tense
 * (`erp.order.released`), commands imperative (`wms.fulfillment-order.create`).
 */
export const ERP_FACTS = {
	ORDER_RELEASED: "erp.order.released",
	ORDER_UPDATED: "erp.order.updated",
	ORDER_CANCELLED: "erp.order.cancelled",
	RETURN_AUTHORISED: "erp.return.authorised",
	INVOICE_POSTED: "erp.invoice.posted",
	CREDIT_NOTE_POSTED: "erp.credit-note.posted",
	/** The shop or ERP reports a fulfillment or its tracking status (Shopify fulfillment objects, an ERPNext Delivery Note). */
	FULFILLMENT_REPORTED: "erp.fulfillment.reported",
	/** The ERP booked one chunk of a day's settlement batch, with the totals it booked. */
	SETTLEMENT_BATCH_POSTED: "erp.settlement-batch.posted",
} as const;

export const ERP_COMMANDS = {
	UPDATE_ORDER_STATUS: "erp.order-status.update",
	CONFIRM_SHIPMENT: "erp.shipment.confirm",
	POST_INVOICE: "erp.invoice.post",
	PAUSE_INVOICING: "erp.invoicing.pause",
	/** Lift the hold a failed delivery put on invoicing: the order was delivered after all. */
	RESUME_INVOICING: "erp.invoicing.resume",
	POST_CREDIT_NOTE: "erp.credit-note.post",
	BACKORDER_LINES: "erp.lines.backorder",
	/** Open a customer-service case in the ERP's CRM (failed delivery, intercepted order). */
	RAISE_CS_CASE: "erp.cs-case.raise",
	/** Tell the ERP a change it asked for cannot be applied any more, and why. */
	REFUSE_ORDER_CHANGE: "erp.order-change.refuse",
	/** Send the 997 Waybill owes an X12 partner for an interchange it received. */
	SEND_FUNCTIONAL_ACK: "erp.functional-ack.send",
	/** One chunk of a day's settlement (invoices, credit notes, freight bills), on the batch lane. */
	POST_SETTLEMENT_BATCH: "erp.settlement-batch.post",
} as const;

export const WMS_FACTS = {
	FULFILLMENT_ACCEPTED: "wms.fulfillment.accepted",
	ALLOCATED: "wms.fulfillment.allocated",
	ALLOCATION_SHORT: "wms.allocation.short",
	PICK_CONFIRMED: "wms.pick.confirmed",
	PACK_COMPLETED: "wms.pack.completed",
	SHIPMENT_MANIFESTED: "wms.shipment.manifested",
	INVENTORY_ADJUSTED: "wms.inventory.adjusted",
	EXCEPTION_RAISED: "wms.exception.raised",
	RETURN_RECEIVED: "wms.return.received",
	/** Answer to a cancel command: the fulfillment order is cancelled and its reservation released. */
	FULFILLMENT_CANCELLED: "wms.fulfillment.cancelled",
	/** Answer to an update command: the change reached the warehouse. */
	FULFILLMENT_UPDATED: "wms.fulfillment.updated",
} as const;

export const WMS_COMMANDS = {
	CREATE_FULFILLMENT_ORDER: "wms.fulfillment-order.create",
	CANCEL_FULFILLMENT_ORDER: "wms.fulfillment-order.cancel",
	EXPECT_RETURN: "wms.return.expect",
	UPDATE_FULFILLMENT_ORDER: "wms.fulfillment-order.update",
	SEND_FUNCTIONAL_ACK: "wms.functional-ack.send",
	/** A chunk of the ERP's product master for the WMS's item master, on the batch lane. */
	UPSERT_ITEMS: "wms.item-master.upsert",
} as const;

/** Synchronous queries: asked live through the adapter, never put on a stream. */
export const WMS_QUERIES = {
	INVENTORY: "wms.inventory.query",
} as const;

export const LASTMILE_FACTS = {
	JOB_ACCEPTED: "lastmile.job.accepted",
	DISPATCHED: "lastmile.job.dispatched",
	OUT_FOR_DELIVERY: "lastmile.out-for-delivery",
	ETA_UPDATED: "lastmile.eta.updated",
	DELAY_DETECTED: "lastmile.delay.detected",
	ARRIVED: "lastmile.arrived",
	DELIVERED: "lastmile.delivered",
	ATTEMPT_FAILED: "lastmile.attempt.failed",
	RETURNED_TO_SENDER: "lastmile.returned-to-sender",
	SHIPMENT_BOOKED: "lastmile.shipment.booked",
	/** Answer to a cancel command: the job will not be delivered. */
	JOB_CANCELLED: "lastmile.job.cancelled",
	/** Answer to an update command: the new address or window reached the job. */
	JOB_UPDATED: "lastmile.job.updated",
	/** Answer to a return pickup command: the pickup is planned. */
	RETURN_PICKUP_ACCEPTED: "lastmile.return-pickup.accepted",
	/** A carrier declined a load tender (X12 990 with D): the job must go to another carrier. */
	TENDER_DECLINED: "lastmile.tender.declined",
	/** A carrier invoiced its freight charges for a shipment (X12 210). */
	FREIGHT_INVOICED: "lastmile.freight.invoiced",
} as const;

export const LASTMILE_COMMANDS = {
	CREATE_DELIVERY_JOB: "lastmile.delivery-job.create",
	CANCEL_DELIVERY_JOB: "lastmile.delivery-job.cancel",
	SCHEDULE_REATTEMPT: "lastmile.reattempt.schedule",
	CREATE_RETURN_PICKUP: "lastmile.return-pickup.create",
	BOOK_SHIPMENT: "lastmile.shipment.book",
	UPDATE_DELIVERY_JOB: "lastmile.delivery-job.update",
	SEND_FUNCTIONAL_ACK: "lastmile.functional-ack.send",
	/** A chunk of the ERP's customers as the platform's recipients, on the batch lane. */
	UPSERT_RECIPIENTS: "lastmile.recipients.upsert",
} as const;

export const WAYBILL_FACTS = {
	ORDER_STATUS_CHANGED: "waybill.order.status-changed",
	SLA_AT_RISK: "waybill.sla.at-risk",
	SLA_BREACHED: "waybill.sla.breached",
	EXCEPTION_OPENED: "waybill.exception.opened",
	EXCEPTION_RESOLVED: "waybill.exception.resolved",
	CS_CASE_ALERTED: "waybill.cs-case.alerted",
	PARTNER_DEGRADED: "waybill.partner.degraded",
	PARTNER_RECOVERED: "waybill.partner.recovered",
	MESSAGE_DEAD_LETTERED: "waybill.message.dead-lettered",
	/** Input refused at the edge (bad schema, bad signature): audited, never processed. */
	INPUT_REJECTED: "waybill.input.rejected",
	/** An operator sent a dead letter back through the pipeline (maybe with corrected data). */
	MESSAGE_REPLAYED: "waybill.message.replayed",
	/** A partner wrote a field its system does not own; the field was not applied. */
	FIELD_CONFLICT: "waybill.field.conflict",
	/** A durable timer of an order came due (SLA clocks); the saga decides what it means. */
	CLOCK_ELAPSED: "waybill.clock.elapsed",
	/** An inventory adjustment broke this order's reservation: the saga re-allocates it. */
	REALLOCATION_REQUIRED: "waybill.reallocation.required",
	/** A partner's 997 accepted an interchange Waybill sent. */
	EDI_ACKNOWLEDGED: "waybill.edi.acknowledged",
	/** A partner's 997 rejected (part of) an interchange Waybill sent. */
	EDI_ACK_REJECTED: "waybill.edi.ack-rejected",
	/** No 997 came for an interchange Waybill sent within the partner's acknowledgement time. */
	EDI_ACK_OVERDUE: "waybill.edi.ack-overdue",
	/** An operator issued or revoked an API key, or had an interchange sent again: who, what, when. */
	OPERATOR_ACTED: "waybill.operator.acted",
	/** A day's settlement checked against the ledger: totals per kind and currency, matched or not. */
	SETTLEMENT_RECONCILED: "waybill.settlement.reconciled",
} as const;

/** Waybill's own batch-lane commands, handled by the batch service. */
export const BATCH_COMMANDS = {
	/** Check a day's posted settlement against the ledger once every chunk is booked. */
	RECONCILE_SETTLEMENT: "waybill.settlement.reconcile",
} as const;

/** Commands for the notifier: one outbound webhook to one subscriber. */
export const NOTIFIER_COMMANDS = {
	DELIVER_WEBHOOK: "notifier.webhook.deliver",
} as const;

export const INBOUND_MESSAGES = {
	PARTNER_MESSAGE_RECEIVED: "inbound.partner-message.received",
} as const;

type ValuesOf<T> = T[keyof T];
export type FactType =
	| ValuesOf<typeof ERP_FACTS>
	| ValuesOf<typeof WMS_FACTS>
	| ValuesOf<typeof LASTMILE_FACTS>
	| ValuesOf<typeof WAYBILL_FACTS>;
export type CommandType = ValuesOf<typeof ERP_COMMANDS> | ValuesOf<typeof WMS_COMMANDS> | ValuesOf<typeof LASTMILE_COMMANDS>;
/** Kept out of CommandType: those go to a partner system's command stream, these to subscribers. */
export type NotifierCommandType = ValuesOf<typeof NOTIFIER_COMMANDS>;
export type BatchCommandType = ValuesOf<typeof BATCH_COMMANDS>;
export type MessageType = FactType | CommandType | NotifierCommandType | BatchCommandType | ValuesOf<typeof INBOUND_MESSAGES>;

/** The system a command is addressed to, read from its type. */
export function systemOfCommand(type: CommandType): "erp" | "wms" | "lastmile" {
	return type.split(".")[0] as "erp" | "wms" | "lastmile";
}
