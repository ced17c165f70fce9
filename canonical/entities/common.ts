/** Building blocks shared by the entity schemas. */
export interface Address {
	name: string;
	line1: string;
	line2?: string;
	city: string;
	postalCode: string;
	country: string;
	region?: string;
	phone?: string;
	email?: string;
}

export const addressSchema = {
	type: "object",
	props: {
		name: { type: "string", min: 1, max: 200 },
		line1: { type: "string", min: 1, max: 200 },
		line2: { type: "string", optional: true, max: 200 },
		city: { type: "string", min: 1, max: 100 },
		postalCode: { type: "string", min: 1, max: 20 },
		country: { type: "string", pattern: /^[A-Z]{2}$/ },
		region: { type: "string", optional: true, max: 100 },
		phone: { type: "string", optional: true, max: 40 },
		email: { type: "email", optional: true },
	},
} as const;


/** ISO-8601 timestamps are kept as strings in messages; this checks they parse. */
export const isoTime = { type: "string", min: 10, max: 40, pattern: /^\d{4}-\d{2}-\d{2}T/ } as const;
export const optionalIsoTime = { ...isoTime, optional: true } as const;

export const windowSchema = {
	type: "object",
	optional: true,
	props: { from: isoTime, to: isoTime },
} as const;

export const skuSchema = { type: "string", min: 1, max: 64 } as const;
export const quantitySchema = { type: "number", integer: true, min: 0, max: 1_000_000 } as const;
export const idSchema = { type: "string", min: 1, max: 128 } as const;
export const currencySchema = { type: "string", pattern: /^[A-Z]{3}$/ } as const;

export interface LineQuantity {
	lineNo: number;
	sku: string;
	qty: number;
}

export const lineQuantitySchema = {
	type: "object",
	props: {
		lineNo: { type: "number", integer: true, min: 1 },
		sku: skuSchema,
		qty: quantitySchema,
	},
} as const;

export interface TimeWindow {
	from: string;
	to: string;
}
