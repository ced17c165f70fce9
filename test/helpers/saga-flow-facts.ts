import { createHash } from "node:crypto";
import {
	COMMAND_CHANNEL_BY_SYSTEM, ERP_FACTS, LASTMILE_FACTS, WAYBILL_FACTS, WMS_FACTS,
	assertValidMessage, catalogueEntry, createEnvelope, systemOfCommand,
	type Address, type Envelope, type LineQuantity, type MessageType, type Shipment,
} from "../../canonical/index.ts";
import { isoPlus, type FlowPolicies } from "../../services/saga/flows/flow-kit.ts";
import type { CommandIntent } from "../../services/saga/order-saga.ts";
import { SHIP_TO, at } from "./fixtures.ts";

/** Order SO-2001 for the exception-flow specs: its ids, routing policies and the partner facts that drive its saga. */

export const ORDER_ID = "SO-2001";
export const FO1 = `FO-${ORDER_ID}-WH1`;
export const FO2 = `FO-${ORDER_ID}-WH2`;
export const DJ1 = `DJ-${ORDER_ID}-shp_1`;
export const DJ2 = `DJ-${ORDER_ID}-shp_2`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const RESOLUTION_MS = 8 * HOUR;

export interface PolicyOptions {
	warehouses?: string[];
	maxAttempts?: number;
	shortage?: { action: "backorder" | "cancel"; reallocate: boolean };
	credit?: "on-receipt" | "none";
}

/** WH1 → acme-3pl, WH2 → edi-3pl, onfleet; 2 attempts within 2 days; backorder and re-allocate; dispatch due 4 h after release. */
export function policies(o: PolicyOptions = {}): FlowPolicies {
	return {
		route: () => ({ warehouses: [...(o.warehouses ?? ["WH1", "WH2"])], lastmile: "onfleet" }),
		wmsPartnerFor: (warehouse) => ({ WH1: "acme-3pl", WH2: "edi-3pl" } as Record<string, string>)[warehouse] ?? "unknown-wms",
		reattempt: () => ({ maxAttempts: o.maxAttempts ?? 2, windowMs: 2 * DAY }),
		shortage: () => o.shortage ?? { action: "backorder", reallocate: true },
		sla: () => ({ dispatchDueAt: (releasedAt) => isoPlus(releasedAt, 4 * HOUR), atRiskLeadMs: HOUR, freshnessMs: 2 * HOUR, exceptionResolutionMs: RESOLUTION_MS }),
		warehouseException: (code) => code === "damaged-stock" ? { action: "short", severity: "warning" }
			: code === "carrier-no-show" ? { action: "delay", severity: "warning" }
			: { action: "hold", severity: "info" },
		returns: () => ({ credit: o.credit ?? "on-receipt" }),
	};
}

/**
 * A valid catalogued fact at `minute`. The same type, time and data make the same envelope id (a
 * redelivery); `key` names a different message with the same content (a partner sending it again).
 */
export function fact(type: MessageType, data: unknown, minute: number, partner?: string, key?: string): Envelope {
	const digest = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 12);
	return assertValidMessage(createEnvelope({
		type, source: "test/exception-flows", subject: ORDER_ID, data, time: at(minute), schemaVersion: catalogueEntry(type)!.version,
		idempotencyKey: key ?? `${type}@${minute}@${digest}`, ...(partner ? { partner } : {}),
	}));
}

const SKUS: Record<number, string> = { 1: "SKU-A", 2: "SKU-B", 3: "SKU-C" };
const PRICES: Record<number, number> = { 1: 12.5, 2: 4.99, 3: 100 };
export const L = (lineNo: number, qty: number): LineQuantity => ({ lineNo, sku: SKUS[lineNo]!, qty });
export const ALL = [L(1, 2), L(2, 3), L(3, 1)];
export const priced = (lines: LineQuantity[]) => lines.map((l) => ({ ...l, unitPrice: PRICES[l.lineNo]! }));
export const NEW_ADDRESS: Address = { name: "Ann de Vries", line1: "Keizersgracht 100", city: "Amsterdam", postalCode: "1015 CV", country: "NL" };

const WMS: Record<string, { warehouse: string; partner: string; partnerRef: string }> = {
	[FO1]: { warehouse: "WH1", partner: "acme-3pl", partnerRef: "wo_1" },
	[FO2]: { warehouse: "WH2", partner: "edi-3pl", partnerRef: "wo_2" },
};

function wms(type: MessageType, fo: string, extra: object, minute: number, key?: string): Envelope {
	const w = WMS[fo]!;
	return fact(type, { orderId: ORDER_ID, fulfillmentOrderId: fo, warehouse: w.warehouse, partnerRef: w.partnerRef, ...extra }, minute, w.partner, key);
}

function shipmentOf(fo: string, shipmentId: string, lines: LineQuantity[], minute: number): Shipment {
	return {
		shipmentId, orderId: ORDER_ID, fulfillmentOrderId: fo, warehouse: WMS[fo]!.warehouse, carrier: "WAYBILL-LASTMILE", trackingNumber: `TRK-${shipmentId}`,
		shippedAt: at(minute), packages: [{ trackingNumber: `TRK-${shipmentId}`, weightKg: 2, lines }], lines,
	};
}

export const W = {
	accepted: (fo: string, minute: number) => wms(WMS_FACTS.FULFILLMENT_ACCEPTED, fo, {}, minute),
	allocated: (fo: string, lines: LineQuantity[], minute: number) => wms(WMS_FACTS.ALLOCATED, fo, { lines }, minute),
	/** [lineNo, qtyAllocated] per line of the fulfillment order. */
	allocationShort: (fo: string, lines: LineQuantity[], allocated: Record<number, number>, minute: number) =>
		wms(WMS_FACTS.ALLOCATION_SHORT, fo, { lines: lines.map((l) => ({ ...l, qtyAllocated: allocated[l.lineNo] ?? l.qty })) }, minute),
	picked: (fo: string, lines: LineQuantity[], minute: number, picked: Record<number, number> = {}) =>
		wms(WMS_FACTS.PICK_CONFIRMED, fo, { lines: lines.map((l) => ({ ...l, qtyPicked: picked[l.lineNo] ?? l.qty })) }, minute),
	packed: (fo: string, minute: number) => wms(WMS_FACTS.PACK_COMPLETED, fo, {}, minute),
	manifested: (fo: string, shipmentId: string, lines: LineQuantity[], minute: number) =>
		fact(WMS_FACTS.SHIPMENT_MANIFESTED, shipmentOf(fo, shipmentId, lines, minute), minute, WMS[fo]!.partner),
	cancelled: (fo: string, minute: number, key?: string) => wms(WMS_FACTS.FULFILLMENT_CANCELLED, fo, {}, minute, key),
	updated: (fo: string, changeId: string, minute: number) => wms(WMS_FACTS.FULFILLMENT_UPDATED, fo, { changeId }, minute),
	returnReceived: (rma: string, lines: LineQuantity[], minute: number, key?: string) =>
		fact(WMS_FACTS.RETURN_RECEIVED, { orderId: ORDER_ID, rma, lines, disposition: "restock" }, minute, "acme-3pl", key),
	exception: (code: string, description: string, minute: number, lines?: LineQuantity[], key?: string) =>
		fact(WMS_FACTS.EXCEPTION_RAISED, { orderId: ORDER_ID, warehouse: "WH1", code, description, ...(lines ? { lines } : {}) }, minute, "acme-3pl", key),
};

function lastMile(type: MessageType, dj: string, task: string, extra: object, minute: number, key?: string): Envelope {
	return fact(type, { orderId: ORDER_ID, deliveryJobId: dj, partnerRef: task, ...extra }, minute, "onfleet", key);
}

const POD = { recipientName: "Ann de Vries", signatureRef: "onfleet:upload:sig" };
export const M = {
	jobAccepted: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.JOB_ACCEPTED, dj, task, { trackingUrl: `https://track.example/${task}` }, minute),
	dispatched: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.DISPATCHED, dj, task, {}, minute),
	out: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.OUT_FOR_DELIVERY, dj, task, {}, minute),
	delivered: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.DELIVERED, dj, task, { proofOfDelivery: POD }, minute),
	failed: (dj: string, task: string, reason: string, minute: number, key?: string) => lastMile(LASTMILE_FACTS.ATTEMPT_FAILED, dj, task, { reason }, minute, key),
	jobCancelled: (dj: string, task: string, minute: number, key?: string) => lastMile(LASTMILE_FACTS.JOB_CANCELLED, dj, task, {}, minute, key),
	jobUpdated: (dj: string, task: string, changeId: string, minute: number) => lastMile(LASTMILE_FACTS.JOB_UPDATED, dj, task, { changeId }, minute),
	pickupAccepted: (rma: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.RETURN_PICKUP_ACCEPTED, `RJ-${rma}`, task, { rma }, minute),
};

export const E = {
	cancelled: (reason: string, minute: number, key?: string) => fact(ERP_FACTS.ORDER_CANCELLED, { orderId: ORDER_ID, reason }, minute, "erp-sim", key),
	updated: (changeId: string, changes: object, minute: number, key?: string) => fact(ERP_FACTS.ORDER_UPDATED, { orderId: ORDER_ID, changeId, changes }, minute, "erp-sim", key),
	rma: (rma: string, lines: LineQuantity[], minute: number, key?: string) =>
		fact(ERP_FACTS.RETURN_AUTHORISED, { rma, orderId: ORDER_ID, reason: "damaged in transit", pickupFrom: SHIP_TO, warehouse: "WH1", lines }, minute, "erp-sim", key),
	invoicePosted: (lines: LineQuantity[], total: number, minute: number) =>
		fact(ERP_FACTS.INVOICE_POSTED, { kind: "invoice", documentId: "INV-1", orderId: ORDER_ID, currency: "EUR", lines: priced(lines), total, at: at(minute) }, minute, "erp-sim"),
	creditPosted: (rma: string, lines: LineQuantity[], total: number, minute: number, key?: string) =>
		fact(ERP_FACTS.CREDIT_NOTE_POSTED, { kind: "credit-note", documentId: `CN-${rma}`, orderId: ORDER_ID, currency: "EUR", lines: priced(lines), total, at: at(minute), rma }, minute, "erp-sim", key),
};

export const clock = (name: string, dueMinute: number, key?: string, caseId?: string) =>
	fact(WAYBILL_FACTS.CLOCK_ELAPSED, { orderId: ORDER_ID, clock: name, dueAt: at(dueMinute), ...(caseId ? { caseId } : {}) }, dueMinute, undefined, key);
export const caseClock = (caseId: string, dueAt: string) =>
	fact(WAYBILL_FACTS.CLOCK_ELAPSED, { orderId: ORDER_ID, clock: `case-${caseId}`, dueAt, caseId }, (Date.parse(dueAt) - Date.parse(at(0))) / 60_000);
export const reallocation = (warehouse: string, sku: string, reason: string, minute: number, key?: string) =>
	fact(WAYBILL_FACTS.REALLOCATION_REQUIRED, { orderId: ORDER_ID, warehouse, sku, reason, at: at(minute) }, minute, undefined, key);

/** The command envelope the saga runner publishes for an intent: `<orderId>:<step>:1` on the system's command channel. */
function commandEnvelope(command: CommandIntent, minute: number): Envelope {
	return createEnvelope({
		type: command.type, source: "waybill/saga", subject: ORDER_ID, correlationId: ORDER_ID, data: command.data, time: at(minute),
		schemaVersion: catalogueEntry(command.type)!.version, idempotencyKey: `${ORDER_ID}:${command.step}:1`, ...(command.partner ? { partner: command.partner } : {}),
	});
}

/** The stream bus gave up on a command: a `waybill.message.dead-lettered` fact carrying it and the partner's error. */
export function deadLetter(command: CommandIntent, error: string, minute: number, key?: string): Envelope {
	const system = systemOfCommand(command.type);
	return fact(WAYBILL_FACTS.MESSAGE_DEAD_LETTERED, {
		channel: COMMAND_CHANNEL_BY_SYSTEM[system], group: system, attempts: 8, failedAt: at(minute), error: { type: "PARTNER_REJECTED", message: error },
		orderId: ORDER_ID, ...(command.partner ? { partner: command.partner } : {}), messageType: command.type, message: commandEnvelope(command, minute - 1),
	}, minute, undefined, key);
}
