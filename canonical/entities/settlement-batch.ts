import { currencySchema, idSchema, isoTime } from "./common.ts";

export const SETTLEMENT_BATCH_VERSION = 1;

/** Items per settlement chunk at most: one ERP call each. */
export const MAX_SETTLEMENT_CHUNK_ITEMS = 2_000;

/** What a day's settlement carries: receivables (invoices), their credits, and carriers' freight bills. */
export const SETTLEMENT_KINDS = ["invoice", "credit-note", "freight"] as const;
export type SettlementKind = (typeof SETTLEMENT_KINDS)[number];

/** One settlement fact, as the batch and the ledger each record it: amounts as posted, never netted. */
export interface SettlementItem {
	/** The id of the fact's message: one fact is one item, however often it was delivered. */
	id: string;
	kind: SettlementKind;
	documentId?: string;
	orderId: string;
	currency: string;
	amount: number;
	/** When it was posted at its source (the business time that names its day). */
	at: string;
	/** When its stream stored it: what a run's cut-off is compared with. */
	storedAt: string;
}

/** Count and sum of one kind in one currency. */
export interface SettlementTotal {
	kind: SettlementKind;
	currency: string;
	count: number;
	amount: number;
}

export interface SettlementSummary {
	count: number;
	totals: SettlementTotal[];
}

/** A settlement day: YYYY-MM-DD in the settlement time zone. */
export const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const daySchema = { type: "string", pattern: dayPattern } as const;

const totalSchema = {
	type: "object",
	props: {
		kind: { type: "enum", values: [...SETTLEMENT_KINDS] },
		currency: currencySchema,
		count: { type: "number", integer: true, min: 0 },
		amount: { type: "number" },
	},
} as const;

const summaryProps = {
	count: { type: "number", integer: true, min: 0 },
	totals: { type: "array", max: 1_000, items: totalSchema },
} as const;

const summarySchema = { type: "object", props: summaryProps } as const;

const itemSchema = {
	type: "object",
	props: {
		id: idSchema,
		kind: { type: "enum", values: [...SETTLEMENT_KINDS] },
		documentId: { ...idSchema, optional: true },
		orderId: idSchema,
		currency: currencySchema,
		amount: { type: "number" },
		at: isoTime,
		storedAt: isoTime,
	},
} as const;

/** erp.settlement-batch.post: chunk `chunk` of `day`, facts stored up to `cutoff`, with its own totals. */
export const settlementBatchPostSchema = {
	$$strict: "remove",
	day: daySchema,
	chunk: { type: "number", integer: true, min: 1 },
	cutoff: isoTime,
	items: { type: "array", min: 1, max: MAX_SETTLEMENT_CHUNK_ITEMS, items: itemSchema },
	...summaryProps,
} as const;

/** erp.settlement-batch.posted: what the ERP booked for a chunk. */
export const settlementBatchPostedSchema = {
	$$strict: "remove",
	day: daySchema,
	chunk: { type: "number", integer: true, min: 1 },
	batchRef: { type: "string", min: 1, max: 128 },
	...summaryProps,
} as const;

/** waybill.settlement.reconcile: check `day` once its `chunks` are booked (none: a day without money facts, still checked against the ledger). */
export const settlementReconcileSchema = {
	$$strict: "remove",
	day: daySchema,
	cutoff: isoTime,
	chunks: { type: "number", integer: true, min: 0 },
} as const;

/** waybill.settlement.reconciled: the day's batch, the ERP's bookings and the ledger, side by side. */
export const settlementReconciledSchema = {
	$$strict: "remove",
	day: daySchema,
	cutoff: isoTime,
	chunks: { type: "number", integer: true, min: 0 },
	matched: "boolean",
	batch: summarySchema,
	erp: summarySchema,
	ledger: summarySchema,
	/** Per kind and currency where the three disagree. */
	differences: {
		type: "array",
		max: 1_000,
		items: {
			type: "object",
			props: { kind: { type: "enum", values: [...SETTLEMENT_KINDS] }, currency: currencySchema, batch: "object", erp: "object", ledger: "object" },
		},
	},
	at: isoTime,
} as const;
