import {
	BATCH_COMMANDS, ERP_COMMANDS, SETTLEMENT_BATCH_VERSION, WAYBILL_FACTS, createEnvelope, type Envelope, type SettlementItem, type SettlementSummary,
} from "../../../canonical/index.ts";
import type { SettlementDifference } from "../../../canonical/settlement.ts";
import type { SettlementChunk } from "./settlement-book.ts";

const SOURCE = "waybill/batch";

/** One day is one subject: its chunks share a partition of the batch lane and are posted in order. */
export const settlementSubject = (day: string) => `settlement:${day}`;

export interface SettlementReconciliation {
	day: string;
	cutoff: string;
	chunks: number;
	matched: boolean;
	batch: SettlementSummary;
	erp: SettlementSummary;
	ledger: SettlementSummary;
	differences: SettlementDifference[];
	at: string;
}

/** The chunk as the ERP command; its key (day and chunk) is what the ERP books it under, once. */
export function postCommand(chunk: SettlementChunk, items: SettlementItem[], traceparent?: string): Envelope {
	return createEnvelope({
		type: ERP_COMMANDS.POST_SETTLEMENT_BATCH,
		source: SOURCE,
		subject: settlementSubject(chunk.day),
		data: { day: chunk.day, chunk: chunk.chunk, cutoff: chunk.cutoff, items, count: chunk.count, totals: chunk.totals },
		schemaVersion: SETTLEMENT_BATCH_VERSION,
		idempotencyKey: `settlement:${chunk.day}:${chunk.chunk}`,
		...(traceparent ? { traceparent } : {}),
	});
}

/** Reconcile the day once its `chunks` are booked; a later run (more chunks, a later cut-off) is another reconciliation. */
export function reconcileCommand(day: string, cutoff: string, chunks: number, trace: { causationId?: string; traceparent?: string } = {}): Envelope {
	return createEnvelope({
		type: BATCH_COMMANDS.RECONCILE_SETTLEMENT,
		source: SOURCE,
		subject: settlementSubject(day),
		data: { day, cutoff, chunks },
		schemaVersion: SETTLEMENT_BATCH_VERSION,
		idempotencyKey: `settlement:${day}:reconcile:${chunks}:${cutoff}`,
		...(trace.causationId ? { causationId: trace.causationId } : {}),
		...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
	});
}

export function reconciledFact(result: SettlementReconciliation, cause: Envelope): Envelope {
	return createEnvelope({
		type: WAYBILL_FACTS.SETTLEMENT_RECONCILED,
		source: SOURCE,
		subject: settlementSubject(result.day),
		data: result,
		schemaVersion: SETTLEMENT_BATCH_VERSION,
		causationId: cause.id,
		idempotencyKey: `settlement:${result.day}:reconciled:${result.chunks}:${result.cutoff}`,
		...(cause.traceparent ? { traceparent: cause.traceparent } : {}),
	});
}

