import { idSchema, isoTime, quantitySchema, skuSchema } from "./common.ts";

export const INVENTORY_POSITION_VERSION = 1;

/** Stock of one SKU in one warehouse, as the WMS reports it (the WMS owns it). */
export interface InventoryPosition {
	sku: string;
	warehouse: string;
	onHand: number;
	allocated: number;
	available: number;
	asOf: string;
}

export const inventoryPositionSchema = {
	$$strict: "remove",
	sku: skuSchema,
	warehouse: idSchema,
	onHand: quantitySchema,
	allocated: quantitySchema,
	available: { type: "number", integer: true },
	asOf: isoTime,
} as const;
