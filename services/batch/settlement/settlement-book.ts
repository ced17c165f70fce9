import { SETTLEMENT_FACT_TYPES, settlementItemOf, type Envelope, type SettlementItem, type SettlementSummary } from "../../../canonical/index.ts";
import type { Store } from "../../../mixins/store/store.ts";

/** A chunk of a day's settlement: immutable once claimed, numbered from 1 in the order runs assigned them. */
export interface SettlementChunk extends SettlementSummary {
	day: string;
	chunk: number;
	/** The run that assigned it took facts stored up to here. */
	cutoff: string;
	/** Where its items are: written by the run that claimed the number, under that run's own token. */
	itemsKey: string;
}

/** What the ERP booked for a chunk (its answer). */
export type PostedChunk = SettlementSummary & { batchRef: string; at: string };

const JOURNAL = "settlement:journal:by-time";
const journalItem = (id: string) => `settlement:journal:item:${id}`;
const chunkKey = (day: string, chunk: number) => `settlement:chunk:${day}:${chunk}`;
export const chunkItemsKey = (day: string, chunk: number, token: string) => `settlement:chunk-items:${day}:${chunk}:${token}`;
const postedKey = (day: string, chunk: number) => `settlement:posted:${day}:${chunk}`;
const reconciledKey = (day: string) => `settlement:reconciled:${day}`;
const PAGE = 1_000;
const PROBE = 32;

/**
 * The batch service's settlement records in the store: a journal of every money fact as it
 * happened (read off `events` by its own consumer group), the chunks each day was cut into, what
 * the ERP booked for each, and the last reconciliation. Every write is idempotent or write-once,
 * so a redelivered fact, a rerun or two runs racing cannot post an item twice.
 */
export class SettlementBook {
	constructor(private readonly store: Store) {}

	/** Journals a money fact (idempotent); other facts are ignored. */
	async journal(envelope: Envelope, storedAt: string): Promise<void> {
		if (!SETTLEMENT_FACT_TYPES.has(envelope.type)) return;
		const item = settlementItemOf(envelope, storedAt);
		if (!item) return;
		await this.store.set(journalItem(item.id), item);
		await this.store.indexAdd(JOURNAL, item.id, Date.parse(item.at));
	}

	/** Journalled items posted in [from, to) (epoch ms). */
	async journalled(from: number, to: number): Promise<SettlementItem[]> {
		const ids = await this.store.indexRange(JOURNAL, from, to - 1);
		const items: SettlementItem[] = [];
		for (let i = 0; i < ids.length; i += PAGE) {
			for (const item of await this.store.getMany<SettlementItem>(ids.slice(i, i + PAGE).map(journalItem))) if (item) items.push(item);
		}
		return items;
	}

	/** The day's chunks in order: 1, 2, ... up to the first number not written. */
	async chunks(day: string): Promise<SettlementChunk[]> {
		const found: SettlementChunk[] = [];
		for (let from = 1; ; from += PROBE) {
			const page = await this.store.getMany<SettlementChunk>(Array.from({ length: PROBE }, (_, i) => chunkKey(day, from + i)));
			for (const chunk of page) {
				if (!chunk) return found;
				found.push(chunk);
			}
		}
	}

	/**
	 * Claims a chunk number with its items; false when another run claimed it first. The items go
	 * first, under the claimant's own key, so a run that loses the race can never overwrite the
	 * winner's items (its own are left unreferenced).
	 */
	async addChunk(chunk: SettlementChunk, items: SettlementItem[]): Promise<boolean> {
		await this.store.set(chunk.itemsKey, items);
		return this.store.setIfAbsent(chunkKey(chunk.day, chunk.chunk), chunk);
	}

	async itemsOf(chunk: SettlementChunk): Promise<SettlementItem[]> {
		return (await this.store.get<SettlementItem[]>(chunk.itemsKey)) ?? [];
	}

	markPosted(day: string, chunk: number, posted: PostedChunk): Promise<void> {
		return this.store.set(postedKey(day, chunk), posted);
	}

	/** The ERP's answer per chunk 1..count, undefined where none was recorded yet. */
	posted(day: string, count: number): Promise<Array<PostedChunk | undefined>> {
		return this.store.getMany<PostedChunk>(Array.from({ length: count }, (_, i) => postedKey(day, i + 1)));
	}

	/** Keeps the day's latest reconciliation: a redelivered older one (fewer chunks, an earlier cut-off) does not replace it. */
	async saveReconciliation<T extends { chunks: number; cutoff: string }>(day: string, result: T): Promise<void> {
		const current = await this.store.get<T>(reconciledKey(day));
		if (current && (current.chunks > result.chunks || current.cutoff > result.cutoff)) return;
		await this.store.set(reconciledKey(day), result);
	}

	reconciliation<T>(day: string): Promise<T | undefined> {
		return this.store.get<T>(reconciledKey(day));
	}
}
