import { addressSchema, currencySchema, idSchema, quantitySchema, skuSchema, windowSchema, type Address, type TimeWindow } from "./common.ts";

export const SALES_ORDER_VERSION = 1;

export const SERVICE_LEVELS = ["standard", "express", "same-day", "scheduled"] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

export interface SalesOrderLine {
	lineNo: number;
	sku: string;
	description?: string;
	qty: number;
	unitPrice: number;
}

/** The order as the ERP released it. The ERP owns every field here. */
export interface SalesOrder {
	orderId: string;
	customer: { id: string; name: string; email?: string; phone?: string };
	shipTo: Address;
	lines: SalesOrderLine[];
	currency: string;
	orderValue: number;
	serviceLevel: ServiceLevel;
	requestedWindow?: TimeWindow;
	region?: string;
	/** A routing hint from the ERP; the routing rule decides when absent. */
	warehouse?: string;
}

export const salesOrderLineSchema = {
	type: "object",
	props: {
		lineNo: { type: "number", integer: true, min: 1, max: 9999 },
		sku: skuSchema,
		description: { type: "string", optional: true, max: 500 },
		qty: { ...quantitySchema, min: 1 },
		unitPrice: { type: "number", min: 0, max: 10_000_000 },
	},
} as const;

export const salesOrderSchema = {
	$$strict: "remove",
	orderId: { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9._:-]+$/ },
	customer: {
		type: "object",
		props: {
			id: idSchema,
			name: { type: "string", min: 1, max: 200 },
			email: { type: "email", optional: true },
			phone: { type: "string", optional: true, max: 40 },
		},
	},
	shipTo: addressSchema,
	lines: { type: "array", min: 1, max: 500, items: salesOrderLineSchema },
	currency: currencySchema,
	orderValue: { type: "number", min: 0 },
	serviceLevel: { type: "enum", values: [...SERVICE_LEVELS] },
	requestedWindow: windowSchema,
	region: { type: "string", optional: true, max: 64 },
	warehouse: { type: "string", optional: true, max: 64 },
} as const;
