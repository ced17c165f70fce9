import { CHANNELS, type ChannelName, type Envelope, type SettlementSummary, type SettlementTotal } from "../../../canonical/index.ts";
import type { PartnerEntry } from "../../../config/partner-registry.ts";
import type { PublishResult } from "../../../mixins/streams/stream-bus.ts";
import { hopTraceparent } from "../../../mixins/tracing/hop-span.ts";
import type { BatchPartners } from "../partner-sender.ts";
import type { PostedChunk, SettlementBook } from "./settlement-book.ts";
import { reconcileCommand } from "./settlement-messages.ts";
import { partnerAnswerFact } from "../../../mixins/partner-answer.ts";
import { latest } from "./settlement-run.ts";

export interface SettlementPostDeps {
	book: SettlementBook;
	partners: BatchPartners;
	/** The ERP of record: settlement goes to the system that owns money. */
	erp(): PartnerEntry;
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
}

interface ChunkCommand extends SettlementSummary {
	day: string;
	chunk: number;
}

/**
 * Posts one chunk to the ERP with its key (`settlement:<day>:<chunk>`: booked once however often
 * it is sent), keeps what the ERP says it booked, publishes that as the ERP's fact, and, when it
 * was the day's last unbooked chunk, asks for the day's reconciliation. A failure is retried by
 * the batch lane's redelivery, held while the ERP's circuit is open.
 */
export async function postChunk(deps: SettlementPostDeps, command: Envelope): Promise<void> {
	const chunk = command.data as ChunkCommand;
	const erp = deps.erp();
	const answer = await deps.partners.send(erp, command.type, chunk, command.idempotencykey, hopTraceparent(command.traceparent));
	// A profile that maps no answer: the ERP took the chunk as it was sent.
	const booked = (answer?.data ?? { batchRef: "", count: chunk.count, totals: chunk.totals }) as { batchRef: string; count: number; totals: SettlementTotal[] };
	if (answer) await deps.publish(CHANNELS.EVENTS, partnerAnswerFact(answer, command, "erp", erp.partner));
	const posted: PostedChunk = { batchRef: booked.batchRef, count: booked.count, totals: booked.totals, at: new Date().toISOString() };
	await deps.book.markPosted(chunk.day, chunk.chunk, posted);
	const chunks = await deps.book.chunks(chunk.day);
	const all = await deps.book.posted(chunk.day, chunks.length);
	// Whichever chunk is booked last asks; two asking at once ask with the same id, which the stream keeps once.
	if (all.every(Boolean)) {
		const cutoff = latest(chunks[0]?.cutoff ?? new Date(0).toISOString(), chunks);
		await deps.publish(CHANNELS.BATCH_SETTLEMENT, reconcileCommand(chunk.day, cutoff, chunks.length, { causationId: command.id, traceparent: command.traceparent }));
	}
}
