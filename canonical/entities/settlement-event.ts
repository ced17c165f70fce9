import { currencySchema, idSchema, isoTime, quantitySchema, skuSchema } from "./common.ts";

export const SETTLEMENT_EVENT_VERSION = 1;

export interface InvoiceLine {
	lineNo: number;
	sku: string;
	qty: number;
	unitPrice: number;
}

/** Money moving for an order: an invoice or a credit note. The ERP owns it. */
export interface SettlementEvent {
	kind: "invoice" | "credit-note";
	documentId?: string;
	orderId: string;
	currency: string;
	lines: InvoiceLine[];
	total: number;
	at: string;
	/** The return a credit note settles. */
	rma?: string;
}

export const invoiceLineSchema = {
	type: "object",
	props: {
		lineNo: { type: "number", integer: true, min: 1 },
		sku: skuSchema,
		qty: quantitySchema,
		unitPrice: { type: "number", min: 0 },
	},
} as const;

export const settlementEventSchema = {
	$$strict: "remove",
	kind: { type: "enum", values: ["invoice", "credit-note"] },
	documentId: { ...idSchema, optional: true },
	orderId: idSchema,
	currency: currencySchema,
	lines: { type: "array", min: 1, items: invoiceLineSchema },
	total: { type: "number" },
	at: isoTime,
	rma: { ...idSchema, optional: true },
} as const;
