/**
 * The state store contract: saga state, idempotency keys, ledger indexes. Two implementations:
 * `MemoryStore` (embedded mode) and `RedisStore` (distributed mode); one contract test suite runs
 * against both. Every key is namespaced by the store's prefix; values are JSON.
 */
export interface Versioned<T> {
	value: T;
	/** Starts at 1 on first write and grows by one per write. */
	version: number;
}

export interface Store {
	get<T>(key: string): Promise<T | undefined>;
	getMany<T>(keys: string[]): Promise<Array<T | undefined>>;
	set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
	/** Writes only when the key is absent. True when this call wrote it (idempotency claims). */
	setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean>;
	delete(key: string): Promise<void>;

	/** Optimistic concurrency: read a value with its version. */
	getVersioned<T>(key: string): Promise<Versioned<T> | undefined>;
	/**
	 * Write only if the stored version still equals `expectedVersion` (0 = key must be absent).
	 * Returns the new version, or null when someone else wrote in between.
	 */
	setVersioned<T>(key: string, value: T, expectedVersion: number): Promise<number | null>;
	/**
	 * setVersioned, and in the same atomic step plain writes of `also` (overwriting): all or
	 * nothing. A hash chain commits a batch of entries and moves its head this way, in one round trip.
	 */
	setVersionedWith<T>(key: string, value: T, expectedVersion: number, also: Array<{ key: string; value: unknown }>): Promise<number | null>;

	/** Atomic counter. */
	increment(key: string, by?: number): Promise<number>;

	/** Sorted index: add or re-score a member. */
	indexAdd(indexKey: string, member: string, score: number): Promise<void>;
	/** Members with min <= score <= max, ascending by score, at most `limit`. */
	indexRange(indexKey: string, min: number, max: number, limit?: number): Promise<string[]>;
	indexSize(indexKey: string): Promise<number>;

	/** Remove every key under this store's prefix (tests and demo clean-up). */
	clear(): Promise<void>;
	close(): Promise<void>;
}
