import type { Store } from "../../mixins/store/store.ts";
import type { LedgerEntry } from "../../services/ledger/ledger-entry.ts";

/** The ledger's own keys (services/ledger/ledger.store.ts), read directly so that reading does not load the services being measured. */
const TIME_INDEX = "ledger:by-time";
const entryKey = (member: string) => `{ledger}:entry:${Number(member)}`;
const CHUNK = 2_000;

/** Every ledger entry recorded within [fromMs, toMs], in ledger order. */
export async function ledgerEntriesBetween(store: Store, fromMs: number, toMs: number): Promise<LedgerEntry[]> {
	const members = await store.indexRange(TIME_INDEX, fromMs, toMs);
	const out: LedgerEntry[] = [];
	for (let i = 0; i < members.length; i += CHUNK) {
		const entries = await store.getMany<LedgerEntry>(members.slice(i, i + CHUNK).map(entryKey));
		for (const entry of entries) if (entry) out.push(entry);
	}
	return out;
}

/** How many entries were recorded within [fromMs, toMs]. */
export async function ledgerCountBetween(store: Store, fromMs: number, toMs: number): Promise<number> {
	return (await store.indexRange(TIME_INDEX, fromMs, toMs)).length;
}
