import { CHANNELS, dayWindow, differencesOf, mergeSummaries, type ChannelName, type Envelope, type SettlementSummary } from "../../../canonical/index.ts";
import type { Delivery, PublishResult } from "../../../mixins/streams/stream-bus.ts";
import type { SettlementBook } from "./settlement-book.ts";
import { reconciledFact, type SettlementReconciliation } from "./settlement-messages.ts";
import { latest, type SettlementRunResult } from "./settlement-run.ts";
import { ReconciliationPendingError } from "./reconciliation-pending.error.ts";

export interface SettlementReconcileDeps {
	book: SettlementBook;
	timeZone: string;
	reconcileWaitMs: number;
	/** The ledger's count and sums of the day's money facts stored by `storedTo` (ISO times). */
	ledgerTotals(window: { from: string; to: string; storedTo: string }): Promise<SettlementSummary>;
	/** A run of the day that posts what the journal holds beyond the chunks, without reconciling again. */
	settle(day: string, cutoff: Date, cause: Envelope): Promise<SettlementRunResult>;
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
}

interface ReconcileCommand {
	day: string;
	cutoff: string;
	chunks: number;
}

/**
 * The day's batch (the chunks' totals), what the ERP booked (its answers) and the ledger's own
 * record of the same facts (stored by the same cut-off), compared per kind and currency by count
 * and sum. While they differ, the cause may be a keeper that is behind: journalled facts no chunk
 * holds yet are settled first (a new chunk, whose booking reconciles again), and otherwise the
 * check is retried until SETTLEMENT_RECONCILE_WAIT_MS. What still differs then is a mismatch:
 * `waybill.settlement.reconciled` with matched false, which the saga turns into finance's case.
 */
export async function reconcileDay(deps: SettlementReconcileDeps, command: Envelope, delivery: Delivery): Promise<SettlementReconciliation | undefined> {
	const { day, cutoff: asked, chunks: expected } = command.data as ReconcileCommand;
	const chunks = await deps.book.chunks(day);
	// A later run added chunks: their booking asks again, with every chunk in view.
	if (chunks.length > expected) return undefined;
	const posted = await deps.book.posted(day, chunks.length);
	if (posted.some((p) => !p)) return undefined;
	const cutoff = latest(asked, chunks);
	const window = dayWindow(day, deps.timeZone);
	const batch = mergeSummaries(chunks);
	const erp = mergeSummaries(posted as SettlementSummary[]);
	const ledger = await deps.ledgerTotals({ from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), storedTo: cutoff });
	const differences = differencesOf({ batch, erp, ledger });
	if (differences.length > 0) {
		const run = await deps.settle(day, new Date(cutoff), command);
		if (run.newChunks > 0) return undefined;
		const waited = Date.now() - Date.parse(delivery.storedAt);
		if (waited < deps.reconcileWaitMs) throw new ReconciliationPendingError(day, differences.length, Math.max(1_000, Math.round(deps.reconcileWaitMs / 40)));
	}
	const result: SettlementReconciliation = { day, cutoff, chunks: chunks.length, matched: differences.length === 0, batch, erp, ledger, differences, at: new Date().toISOString() };
	await deps.publish(CHANNELS.EVENTS, reconciledFact(result, command));
	await deps.book.saveReconciliation(day, result);
	return result;
}
