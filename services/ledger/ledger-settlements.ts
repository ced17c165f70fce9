import { SETTLEMENT_FACT_TYPES, mergeSummaries, settlementItemOf, totalsOf, type Envelope, type SettlementItem, type SettlementSummary } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";

/** Every settlement item by business time (epoch ms of `at`); the items beside it. */
const BY_TIME = "ledger:settlement:by-time";
const itemKey = (id: string) => `ledger:settlement:item:${id}`;
const PAGE = 1_000;

/**
 * The ledger's own record of the money facts (invoices, credit notes, freight bills): entries keep
 * a digest, not amounts, so beside each such entry the ledger keeps the item it settles (kind,
 * document, order, currency, amount, times), about 250 bytes. It is what a day's settlement batch
 * is reconciled against, kept apart from the batch's journal on purpose: two records of the
 * same facts, written by different consumers, that must agree.
 */
export class LedgerSettlements {
	constructor(private readonly store: Store) {}

	/** Idempotent: a redelivered fact writes the same item again. */
	async record(envelope: Envelope, storedAt: string): Promise<void> {
		if (!SETTLEMENT_FACT_TYPES.has(envelope.type)) return;
		const item = settlementItemOf(envelope, storedAt);
		if (!item) return;
		await this.store.set(itemKey(item.id), item);
		await this.store.indexAdd(BY_TIME, item.id, Date.parse(item.at));
	}

	/** Count and sums of the facts posted in [from, to) (epoch ms) that their stream stored by `storedTo`. */
	async totals(from: number, to: number, storedTo: number): Promise<SettlementSummary> {
		const ids = await this.store.indexRange(BY_TIME, from, to - 1);
		const summaries: SettlementSummary[] = [];
		for (let i = 0; i < ids.length; i += PAGE) {
			const items = await this.store.getMany<SettlementItem>(ids.slice(i, i + PAGE).map(itemKey));
			summaries.push(totalsOf(items.filter((it): it is SettlementItem => it !== undefined && Date.parse(it.storedAt) <= storedTo)));
		}
		return mergeSummaries(summaries);
	}
}
