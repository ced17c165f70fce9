import { salesOrderSchema, SALES_ORDER_VERSION } from "./entities/sales-order.ts";
import { fulfillmentOrderSchema, FULFILLMENT_ORDER_VERSION } from "./entities/fulfillment-order.ts";
import { shipmentSchema, SHIPMENT_VERSION } from "./entities/shipment.ts";
import { deliveryJobSchema, DELIVERY_JOB_VERSION } from "./entities/delivery-job.ts";
import { returnOrderSchema, RETURN_ORDER_VERSION } from "./entities/return-order.ts";
import { settlementEventSchema, SETTLEMENT_EVENT_VERSION } from "./entities/settlement-event.ts";
import { exceptionCaseSchema, EXCEPTION_CASE_VERSION } from "./entities/exception-case.ts";
import { bookingConfirmationSchema, shipmentBookingSchema, SHIPMENT_BOOKING_VERSION } from "./entities/shipment-booking.ts";
import * as F from "./fact-schemas.ts";
import * as EDI from "./edi-schemas.ts";
import * as REPORTS from "./partner-report-schemas.ts";
import { webhookDeliverySchema } from "./notification-schemas.ts";
import { operatorActedSchema } from "./operator-action-schemas.ts";
import { itemMasterUpsertSchema, recipientsUpsertSchema, MASTER_DATA_VERSION } from "./entities/master-data.ts";
import * as SETTLEMENT from "./entities/settlement-batch.ts";
import {
	BATCH_COMMANDS, ERP_COMMANDS, ERP_FACTS, INBOUND_MESSAGES, LASTMILE_COMMANDS, LASTMILE_FACTS, NOTIFIER_COMMANDS, WAYBILL_FACTS, WMS_COMMANDS, WMS_FACTS,
	type MessageType,
} from "./message-types.ts";

export interface CatalogueEntry {
	version: number;
	kind: "fact" | "command" | "inbound";
	schema: Record<string, unknown>;
}

const fact = (schema: Record<string, unknown>, version = 1): CatalogueEntry => ({ version, kind: "fact", schema });
const command = (schema: Record<string, unknown>, version = 1): CatalogueEntry => ({ version, kind: "command", schema });

/** Every message type Waybill carries on a durable stream, with the schema its data must match. */
export const CATALOGUE: Record<MessageType, CatalogueEntry> = {
	[ERP_FACTS.ORDER_RELEASED]: fact(salesOrderSchema, SALES_ORDER_VERSION),
	[ERP_FACTS.ORDER_UPDATED]: fact(F.orderUpdatedSchema),
	[ERP_FACTS.ORDER_CANCELLED]: fact(F.orderCancelledSchema),
	[ERP_FACTS.RETURN_AUTHORISED]: fact(returnOrderSchema, RETURN_ORDER_VERSION),
	[ERP_FACTS.INVOICE_POSTED]: fact(settlementEventSchema, SETTLEMENT_EVENT_VERSION),
	[ERP_FACTS.CREDIT_NOTE_POSTED]: fact(settlementEventSchema, SETTLEMENT_EVENT_VERSION),
	[ERP_FACTS.FULFILLMENT_REPORTED]: fact(REPORTS.fulfillmentReportedSchema),
	[ERP_FACTS.SETTLEMENT_BATCH_POSTED]: fact(SETTLEMENT.settlementBatchPostedSchema, SETTLEMENT.SETTLEMENT_BATCH_VERSION),

	[ERP_COMMANDS.UPDATE_ORDER_STATUS]: command(F.orderStatusUpdateSchema),
	[ERP_COMMANDS.CONFIRM_SHIPMENT]: command(shipmentSchema, SHIPMENT_VERSION),
	[ERP_COMMANDS.POST_INVOICE]: command(settlementEventSchema, SETTLEMENT_EVENT_VERSION),
	[ERP_COMMANDS.PAUSE_INVOICING]: command(F.csCaseSchema),
	[ERP_COMMANDS.RESUME_INVOICING]: command(F.csCaseSchema),
	[ERP_COMMANDS.POST_CREDIT_NOTE]: command(settlementEventSchema, SETTLEMENT_EVENT_VERSION),
	[ERP_COMMANDS.BACKORDER_LINES]: command(F.backorderSchema),
	[ERP_COMMANDS.RAISE_CS_CASE]: command(F.csCaseRaiseSchema),
	[ERP_COMMANDS.REFUSE_ORDER_CHANGE]: command(F.orderChangeRefusalSchema),
	[ERP_COMMANDS.SEND_FUNCTIONAL_ACK]: command(EDI.functionalAckSendSchema),
	[ERP_COMMANDS.POST_SETTLEMENT_BATCH]: command(SETTLEMENT.settlementBatchPostSchema, SETTLEMENT.SETTLEMENT_BATCH_VERSION),

	[WMS_FACTS.FULFILLMENT_ACCEPTED]: fact(F.fulfillmentRefSchema),
	[WMS_FACTS.ALLOCATED]: fact(F.warehouseProgressSchema),
	[WMS_FACTS.ALLOCATION_SHORT]: fact(F.warehouseProgressSchema),
	[WMS_FACTS.PICK_CONFIRMED]: fact(F.warehouseProgressSchema),
	[WMS_FACTS.PACK_COMPLETED]: fact(F.warehouseProgressSchema),
	[WMS_FACTS.SHIPMENT_MANIFESTED]: fact(shipmentSchema, SHIPMENT_VERSION),
	[WMS_FACTS.INVENTORY_ADJUSTED]: fact(F.inventoryAdjustedSchema),
	[WMS_FACTS.EXCEPTION_RAISED]: fact(F.warehouseExceptionSchema),
	[WMS_FACTS.RETURN_RECEIVED]: fact(F.returnReceivedSchema),
	[WMS_FACTS.FULFILLMENT_CANCELLED]: fact(F.fulfillmentRefSchema),
	[WMS_FACTS.FULFILLMENT_UPDATED]: fact(F.fulfillmentUpdatedSchema),

	[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER]: command(fulfillmentOrderSchema, FULFILLMENT_ORDER_VERSION),
	[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER]: command(F.cancelFulfillmentSchema),
	[WMS_COMMANDS.EXPECT_RETURN]: command(returnOrderSchema, RETURN_ORDER_VERSION),
	[WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER]: command(F.fulfillmentUpdateSchema),
	[WMS_COMMANDS.SEND_FUNCTIONAL_ACK]: command(EDI.functionalAckSendSchema),
	[WMS_COMMANDS.UPSERT_ITEMS]: command(itemMasterUpsertSchema, MASTER_DATA_VERSION),

	[LASTMILE_FACTS.JOB_ACCEPTED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.DISPATCHED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.OUT_FOR_DELIVERY]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.ETA_UPDATED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.DELAY_DETECTED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.ARRIVED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.DELIVERED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.ATTEMPT_FAILED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.RETURNED_TO_SENDER]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.SHIPMENT_BOOKED]: fact(bookingConfirmationSchema, SHIPMENT_BOOKING_VERSION),
	[LASTMILE_FACTS.JOB_CANCELLED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.JOB_UPDATED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.RETURN_PICKUP_ACCEPTED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.TENDER_DECLINED]: fact(F.deliveryEventSchema),
	[LASTMILE_FACTS.FREIGHT_INVOICED]: fact(REPORTS.freightInvoicedSchema),

	[LASTMILE_COMMANDS.CREATE_DELIVERY_JOB]: command(deliveryJobSchema, DELIVERY_JOB_VERSION),
	[LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB]: command(F.deliveryJobRefSchema),
	[LASTMILE_COMMANDS.SCHEDULE_REATTEMPT]: command(F.deliveryJobRefSchema),
	[LASTMILE_COMMANDS.CREATE_RETURN_PICKUP]: command(returnOrderSchema, RETURN_ORDER_VERSION),
	[LASTMILE_COMMANDS.BOOK_SHIPMENT]: command(shipmentBookingSchema, SHIPMENT_BOOKING_VERSION),
	[LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB]: command(F.deliveryJobRefSchema),
	[LASTMILE_COMMANDS.SEND_FUNCTIONAL_ACK]: command(EDI.functionalAckSendSchema),
	[LASTMILE_COMMANDS.UPSERT_RECIPIENTS]: command(recipientsUpsertSchema, MASTER_DATA_VERSION),

	[WAYBILL_FACTS.ORDER_STATUS_CHANGED]: fact(F.statusChangedSchema),
	[WAYBILL_FACTS.SLA_AT_RISK]: fact(F.slaSchema),
	[WAYBILL_FACTS.SLA_BREACHED]: fact(F.slaSchema),
	[WAYBILL_FACTS.EXCEPTION_OPENED]: fact(exceptionCaseSchema, EXCEPTION_CASE_VERSION),
	[WAYBILL_FACTS.EXCEPTION_RESOLVED]: fact(exceptionCaseSchema, EXCEPTION_CASE_VERSION),
	[WAYBILL_FACTS.CS_CASE_ALERTED]: fact(F.csCaseSchema),
	[WAYBILL_FACTS.PARTNER_DEGRADED]: fact(F.partnerHealthSchema),
	[WAYBILL_FACTS.PARTNER_RECOVERED]: fact(F.partnerHealthSchema),
	[WAYBILL_FACTS.MESSAGE_DEAD_LETTERED]: fact(F.deadLetterSchema),
	[WAYBILL_FACTS.INPUT_REJECTED]: fact(F.inputRejectedSchema),
	[WAYBILL_FACTS.CLOCK_ELAPSED]: fact(F.clockElapsedSchema),
	[WAYBILL_FACTS.REALLOCATION_REQUIRED]: fact(F.reallocationRequiredSchema),
	[WAYBILL_FACTS.MESSAGE_REPLAYED]: fact(F.messageReplayedSchema),
	[WAYBILL_FACTS.FIELD_CONFLICT]: fact(F.fieldConflictSchema),
	[WAYBILL_FACTS.EDI_ACKNOWLEDGED]: fact(EDI.ediAcknowledgementSchema),
	[WAYBILL_FACTS.EDI_ACK_REJECTED]: fact(EDI.ediAcknowledgementSchema),
	[WAYBILL_FACTS.EDI_ACK_OVERDUE]: fact(EDI.ediAcknowledgementSchema),
	[WAYBILL_FACTS.OPERATOR_ACTED]: fact(operatorActedSchema),
	[WAYBILL_FACTS.SETTLEMENT_RECONCILED]: fact(SETTLEMENT.settlementReconciledSchema, SETTLEMENT.SETTLEMENT_BATCH_VERSION),

	[NOTIFIER_COMMANDS.DELIVER_WEBHOOK]: command(webhookDeliverySchema),

	[BATCH_COMMANDS.RECONCILE_SETTLEMENT]: command(SETTLEMENT.settlementReconcileSchema, SETTLEMENT.SETTLEMENT_BATCH_VERSION),

	[INBOUND_MESSAGES.PARTNER_MESSAGE_RECEIVED]: { version: 1, kind: "inbound", schema: F.partnerMessageSchema },
};

export function catalogueEntry(type: string): CatalogueEntry | undefined {
	// Own properties only: "toString" or "__proto__" must read as unknown, not as Object's members.
	return Object.hasOwn(CATALOGUE, type) ? (CATALOGUE as Record<string, CatalogueEntry>)[type] : undefined;
}
