import type { ValidationSchema } from "fastest-validator";
import { SchemaInvalidError } from "../../canonical/index.ts";
import type { LedgerEntry } from "./ledger-entry.ts";
import type { LedgerStore } from "./ledger.store.ts";

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;

export interface LedgerQueryParams {
	correlationId?: string;
	partner?: string;
	/** ISO 8601 times, inclusive, compared with each entry's recordedAt. */
	from?: string;
	to?: string;
	limit?: number;
}

export const ledgerQuerySchema = {
	correlationId: { type: "string", min: 1, max: 256, optional: true },
	partner: { type: "string", min: 1, max: 128, optional: true },
	from: { type: "string", min: 10, max: 64, optional: true },
	to: { type: "string", min: 10, max: 64, optional: true },
	limit: { type: "number", integer: true, min: 1, max: MAX_QUERY_LIMIT, optional: true, convert: true },
} satisfies ValidationSchema<LedgerQueryParams>;

export interface LedgerQueryResult {
	count: number;
	/** More entries matched than `limit`: narrow the time range, or move `to` to the oldest entry shown. */
	truncated: boolean;
	entries: LedgerEntry[];
}

/** Runs a query from its wire form: times are checked here, so a bad one is a 400 naming the field, not an empty answer. */
export async function runQuery(ledger: LedgerStore, params: LedgerQueryParams): Promise<LedgerQueryResult> {
	const from = timeOf("from", params.from);
	const to = timeOf("to", params.to);
	if (from !== undefined && to !== undefined && from > to) throw new SchemaInvalidError("ledger query", [{ field: "from", message: "must not be after 'to'" }]);
	const { entries, truncated } = await ledger.query({
		...(params.correlationId ? { correlationId: params.correlationId } : {}),
		...(params.partner ? { partner: params.partner } : {}),
		...(from !== undefined ? { from } : {}),
		...(to !== undefined ? { to } : {}),
		limit: params.limit ?? DEFAULT_QUERY_LIMIT,
	});
	return { count: entries.length, truncated, entries };
}

function timeOf(field: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const ms = Date.parse(value);
	if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new SchemaInvalidError("ledger query", [{ field, message: "must be an ISO 8601 time, e.g. 2026-05-01T00:00:00Z" }]);
	return ms;
}
