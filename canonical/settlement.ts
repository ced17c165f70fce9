import { DateTime } from "luxon";
import type { Envelope } from "./envelope.ts";
import { ERP_FACTS, LASTMILE_FACTS } from "./message-types.ts";
import { SETTLEMENT_KINDS, dayPattern, type SettlementItem, type SettlementKind, type SettlementSummary, type SettlementTotal } from "./entities/settlement-batch.ts";

/**
 * Settlement arithmetic both record keepers share, so the batch and the ledger read a fact the
 * same way: which facts settle, what they are worth, which day they belong to, and their totals.
 * Sums are kept in thousandths (integers): a currency has at most three decimals, and float sums
 * of thousands of amounts would otherwise differ in the last digit between two honest records.
 */
const KIND_BY_TYPE: Readonly<Record<string, SettlementKind>> = {
	[ERP_FACTS.INVOICE_POSTED]: "invoice",
	[ERP_FACTS.CREDIT_NOTE_POSTED]: "credit-note",
	[LASTMILE_FACTS.FREIGHT_INVOICED]: "freight",
};

export const SETTLEMENT_FACT_TYPES: ReadonlySet<string> = new Set(Object.keys(KIND_BY_TYPE));

export const toMilli = (amount: number): number => Math.round(amount * 1_000);
const fromMilli = (milli: number): number => milli / 1_000;

interface Posted {
	orderId: string;
	currency: string;
	total?: number;
	at: string;
	documentId?: string;
	invoiceNumber?: string;
	charges?: Array<{ amount: number }>;
}

/** The settlement item a fact is, or undefined for a fact that moves no money. */
export function settlementItemOf(envelope: Envelope, storedAt: string): SettlementItem | undefined {
	const kind = Object.hasOwn(KIND_BY_TYPE, envelope.type) ? KIND_BY_TYPE[envelope.type] : undefined;
	if (!kind) return undefined;
	const data = envelope.data as Posted;
	// A freight bill whose total was not given is the sum of its charges.
	const amount = typeof data.total === "number" ? data.total : fromMilli((data.charges ?? []).reduce((sum, c) => sum + toMilli(c.amount), 0));
	const documentId = data.documentId ?? data.invoiceNumber;
	return { id: envelope.id, kind, ...(documentId ? { documentId } : {}), orderId: data.orderId, currency: data.currency, amount, at: data.at, storedAt };
}

/** Count and sum per kind and currency, in a stable order (kind as listed, then currency). */
export function totalsOf(items: ReadonlyArray<Pick<SettlementItem, "kind" | "currency" | "amount">>): SettlementSummary {
	return merge(items.map((i) => ({ kind: i.kind, currency: i.currency, count: 1, amount: i.amount })));
}

/** Several summaries (the chunks of a day) as one. */
export function mergeSummaries(summaries: ReadonlyArray<SettlementSummary>): SettlementSummary {
	return merge(summaries.flatMap((s) => s.totals));
}

function merge(totals: ReadonlyArray<SettlementTotal>): SettlementSummary {
	const byKey = new Map<string, { kind: SettlementKind; currency: string; count: number; milli: number }>();
	for (const t of totals) {
		const key = `${t.kind}|${t.currency}`;
		const sum = byKey.get(key) ?? { kind: t.kind, currency: t.currency, count: 0, milli: 0 };
		sum.count += t.count;
		sum.milli += toMilli(t.amount);
		byKey.set(key, sum);
	}
	const order = (kind: SettlementKind) => SETTLEMENT_KINDS.indexOf(kind);
	const sorted = [...byKey.values()].sort((a, b) => order(a.kind) - order(b.kind) || a.currency.localeCompare(b.currency));
	return {
		count: sorted.reduce((n, t) => n + t.count, 0),
		totals: sorted.map((t) => ({ kind: t.kind, currency: t.currency, count: t.count, amount: fromMilli(t.milli) })),
	};
}

export interface SettlementDifference {
	kind: SettlementKind;
	currency: string;
	batch: { count: number; amount: number };
	erp: { count: number; amount: number };
	ledger: { count: number; amount: number };
}

/** Every kind and currency where the batch, the ERP's bookings and the ledger disagree on count or sum; none when they match. */
export function differencesOf(records: { batch: SettlementSummary; erp: SettlementSummary; ledger: SettlementSummary }): SettlementDifference[] {
	const keys = mergeSummaries([records.batch, records.erp, records.ledger]).totals;
	const find = (s: SettlementSummary, k: SettlementTotal) => {
		const t = s.totals.find((x) => x.kind === k.kind && x.currency === k.currency);
		return { count: t?.count ?? 0, amount: t?.amount ?? 0 };
	};
	return keys
		.map((k) => ({ kind: k.kind, currency: k.currency, batch: find(records.batch, k), erp: find(records.erp, k), ledger: find(records.ledger, k) }))
		.filter((d) => !(sameSum(d.batch, d.erp) && sameSum(d.batch, d.ledger)));
}

const sameSum = (a: { count: number; amount: number }, b: { count: number; amount: number }) => a.count === b.count && toMilli(a.amount) === toMilli(b.amount);

/** The settlement day of a business time, in the settlement time zone. */
export function settlementDayOf(at: string | number, timeZone: string): string {
	const time = typeof at === "number" ? DateTime.fromMillis(at, { zone: timeZone }) : DateTime.fromISO(at, { zone: timeZone });
	return time.toISODate()!;
}

/** A day as epoch milliseconds: from its first instant, up to (not including) the next day's. */
export function dayWindow(day: string, timeZone: string): { from: number; to: number } {
	if (!dayPattern.test(day)) throw new RangeError(`a settlement day is YYYY-MM-DD; got '${day}'`);
	const start = DateTime.fromISO(day, { zone: timeZone }).startOf("day");
	if (!start.isValid) throw new RangeError(`'${day}' is not a day in time zone '${timeZone}'`);
	return { from: start.toMillis(), to: start.plus({ days: 1 }).toMillis() };
}
