import { idSchema, isoTime, lineQuantitySchema, type LineQuantity } from "./common.ts";

export const SHIPMENT_VERSION = 1;

export interface ShipmentPackage {
	sscc?: string;
	trackingNumber?: string;
	weightKg?: number;
	dimensionsCm?: { length: number; width: number; height: number };
	lines: LineQuantity[];
}

/** Packages and their contents as the WMS manifested them. The WMS owns every field here. */
export interface Shipment {
	shipmentId: string;
	orderId: string;
	fulfillmentOrderId?: string;
	warehouse?: string;
	carrier?: string;
	trackingNumber?: string;
	shippedAt: string;
	packages: ShipmentPackage[];
	lines: LineQuantity[];
	handling?: string[];
}

export const shipmentPackageSchema = {
	type: "object",
	props: {
		sscc: { type: "string", optional: true, pattern: /^\d{18}$/ },
		trackingNumber: { type: "string", optional: true, max: 64 },
		weightKg: { type: "number", optional: true, min: 0 },
		dimensionsCm: {
			type: "object",
			optional: true,
			props: { length: "number|min:0", width: "number|min:0", height: "number|min:0" },
		},
		lines: { type: "array", items: lineQuantitySchema },
	},
} as const;

export const shipmentSchema = {
	$$strict: "remove",
	shipmentId: idSchema,
	orderId: idSchema,
	fulfillmentOrderId: { ...idSchema, optional: true },
	warehouse: { ...idSchema, optional: true },
	carrier: { type: "string", optional: true, max: 64 },
	trackingNumber: { type: "string", optional: true, max: 64 },
	shippedAt: isoTime,
	packages: { type: "array", items: shipmentPackageSchema },
	lines: { type: "array", min: 1, items: lineQuantitySchema },
	handling: { type: "array", optional: true, items: "string" },
} as const;
