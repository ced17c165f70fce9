import { addressSchema, idSchema, lineQuantitySchema, type Address, type LineQuantity } from "./common.ts";

export const FULFILLMENT_ORDER_VERSION = 1;

/** One per warehouse allocation of a sales order: what Waybill asks one WMS to ship. */
export interface FulfillmentOrder {
	fulfillmentOrderId: string;
	orderId: string;
	warehouse: string;
	partner: string;
	shipTo: Address;
	serviceLevel: string;
	lines: LineQuantity[];
	/** The WMS's own id, once it accepted the order. */
	partnerRef?: string;
}

export const fulfillmentOrderSchema = {
	$$strict: "remove",
	fulfillmentOrderId: idSchema,
	orderId: idSchema,
	warehouse: idSchema,
	partner: idSchema,
	shipTo: addressSchema,
	serviceLevel: { type: "string", min: 1, max: 32 },
	lines: { type: "array", min: 1, items: lineQuantitySchema },
	partnerRef: { type: "string", optional: true, max: 128 },
} as const;
