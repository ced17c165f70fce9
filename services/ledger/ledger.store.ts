import type { Store } from "../../mixins/store/store.ts";
import type { Envelope } from "../../canonical/index.ts";
import { GENESIS_HASH, entryFor, hashOf, type LedgerEntry } from "./ledger-entry.ts";

const HEAD = "ledger:head";
const entryKey = (seq: number) => `ledger:entry:${seq}`;
const seenKey = (channel: string, messageId: string) => `ledger:seen:${channel}:${messageId}`;
const correlationIndex = (id: string) => `ledger:by-correlation:${id}`;
const kindCounter = (kind: string) => `ledger:count:${kind}`;
const KINDS = ["inbound", "fact", "command", "status", "dead-letter", "rejection"] as const;
const MAX_RACES = 20;

interface Head {
	seq: number;
	hash: string;
}

export interface VerifyResult {
	ok: boolean;
	entries: number;
	brokenAt?: number;
	reason?: string;
}

/**
 * The append-only, hash-chained ledger on the store. Appends claim the next sequence number with
 * set-if-absent, so two writers can never fork the chain; a writer that died between claiming an
 * entry and moving the head is repaired by the next append.
 */
export class LedgerStore {
	private tail: Promise<unknown> = Promise.resolve();

	constructor(private readonly store: Store) {}

	/** Serialised in-process so one pod's appends do not race each other. Idempotent per (channel, message). */
	append(channel: string, envelope: Envelope): Promise<LedgerEntry | undefined> {
		const next = this.tail.then(() => this.appendNow(channel, envelope));
		this.tail = next.catch(() => undefined);
		return next;
	}

	private async appendNow(channel: string, envelope: Envelope): Promise<LedgerEntry | undefined> {
		if (await this.store.get<number>(seenKey(channel, envelope.id))) return undefined;
		for (let race = 0; race < MAX_RACES; race++) {
			const head = await this.store.getVersioned<Head>(HEAD);
			const at = head?.value ?? { seq: 0, hash: GENESIS_HASH };
			const entry = entryFor(at.seq + 1, at.hash, channel, envelope, new Date().toISOString());
			if (!(await this.store.setIfAbsent(entryKey(entry.seq), entry))) {
				await this.repairHead(head?.version ?? 0, entry.seq);
				continue;
			}
			await this.moveHead(entry);
			await this.store.set(seenKey(channel, envelope.id), entry.seq);
			await this.store.indexAdd(correlationIndex(envelope.correlationid), String(entry.seq), entry.seq);
			await this.store.increment(kindCounter(entry.kind));
			return entry;
		}
		throw new Error("ledger head kept moving; too many concurrent writers");
	}

	/** Someone claimed `seq` but did not move the head (or moved it after we read): catch up. */
	private async repairHead(expectedVersion: number, seq: number): Promise<void> {
		const claimed = await this.store.get<LedgerEntry>(entryKey(seq));
		if (claimed) await this.store.setVersioned<Head>(HEAD, { seq: claimed.seq, hash: claimed.hash }, expectedVersion);
	}

	private async moveHead(entry: LedgerEntry): Promise<void> {
		for (;;) {
			const head = await this.store.getVersioned<Head>(HEAD);
			if (head && head.value.seq >= entry.seq) return;
			if ((await this.store.setVersioned<Head>(HEAD, { seq: entry.seq, hash: entry.hash }, head?.version ?? 0)) !== null) return;
		}
	}

	async size(): Promise<number> {
		return (await this.store.getVersioned<Head>(HEAD))?.value.seq ?? 0;
	}

	/** Entries per kind (inbound, fact, command, status, dead-letter, rejection). */
	async countsByKind(): Promise<Record<string, number>> {
		const counts = await this.store.getMany<number>(KINDS.map(kindCounter));
		return Object.fromEntries(KINDS.map((kind, i) => [kind, counts[i] ?? 0]));
	}

	async byCorrelation(correlationId: string, limit = 10_000): Promise<LedgerEntry[]> {
		const seqs = await this.store.indexRange(correlationIndex(correlationId), 0, Number.MAX_SAFE_INTEGER, limit);
		const entries = await this.store.getMany<LedgerEntry>(seqs.map((s) => entryKey(Number(s))));
		return entries.filter((e): e is LedgerEntry => e !== undefined);
	}

	async range(fromSeq: number, limit: number): Promise<LedgerEntry[]> {
		const keys = Array.from({ length: limit }, (_, i) => entryKey(fromSeq + i));
		return (await this.store.getMany<LedgerEntry>(keys)).filter((e): e is LedgerEntry => e !== undefined);
	}

	/** Walks the whole chain: every entry present, in sequence, its hash intact and linked to the previous. */
	async verify(batch = 500): Promise<VerifyResult> {
		const total = await this.size();
		let prev = GENESIS_HASH;
		for (let from = 1; from <= total; from += batch) {
			const keys = Array.from({ length: Math.min(batch, total - from + 1) }, (_, i) => entryKey(from + i));
			const entries = await this.store.getMany<LedgerEntry>(keys);
			for (let i = 0; i < entries.length; i++) {
				const seq = from + i;
				const entry = entries[i];
				if (!entry) return { ok: false, entries: total, brokenAt: seq, reason: "entry missing" };
				if (entry.seq !== seq) return { ok: false, entries: total, brokenAt: seq, reason: `entry claims seq ${entry.seq}` };
				if (entry.prevHash !== prev) return { ok: false, entries: total, brokenAt: seq, reason: "not linked to the previous entry (removed or reordered)" };
				const { hash, ...rest } = entry;
				if (hashOf(rest) !== hash) return { ok: false, entries: total, brokenAt: seq, reason: "content altered" };
				prev = hash;
			}
		}
		return { ok: true, entries: total };
	}
}
