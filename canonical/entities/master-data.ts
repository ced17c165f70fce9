import { addressSchema, idSchema, skuSchema, type Address } from "./common.ts";

export const MASTER_DATA_VERSION = 1;

/** Records per chunk message at most: one partner call each, and well under the streams' message size. */
export const MAX_CHUNK_RECORDS = 1_000;

export const MASTER_DATA_KINDS = ["products", "customers"] as const;
export type MasterDataKind = (typeof MASTER_DATA_KINDS)[number];

/**
 * A SKU of the ERP's product master, as warehouses need it for their item master: what it is,
 * how big and heavy one unit is, and whether it is dangerous goods. The ERP owns it. Nominal
 * unit weight and size, not the measured packages the WMS owns (`weightKg`, `dimensionsCm`).
 */
export interface ProductRecord {
	sku: string;
	description: string;
	/** Unit of measure: each, case, pallet... */
	uom?: string;
	gtin?: string;
	weight?: { value: number; unit: "kg" | "lb" };
	dimensions?: { length: number; width: number; height: number; unit: "cm" | "in" };
	hazmat: boolean;
	/** Dangerous goods: UN number (UN1993) and hazard class (3), required when `hazmat`. */
	unNumber?: string;
	hazardClass?: string;
	countryOfOrigin?: string;
	hsCode?: string;
}

/** A customer of the ERP with its addresses, as last-mile platforms keep recipients. The ERP owns it. */
export interface CustomerRecord {
	customerId: string;
	name: string;
	email?: string;
	phone?: string;
	addresses: Array<{ addressId: string; type: "ship-to" | "bill-to"; isDefault?: boolean; address: Address }>;
	/** Standing delivery instructions (gate code, leave with neighbour). */
	deliveryNotes?: string;
}

const positive = { type: "number", positive: true, max: 100_000 } as const;

export const productRecordSchema = {
	type: "object",
	props: {
		sku: skuSchema,
		description: { type: "string", min: 1, max: 500 },
		uom: { type: "string", optional: true, min: 1, max: 16 },
		gtin: { type: "string", optional: true, pattern: /^\d{8,14}$/ },
		weight: { type: "object", optional: true, props: { value: positive, unit: { type: "enum", values: ["kg", "lb"] } } },
		dimensions: { type: "object", optional: true, props: { length: positive, width: positive, height: positive, unit: { type: "enum", values: ["cm", "in"] } } },
		hazmat: "boolean",
		unNumber: { type: "string", optional: true, pattern: /^UN\d{4}$/ },
		hazardClass: { type: "string", optional: true, min: 1, max: 8 },
		countryOfOrigin: { type: "string", optional: true, pattern: /^[A-Z]{2}$/ },
		hsCode: { type: "string", optional: true, pattern: /^\d{6,10}$/ },
	},
} as const;

/**
 * Dangerous goods without their UN number cannot be stored or carried lawfully: refused with the
 * record's index, here rather than at the dock. On the list, because an item's own check is not told its index.
 */
function hazmatNeedsUnNumber(records: ProductRecord[], errors: unknown[], _schema: unknown, path?: string): ProductRecord[] {
	if (Array.isArray(records)) {
		records.forEach((r, i) => {
			if (r?.hazmat === true && !r.unNumber) errors.push({ type: "required", field: `${path && path !== "$$root" ? path : ""}[${i}].unNumber`, actual: r.unNumber, message: "a hazmat product needs its UN number" });
		});
	}
	return records;
}

/** A list of products, as a root schema (the intake checks a submitted part with it). */
export const productListSchema = { $$root: true, type: "array", min: 1, items: productRecordSchema, custom: hazmatNeedsUnNumber } as const;

export const customerRecordSchema = {
	type: "object",
	props: {
		customerId: idSchema,
		name: { type: "string", min: 1, max: 200 },
		email: { type: "email", optional: true },
		phone: { type: "string", optional: true, max: 40 },
		addresses: {
			type: "array",
			min: 1,
			max: 50,
			items: {
				type: "object",
				props: { addressId: idSchema, type: { type: "enum", values: ["ship-to", "bill-to"] }, isDefault: { type: "boolean", optional: true }, address: addressSchema },
			},
		},
		deliveryNotes: { type: "string", optional: true, max: 500 },
	},
} as const;

/** Which chunk of which submission: a batch is submitted in parts, each split into chunks. */
const chunkRef = {
	batchId: { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9._:-]+$/ },
	part: { type: "number", integer: true, min: 1, max: 100_000 },
	chunk: { type: "number", integer: true, min: 1, max: 100_000 },
	chunks: { type: "number", integer: true, min: 1, max: 100_000 },
} as const;

export interface MasterDataChunk<T> {
	batchId: string;
	part: number;
	chunk: number;
	/** Chunks in this part (for this partner). */
	chunks: number;
	records: T[];
}

export const itemMasterUpsertSchema = {
	$$strict: "remove",
	...chunkRef,
	records: { type: "array", min: 1, max: MAX_CHUNK_RECORDS, items: productRecordSchema, custom: hazmatNeedsUnNumber },
} as const;

export const recipientsUpsertSchema = {
	$$strict: "remove",
	...chunkRef,
	records: { type: "array", min: 1, max: MAX_CHUNK_RECORDS, items: customerRecordSchema },
} as const;
