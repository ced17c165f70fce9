import type { ValidationSchema } from "fastest-validator";
import { MASTER_DATA_KINDS, dayPattern, type MasterDataKind } from "../../canonical/index.ts";
import type { SettlementBook } from "./settlement/settlement-book.ts";

/** Request schemas of the batch service's actions (checked by the broker before the action runs). */
export const runSettlementParams = {
	day: { type: "string", optional: true, pattern: dayPattern },
} satisfies ValidationSchema<{ day?: string }>;

export const settlementStatusParams = runSettlementParams;

export const masterDataParams = {
	kind: { type: "enum", values: [...MASTER_DATA_KINDS] },
	batchId: { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9._:-]+$/ },
	part: { type: "number", integer: true, min: 1, max: 100_000, optional: true, convert: true },
	// Each record is checked against its kind's schema by the intake, which names the ones that fail.
	records: { type: "array", min: 1, max: 100_000 },
} satisfies ValidationSchema<{ kind: MasterDataKind; batchId: string; part?: number; records: unknown[] }>;

/** A day's chunks (without their items), what the ERP booked of each, and the last reconciliation. */
export async function settlementStatus(book: SettlementBook, day: string, nextDailyRun: number | undefined) {
	const chunks = await book.chunks(day);
	const booked = await book.posted(day, chunks.length);
	return {
		day,
		chunks: chunks.map(({ itemsKey: _items, day: _day, ...chunk }, i) => ({ ...chunk, booked: booked[i] ?? null })),
		booked: booked.filter(Boolean).length,
		reconciliation: (await book.reconciliation(day)) ?? null,
		nextDailyRun: nextDailyRun === undefined ? null : new Date(nextDailyRun).toISOString(),
	};
}
