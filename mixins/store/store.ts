/**
 * The state store contract: saga state, idempotency keys, ledger indexes. Two implementations:
 * `MemoryStore` (embedded mode) and `RedisStore` (distributed mode); one contract test suite runs
 * against both. Every key is namespaced by the store's prefix; values are JSON. A key's hash tag
 * (its first "{...}", see hash-tags.ts) decides its Redis Cluster slot.
 */
export interface Versioned<T> {
	value: T;
	/** Starts at 1 on first write and grows by one per write. */
	version: number;
}

export interface Store {
	get<T>(key: string): Promise<T | undefined>;
	/** Any keys, read in one round trip per slot: not one snapshot of them all. */
	getMany<T>(keys: string[]): Promise<Array<T | undefined>>;
	set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
	/** Writes only when the key is absent. True when this call wrote it (idempotency claims). */
	setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean>;
	delete(key: string): Promise<void>;
	/**
	 * Deletes a plain key only while it still holds `expected` (compared as JSON text, so pass the
	 * value as it was read). True when this call deleted it. A value carrying a token unique to its
	 * writer makes this safe against delete-and-rewrite in between, which a version check is not:
	 * a versioned key that is deleted and written again starts over at version 1.
	 */
	deleteIfEquals<T>(key: string, expected: T): Promise<boolean>;

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
	 * All the keys must carry one hash tag (`{ledger}:head`, `{ledger}:entry:7`): a RangeError otherwise.
	 */
	setVersionedWith<T>(key: string, value: T, expectedVersion: number, also: Array<{ key: string; value: unknown }>): Promise<number | null>;

	/** Atomic counter. */
	increment(key: string, by?: number): Promise<number>;

	/** Sorted index: add or re-score a member. */
	indexAdd(indexKey: string, member: string, score: number): Promise<void>;
	/** Members with min <= score <= max, ascending by score, at most `limit`. */
	indexRange(indexKey: string, min: number, max: number, limit?: number): Promise<string[]>;
	/** Members with min <= score <= max, descending by score (ties: member descending), at most `limit`: newest first. */
	indexRangeDesc(indexKey: string, min: number, max: number, limit?: number): Promise<string[]>;
	indexSize(indexKey: string): Promise<number>;
	/** True when the member was there. Removing the last member removes the index, as in Redis. */
	indexRemove(indexKey: string, member: string): Promise<boolean>;
	/**
	 * Atomically takes up to `limit` members with score <= maxScore, lowest first, and re-scores
	 * them to `newScore`, returning them. A lease: with newScore in the future no other claim
	 * returns them until then, and two concurrent claims never return the same member.
	 */
	indexClaim(indexKey: string, maxScore: number, newScore: number, limit: number): Promise<string[]>;

	/** Remove every key under this store's prefix (tests and demo clean-up). */
	clear(): Promise<void>;
	close(): Promise<void>;
}
