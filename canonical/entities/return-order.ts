import { addressSchema, idSchema, lineQuantitySchema, type Address, type LineQuantity } from "./common.ts";

export const RETURN_ORDER_VERSION = 1;

/** A return authorised by the ERP (RMA), picked up by last-mile, received by the WMS. */
export interface ReturnOrder {
	rma: string;
	orderId: string;
	reason: string;
	pickupFrom: Address;
	warehouse: string;
	lines: LineQuantity[];
	disposition?: "restock" | "refurbish" | "scrap" | "quarantine";
}

export const returnOrderSchema = {
	$$strict: "remove",
	rma: idSchema,
	orderId: idSchema,
	reason: { type: "string", min: 1, max: 500 },
	pickupFrom: addressSchema,
	warehouse: idSchema,
	lines: { type: "array", min: 1, items: lineQuantitySchema },
	disposition: { type: "enum", optional: true, values: ["restock", "refurbish", "scrap", "quarantine"] },
} as const;
