import { checkOneSlot, checkPrefix } from "./hash-tags.ts";
import type { Store, Versioned } from "./store.ts";
import { checkTtl, toJson } from "./store-values.ts";

/** Expired keys that nobody reads again (idempotency claims, mostly) are dropped this often. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * Values are kept as JSON text, not as objects: every read parses a fresh copy, so callers can
 * never mutate stored state, and a value comes back exactly as it would from Redis (a Date as
 * its ISO string, `undefined` fields gone). A structuredClone would hand back a live Date here
 * and a string in distributed mode.
 */
type Entry =
	| { kind: "value"; json: string; expiresAt?: number }
	| { kind: "versioned"; json: string; version: number }
	| { kind: "index"; scores: Map<string, number> };

type Kind = Entry["kind"];

/**
 * One backing map per prefix for the whole process: in embedded mode every service has its own
 * store object, and stores sharing a prefix must see the same data, as they would on one Redis.
 */
const registry = new Map<string, Map<string, Entry>>();
let sweeper: NodeJS.Timeout | undefined;

function backing(prefix: string): Map<string, Entry> {
	let data = registry.get(prefix);
	if (data === undefined) {
		data = new Map();
		registry.set(prefix, data);
	}
	// Unref'd so an idle store never keeps the process alive.
	sweeper ??= setInterval(sweep, SWEEP_INTERVAL_MS).unref();
	return data;
}

function sweep(): void {
	const now = Date.now();
	for (const data of registry.values()) {
		for (const [key, entry] of data) if (isExpired(entry, now)) data.delete(key);
	}
}

function isExpired(entry: Entry, now: number): boolean {
	return entry.kind === "value" && entry.expiresAt !== undefined && entry.expiresAt <= now;
}

/**
 * The in-process store for embedded mode and fast tests. Every method runs to completion without
 * awaiting, which is what makes setIfAbsent, setVersioned and increment atomic here. Using a key
 * as the wrong kind (get on a versioned key, say) fails, as Redis's WRONGTYPE would.
 */
export class MemoryStore implements Store {
	readonly #prefix: string;
	readonly #data: Map<string, Entry>;
	#closed = false;

	constructor(prefix: string) {
		this.#prefix = checkPrefix(prefix);
		this.#data = backing(prefix);
	}

	async get<T>(key: string): Promise<T | undefined> {
		const entry = this.#read(key, "value");
		return entry && (JSON.parse(entry.json) as T);
	}

	/** Like MGET: a key holding another kind reads as undefined rather than failing the batch. */
	async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
		return keys.map((key) => {
			const entry = this.#live(key);
			return entry?.kind === "value" ? (JSON.parse(entry.json) as T) : undefined;
		});
	}

	async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
		this.#open().set(key, valueEntry(value, ttlMs));
	}

	async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
		const entry = valueEntry(value, ttlMs);
		if (this.#live(key) !== undefined) return false;
		this.#open().set(key, entry);
		return true;
	}

	async delete(key: string): Promise<void> {
		this.#open().delete(key);
	}

	async deleteIfEquals<T>(key: string, expected: T): Promise<boolean> {
		const json = toJson(expected);
		if (this.#read(key, "value")?.json !== json) return false;
		this.#open().delete(key);
		return true;
	}

	async getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
		const entry = this.#read(key, "versioned");
		return entry && { value: JSON.parse(entry.json) as T, version: entry.version };
	}

	async setVersioned<T>(key: string, value: T, expectedVersion: number): Promise<number | null> {
		const json = toJson(value);
		const current = this.#read(key, "versioned")?.version ?? 0;
		if (current !== expectedVersion) return null;
		this.#open().set(key, { kind: "versioned", json, version: current + 1 });
		return current + 1;
	}

	async setVersionedWith<T>(key: string, value: T, expectedVersion: number, also: Array<{ key: string; value: unknown }>): Promise<number | null> {
		checkOneSlot("setVersionedWith", [key, ...also.map((a) => a.key)].map((k) => `${this.#prefix}:${k}`));
		const json = toJson(value);
		const extras = also.map((a) => ({ key: a.key, json: toJson(a.value) }));
		const current = this.#read(key, "versioned")?.version ?? 0;
		if (current !== expectedVersion) return null;
		for (const extra of extras) this.#read(extra.key, "value");
		const data = this.#open();
		for (const extra of extras) data.set(extra.key, { kind: "value", json: extra.json });
		data.set(key, { kind: "versioned", json, version: current + 1 });
		return current + 1;
	}

	async increment(key: string, by = 1): Promise<number> {
		const entry = this.#read(key, "value");
		const current: unknown = entry ? JSON.parse(entry.json) : 0;
		if (!Number.isSafeInteger(current) || !Number.isSafeInteger(by)) {
			throw new TypeError(`cannot increment ${key} by ${by}: both must be integers`);
		}
		const next = (current as number) + by;
		// Like INCRBY, a counter keeps the TTL it was written with.
		this.#open().set(key, { kind: "value", json: String(next), expiresAt: entry?.expiresAt });
		return next;
	}

	async indexAdd(indexKey: string, member: string, score: number): Promise<void> {
		if (Number.isNaN(score)) throw new RangeError(`index score for ${member} is NaN`);
		const entry = this.#read(indexKey, "index");
		if (entry) entry.scores.set(member, score);
		else this.#open().set(indexKey, { kind: "index", scores: new Map([[member, score]]) });
	}

	async indexRange(indexKey: string, min: number, max: number, limit?: number): Promise<string[]> {
		checkLimit(limit);
		return this.#range(indexKey, min, max, limit);
	}

	async indexRangeDesc(indexKey: string, min: number, max: number, limit?: number): Promise<string[]> {
		checkLimit(limit);
		return this.#range(indexKey, min, max, undefined).reverse().slice(0, limit);
	}

	async indexSize(indexKey: string): Promise<number> {
		return this.#read(indexKey, "index")?.scores.size ?? 0;
	}

	async indexRemove(indexKey: string, member: string): Promise<boolean> {
		const entry = this.#read(indexKey, "index");
		if (entry === undefined || !entry.scores.delete(member)) return false;
		if (entry.scores.size === 0) this.#open().delete(indexKey);
		return true;
	}

	async indexClaim(indexKey: string, maxScore: number, newScore: number, limit: number): Promise<string[]> {
		checkLimit(limit);
		checkScore(maxScore, "maxScore");
		checkScore(newScore, "newScore");
		// No await between reading and re-scoring: that is what keeps two claims apart.
		const claimed = this.#range(indexKey, -Infinity, maxScore, limit);
		const scores = this.#read(indexKey, "index")?.scores;
		for (const member of claimed) scores?.set(member, newScore);
		return claimed;
	}

	/** Empties the shared map in place, so other stores with this prefix see the clear too. */
	async clear(): Promise<void> {
		this.#open().clear();
	}

	/** Only this store object closes; the data stays for others sharing the prefix. */
	async close(): Promise<void> {
		this.#closed = true;
	}

	#open(): Map<string, Entry> {
		if (this.#closed) throw new Error(`MemoryStore "${this.#prefix}" is closed`);
		return this.#data;
	}

	#range(indexKey: string, min: number, max: number, limit: number | undefined): string[] {
		const entry = this.#read(indexKey, "index");
		if (entry === undefined) return [];
		return [...entry.scores]
			.filter(([, score]) => score >= min && score <= max)
			.sort(byScoreThenMember)
			.slice(0, limit)
			.map(([member]) => member);
	}

	#live(key: string): Entry | undefined {
		const data = this.#open();
		const entry = data.get(key);
		if (entry === undefined || !isExpired(entry, Date.now())) return entry;
		data.delete(key);
		return undefined;
	}

	#read<K extends Kind>(key: string, kind: K): Extract<Entry, { kind: K }> | undefined {
		const entry = this.#live(key);
		if (entry === undefined) return undefined;
		if (entry.kind !== kind) throw new TypeError(`WRONGTYPE ${key} holds a ${entry.kind}, not a ${kind}`);
		return entry as Extract<Entry, { kind: K }>;
	}
}

/** Redis refuses NaN scores with a ReplyError; refuse them here as the same kind of mistake. */
function checkScore(score: number, name: string): void {
	if (Number.isNaN(score)) throw new RangeError(`${name} is NaN`);
}

function valueEntry(value: unknown, ttlMs: number | undefined): Entry {
	const json = toJson(value);
	if (ttlMs === undefined) return { kind: "value", json };
	checkTtl(ttlMs);
	return { kind: "value", json, expiresAt: Date.now() + ttlMs };
}



function checkLimit(limit: number | undefined): void {
	if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
		throw new RangeError(`limit must be a non-negative integer; got ${limit}`);
	}
}

/** Redis orders equal scores by member; matching it keeps both stores' ranges identical. */
function byScoreThenMember([a, scoreA]: [string, number], [b, scoreB]: [string, number]): number {
	if (scoreA !== scoreB) return scoreA < scoreB ? -1 : 1;
	return a < b ? -1 : a > b ? 1 : 0;
}
