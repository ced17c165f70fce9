import { randomUUID } from "node:crypto";
import { CHANNELS, ConcurrentUpdateError, dayWindow, newTraceparent, totalsOf, type ChannelName, type Envelope, type SettlementItem } from "../../../canonical/index.ts";
import type { PublishResult } from "../../../mixins/streams/stream-bus.ts";
import { chunkItemsKey, type SettlementBook, type SettlementChunk } from "./settlement-book.ts";
import { postCommand, reconcileCommand } from "./settlement-messages.ts";

export interface SettlementRunDeps {
	book: SettlementBook;
	itemsPerChunk: number;
	timeZone: string;
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
}

export interface SettlementRunResult {
	day: string;
	cutoff: string;
	/** Chunks of the day in all, and those this run cut. */
	chunks: number;
	newChunks: number;
	newItems: number;
	/** Chunks sent to the ERP now: the new ones and any earlier one not yet booked. */
	posting: number;
	/** Every chunk was already booked, so the day went straight to reconciliation. */
	reconciling: boolean;
}

/** Runs racing on one day: the loser re-reads and goes on after the winner's chunks. */
const MAX_RACES = 5;

/** New items in stored order, in chunks numbered on from `next`. */
export function cutChunks(day: string, items: SettlementItem[], next: number, cutoff: string, perChunk: number): Array<{ chunk: SettlementChunk; items: SettlementItem[] }> {
	const token = randomUUID();
	const out: Array<{ chunk: SettlementChunk; items: SettlementItem[] }> = [];
	for (let i = 0; i < items.length; i += perChunk) {
		const part = items.slice(i, i + perChunk);
		const number = next + out.length;
		out.push({ chunk: { day, chunk: number, cutoff, itemsKey: chunkItemsKey(day, number, token), ...totalsOf(part) }, items: part });
	}
	return out;
}

/**
 * A settlement run for a day: every journalled money fact of the day stored by `cutoff` that no
 * chunk holds yet is cut into new chunks (write-once, numbered after the existing ones), and
 * every chunk the ERP has not booked is sent to it on the batch lane, keyed by day and chunk.
 * A rerun therefore posts only what is new, and a chunk is booked once however often it is
 * sent. With nothing left to book, the day is reconciled (unless `reconcileWhenSettled` is off:
 * a reconciliation asking for the run itself).
 */
export async function runSettlement(deps: SettlementRunDeps, day: string, cutoff: Date, options: { reconcileWhenSettled?: boolean; cause?: Envelope } = {}): Promise<SettlementRunResult> {
	const window = dayWindow(day, deps.timeZone);
	const cut = cutoff.toISOString();
	for (let race = 0; race < MAX_RACES; race++) {
		const existing = await deps.book.chunks(day);
		const assigned = new Set<string>();
		for (const chunk of existing) for (const item of await deps.book.itemsOf(chunk)) assigned.add(item.id);
		const fresh = (await deps.book.journalled(window.from, window.to))
			.filter((item) => !assigned.has(item.id) && Date.parse(item.storedAt) <= cutoff.getTime())
			.sort((a, b) => a.storedAt.localeCompare(b.storedAt) || a.id.localeCompare(b.id));
		const added = cutChunks(day, fresh, existing.length + 1, cut, deps.itemsPerChunk);
		let claimed = true;
		for (const { chunk, items } of added) if (!(claimed = await deps.book.addChunk(chunk, items))) break;
		if (!claimed) continue;
		const all = [...existing, ...added.map((a) => a.chunk)];
		const posted = await deps.book.posted(day, all.length);
		const unposted = all.filter((_, i) => !posted[i]);
		const newItems = new Map(added.map((a) => [a.chunk.chunk, a.items]));
		// A run is one trace: its chunks, their bookings and the reconciliation.
		const traceparent = options.cause?.traceparent ?? newTraceparent();
		for (const chunk of unposted) {
			await deps.publish(CHANNELS.BATCH_SETTLEMENT, postCommand(chunk, newItems.get(chunk.chunk) ?? (await deps.book.itemsOf(chunk)), traceparent));
		}
		const reconciling = unposted.length === 0 && options.reconcileWhenSettled !== false;
		if (reconciling) await deps.publish(CHANNELS.BATCH_SETTLEMENT, reconcileCommand(day, latest(cut, all), all.length, { causationId: options.cause?.id, traceparent }));
		return { day, cutoff: cut, chunks: all.length, newChunks: added.length, newItems: fresh.length, posting: unposted.length, reconciling };
	}
	throw new ConcurrentUpdateError(`settlement:${day}`);
}

/** The latest cut-off among a day's chunks and this run's. */
export function latest(cutoff: string, chunks: ReadonlyArray<{ cutoff: string }>): string {
	return chunks.reduce((max, c) => (c.cutoff > max ? c.cutoff : max), cutoff);
}
