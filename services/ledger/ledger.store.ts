import type { Store } from "../../mixins/store/store.ts";
import type { Envelope } from "../../canonical/index.ts";
import { GENESIS_HASH, entryFor, hashOf, type LedgerEntry } from "./ledger-entry.ts";

/**
 * Head, entries and seen markers are committed in one atomic write, so on a Redis Cluster they
 * must share a slot: the `{ledger}` hash tag puts the whole chain on one node, a hot slot taken on
 * purpose (the chain has one head to serialize on anyway). The indexes below are written apart and
 * spread over the cluster.
 */
const HEAD = "{ledger}:head";
const entryKey = (seq: number) => `{ledger}:entry:${seq}`;
const seenKey = (channel: string, messageId: string) => `{ledger}:seen:${channel}:${messageId}`;
const correlationIndex = (id: string) => `ledger:by-correlation:${id}`;
/** Scored by recordedAt (epoch ms); members are zero-padded seqs, so entries of the same millisecond sort in ledger order. */
const TIME_INDEX = "ledger:by-time";
const partnerIndex = (partner: string) => `ledger:by-partner:${partner}`;
const timeMember = (seq: number) => String(seq).padStart(15, "0");
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

/** A bounded ledger query: by correlation id, by partner, or neither; always within [from, to] of recordedAt (epoch ms). */
export interface LedgerQuery {
	correlationId?: string;
	partner?: string;
	from?: number;
	to?: number;
	limit: number;
}

interface Pending {
	channel: string;
	envelope: Envelope;
	storedAt?: string;
	resolve(entry: LedgerEntry | undefined): void;
	reject(error: unknown): void;
}

/** Entries committed in one atomic write at most; a larger backlog is committed in several. */
const MAX_BATCH = 256;

/**
 * The append-only, hash-chained ledger on the store. Appends are group-committed: whatever
 * arrived while the previous commit ran is chained in memory and written, entries plus head plus
 * "seen" markers, in one atomic compare-and-set on the head. Two writers (two pods) can never
 * fork the chain: the loser re-reads the head and chains its batch after the winner's.
 */
export class LedgerStore {
	private queue: Pending[] = [];
	private flushing = false;

	constructor(private readonly store: Store) {}

	/** Resolves once the entry is durable; undefined when this (channel, message) was recorded before. */
	append(channel: string, envelope: Envelope, storedAt?: string): Promise<LedgerEntry | undefined> {
		return new Promise((resolve, reject) => {
			this.queue.push({ channel, envelope, storedAt, resolve, reject });
			if (!this.flushing) void this.flush();
		});
	}

	private async flush(): Promise<void> {
		this.flushing = true;
		while (this.queue.length > 0) {
			const batch = this.queue.splice(0, MAX_BATCH);
			try {
				const entries = await this.commit(batch);
				batch.forEach((p, i) => p.resolve(entries[i]));
			} catch (e: unknown) {
				for (const p of batch) p.reject(e);
			}
		}
		this.flushing = false;
	}

	/**
	 * The seen markers and the head are read together (one round trip, not two); after a lost race
	 * both are read again, since the writer that won may have recorded some of the same messages.
	 */
	private async commit(batch: Pending[]): Promise<Array<LedgerEntry | undefined>> {
		const keys = batch.map((p) => seenKey(p.channel, p.envelope.id));
		for (let race = 0; race < MAX_RACES; race++) {
			const [seen, head] = await Promise.all([this.store.getMany<number>(keys), this.store.getVersioned<Head>(HEAD)]);
			const fresh = batch.map((_, i) => seen[i] === undefined && keys.indexOf(keys[i]!) === i);
			// A redelivery of a recorded message: the crash that caused it may have come between commit and indexes.
			if (race === 0) await this.reindex(seen.filter((seq): seq is number => seq !== undefined));
			if (!fresh.includes(true)) return batch.map(() => undefined);
			let at = head?.value ?? { seq: 0, hash: GENESIS_HASH };
			const now = new Date().toISOString();
			const entries = batch.map((p, i) => {
				if (!fresh[i]) return undefined;
				const entry = entryFor(at.seq + 1, at.hash, p.channel, p.envelope, now, p.storedAt);
				at = { seq: entry.seq, hash: entry.hash };
				return entry;
			});
			const written = entries.flatMap((e, i) => (e ? [{ key: entryKey(e.seq), value: e }, { key: keys[i]!, value: e.seq }] : []));
			if ((await this.store.setVersionedWith<Head>(HEAD, at, head?.version ?? 0, written)) === null) continue;
			await this.index(entries.filter((e): e is LedgerEntry => e !== undefined));
			return entries;
		}
		throw new Error("ledger head kept moving; too many concurrent writers");
	}

	/**
	 * Lookup indexes (by correlation id, by time, by partner) and per-kind counters, derivable from
	 * the entries: written right after the commit. A crash in between leaves entries out of the
	 * indexes until their message is redelivered (reindex); the counters it leaves short.
	 */
	private async index(entries: LedgerEntry[]): Promise<void> {
		const perKind = new Map<string, number>();
		for (const e of entries) perKind.set(e.kind, (perKind.get(e.kind) ?? 0) + 1);
		await Promise.all([...this.indexWrites(entries), ...[...perKind].map(([kind, n]) => this.store.increment(kindCounter(kind), n))]);
	}

	private indexWrites(entries: LedgerEntry[]): Array<Promise<void>> {
		return entries.flatMap((e) => {
			const at = Date.parse(e.recordedAt);
			return [
				this.store.indexAdd(correlationIndex(e.correlationId), String(e.seq), e.seq),
				this.store.indexAdd(TIME_INDEX, timeMember(e.seq), at),
				...(e.partner ? [this.store.indexAdd(partnerIndex(e.partner), timeMember(e.seq), at)] : []),
			];
		});
	}

	/** Indexes entries again (idempotent): for messages redelivered after they were recorded. */
	private async reindex(seqs: number[]): Promise<void> {
		if (seqs.length === 0) return;
		const entries = await this.store.getMany<LedgerEntry>(seqs.map(entryKey));
		await Promise.all(this.indexWrites(entries.filter((e): e is LedgerEntry => e !== undefined)));
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

	/** Newest first, at most `limit`; `truncated` when more matched. */
	async query(q: LedgerQuery): Promise<{ entries: LedgerEntry[]; truncated: boolean }> {
		const min = q.from ?? -Infinity;
		const max = q.to ?? Infinity;
		if (q.correlationId) {
			const within = (e: LedgerEntry) => (!q.partner || e.partner === q.partner) && Date.parse(e.recordedAt) >= min && Date.parse(e.recordedAt) <= max;
			const matched = (await this.byCorrelation(q.correlationId)).filter(within).reverse();
			return { entries: matched.slice(0, q.limit), truncated: matched.length > q.limit };
		}
		const members = await this.store.indexRangeDesc(q.partner ? partnerIndex(q.partner) : TIME_INDEX, min, max, q.limit + 1);
		const entries = await this.store.getMany<LedgerEntry>(members.slice(0, q.limit).map((m) => entryKey(Number(m))));
		return { entries: entries.filter((e): e is LedgerEntry => e !== undefined), truncated: members.length > q.limit };
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
