/**
 * Keys and Redis Cluster. Every key is `<prefix>:<caller's key>`; the prefix (the namespace) holds
 * no braces, so a key's hash tag, the first "{...}" in it, is always the caller's. Keys written in
 * one atomic step (setVersionedWith, the only multi-key write) must share a tag, and both stores
 * refuse them otherwise (hash-tags.ts). The scheme the callers follow:
 * - one order's keys carry the order id as their tag, `<kind>:{<orderId>}`: `saga:order:{SO-1}`,
 *   `order-owner:{SO-1}`, so anything later written atomically with an order's saga can be;
 * - the ledger's hash chain (head, entries, seen markers) is committed in one script, so all of it
 *   is `{ledger}:...`: one slot, one node, on purpose (a chain has a single head anyway);
 * - everything else is written one key at a time and keeps no tag, so it spreads over the cluster:
 *   global indexes (`saga:orders`, `ledger:by-time`, timers' `due`), idempotency keys, counters.
 * Reads of many keys (getMany) and clear() need no shared tag: they are split by slot here.
 */
import { Cluster } from "ioredis";

import { redactUrl } from "../logging/redact-url.ts";
import { checkOneSlot, checkPrefix, sameSlotGroups } from "./hash-tags.ts";
import { createRedisConnection } from "./redis-connection.ts";
import { withScripts, type ScriptedRedis } from "./redis-scripts.ts";
import type { Store, Versioned } from "./store.ts";
import { checkTtl, toJson } from "./store-values.ts";

/** While Redis is down a command fails after this many reconnect attempts instead of queueing forever. */
const MAX_RETRIES_PER_REQUEST = 3;
/** A reply slower than this means a paused or partitioned Redis; fail rather than wait on it. */
const COMMAND_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;
const READY_TIMEOUT_MS = 5_000;
const SCAN_BATCH = 500;

/**
 * The store for distributed mode, on one Redis or on a Redis Cluster (a redis-cluster:// URL).
 * Every key is `${prefix}:${key}`; prefixes must not nest ("a" and "a:b"), because clear() on the
 * outer one would also take the inner one's keys.
 */
export class RedisStore implements Store {
	readonly #prefix: string;
	readonly #url: string;
	readonly #redis: ScriptedRedis;
	readonly #cluster: boolean;
	#lastError: Error | undefined;
	#reconnecting: Promise<void> | undefined;

	constructor(options: { url: string; prefix: string }) {
		this.#prefix = checkPrefix(options.prefix);
		this.#url = options.url;
		// Credentials and TLS from the URL and REDIS_USERNAME, REDIS_PASSWORD, REDIS_TLS* (redis-connection.ts).
		this.#redis = withScripts(createRedisConnection(options.url, {
			lazyConnect: false,
			// Queue kept so calls made before the first connect wait for it; the retry cap still bounds the wait.
			enableOfflineQueue: true,
			maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
			connectTimeout: CONNECT_TIMEOUT_MS,
			commandTimeout: COMMAND_TIMEOUT_MS,
		}));
		this.#cluster = this.#redis instanceof Cluster;
		// Failed commands already reject with their own error; this one only explains a failed ready().
		this.#redis.on("error", (error: Error) => {
			this.#lastError = error;
		});
	}

	/** Resolves once connected; rejects with the URL (password hidden) and the last error otherwise. */
	ready(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
		const redis = this.#redis;
		if (redis.status === "ready") return Promise.resolve();
		if (redis.status === "end") return Promise.reject(this.#unreachable("the connection is closed"));
		return new Promise((resolve, reject) => {
			const done = (error?: Error) => {
				clearTimeout(timer);
				redis.off("ready", onReady).off("end", onEnd);
				if (error) reject(error);
				else resolve();
			};
			const onReady = () => done();
			const onEnd = () => done(this.#unreachable("the connection ended"));
			const timer = setTimeout(() => {
				done(this.#unreachable(`not ready after ${timeoutMs} ms (${this.#lastError?.message ?? redis.status})`));
			}, timeoutMs);
			redis.once("ready", onReady).once("end", onEnd);
		});
	}

	async get<T>(key: string): Promise<T | undefined> {
		const redis = await this.#client();
		return parse<T>(await redis.get(this.#key(key)));
	}

	/** One MGET per slot on a cluster (MGET spans no slots there); the reads are not one snapshot. */
	async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
		// MGET with no keys is a syntax error, not an empty reply.
		if (keys.length === 0) return [];
		const redis = await this.#client();
		const full = keys.map((key) => this.#key(key));
		const replies: Array<string | null> = [];
		await Promise.all(
			this.#slotGroups(full).map(async (group) => {
				const got = await redis.mget(group.map((i) => full[i]!));
				group.forEach((i, n) => (replies[i] = got[n] ?? null));
			}),
		);
		return replies.map((json) => parse<T>(json));
	}

	async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
		const json = toJson(value);
		const ttl = ttlMs === undefined ? undefined : checkTtl(ttlMs);
		const redis = await this.#client();
		if (ttl === undefined) await redis.set(this.#key(key), json);
		else await redis.set(this.#key(key), json, "PX", ttl);
	}

	async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
		const json = toJson(value);
		const ttl = ttlMs === undefined ? undefined : checkTtl(ttlMs);
		const redis = await this.#client();
		const reply = ttl === undefined ? await redis.set(this.#key(key), json, "NX") : await redis.set(this.#key(key), json, "PX", ttl, "NX");
		return reply === "OK";
	}

	async delete(key: string): Promise<void> {
		const redis = await this.#client();
		await redis.del(this.#key(key));
	}

	async deleteIfEquals<T>(key: string, expected: T): Promise<boolean> {
		const json = toJson(expected);
		const redis = await this.#client();
		return (await redis.deleteIfEquals(this.#key(key), json)) === 1;
	}

	async getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
		const redis = await this.#client();
		const [version, json] = await redis.hmget(this.#key(key), "v", "d");
		if (version === null || json === null) return undefined;
		return { value: JSON.parse(json) as T, version: Number(version) };
	}

	async setVersioned<T>(key: string, value: T, expectedVersion: number): Promise<number | null> {
		const json = toJson(value);
		return (await this.#client()).setVersioned(this.#key(key), expectedVersion, json);
	}

	async setVersionedWith<T>(key: string, value: T, expectedVersion: number, also: Array<{ key: string; value: unknown }>): Promise<number | null> {
		const keys = [this.#key(key), ...also.map((a) => this.#key(a.key))];
		checkOneSlot("setVersionedWith", keys);
		const args = [expectedVersion, toJson(value), ...also.map((a) => toJson(a.value))];
		return (await this.#client()).setVersionedWith(keys.length, ...keys, ...args);
	}

	async increment(key: string, by = 1): Promise<number> {
		return (await this.#client()).incrby(this.#key(key), by);
	}

	async indexAdd(indexKey: string, member: string, score: number): Promise<void> {
		await (await this.#client()).zadd(this.#key(indexKey), score, member);
	}

	async indexRange(indexKey: string, min: number, max: number, limit?: number): Promise<string[]> {
		const key = this.#key(indexKey);
		if (limit !== undefined) checkLimit(limit);
		const redis = await this.#client();
		if (limit === undefined) return redis.zrangebyscore(key, bound(min), bound(max));
		return redis.zrangebyscore(key, bound(min), bound(max), "LIMIT", 0, limit);
	}

	async indexRangeDesc(indexKey: string, min: number, max: number, limit?: number): Promise<string[]> {
		const key = this.#key(indexKey);
		if (limit !== undefined) checkLimit(limit);
		const redis = await this.#client();
		if (limit === undefined) return redis.zrevrangebyscore(key, bound(max), bound(min));
		return redis.zrevrangebyscore(key, bound(max), bound(min), "LIMIT", 0, limit);
	}

	async indexSize(indexKey: string): Promise<number> {
		return (await this.#client()).zcard(this.#key(indexKey));
	}

	async indexRemove(indexKey: string, member: string): Promise<boolean> {
		const redis = await this.#client();
		return (await redis.zrem(this.#key(indexKey), member)) === 1;
	}

	async indexClaim(indexKey: string, maxScore: number, newScore: number, limit: number): Promise<string[]> {
		checkLimit(limit);
		const max = bound(checkScore(maxScore, "maxScore"));
		const lease = bound(checkScore(newScore, "newScore"));
		return (await this.#client()).indexClaim(this.#key(indexKey), max, lease, limit);
	}

	/**
	 * SCAN in batches rather than KEYS, which blocks the whole server while it walks the keyspace.
	 * A cluster is scanned master by master, and its keys are unlinked slot by slot.
	 */
	async clear(): Promise<void> {
		const redis = await this.#client();
		const match = `${escapeGlob(this.#prefix)}:*`;
		for (const node of redis instanceof Cluster ? redis.nodes("master") : [redis]) {
			let cursor = "0";
			do {
				const [next, keys] = await node.scan(cursor, "MATCH", match, "COUNT", SCAN_BATCH);
				await Promise.all(this.#slotGroups(keys).map((group) => redis.unlink(...group.map((i) => keys[i]!))));
				cursor = next;
			} while (cursor !== "0");
		}
	}

	/** QUIT lets in-flight replies arrive; a connection that never came up is just dropped. */
	async close(): Promise<void> {
		if (this.#redis.status === "end") return;
		if (this.#redis.status === "ready") await this.#redis.quit();
		else this.#redis.disconnect();
	}

	/**
	 * The client, once it can take a command. One Redis fails a command itself after a few
	 * reconnect attempts; a cluster with no reachable node would queue it with no bound, so a
	 * command waits here instead, at most READY_TIMEOUT_MS, then fails like a timeout.
	 */
	async #client(): Promise<ScriptedRedis> {
		if (this.#cluster && this.#redis.status !== "ready") {
			// One wait shared by every command meanwhile, not a listener pair and a timer each.
			await (this.#reconnecting ??= this.ready().finally(() => (this.#reconnecting = undefined)));
		}
		return this.#redis;
	}

	/** Positions of these full keys, one group per slot: all of them at once on a single Redis. */
	#slotGroups(keys: string[]): number[][] {
		if (keys.length === 0) return [];
		return this.#cluster ? sameSlotGroups(keys) : [keys.map((_, i) => i)];
	}

	#key(key: string): string {
		return `${this.#prefix}:${key}`;
	}

	#unreachable(why: string): Error {
		return new Error(`Redis at ${redactUrl(this.#url)} is not reachable: ${why}`);
	}
}

function parse<T>(json: string | null): T | undefined {
	return json === null ? undefined : (JSON.parse(json) as T);
}



/** Redis reads a negative count as "no limit"; the contract says "at most", so refuse it. */
function checkLimit(limit: number): number {
	if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer; got ${limit}`);
	return limit;
}

/** Checked here so both stores refuse NaN alike (a RangeError), not with Redis's "not a float". */
function checkScore(score: number, name: string): number {
	if (Number.isNaN(score)) throw new RangeError(`${name} is NaN`);
	return score;
}

function bound(score: number): string | number {
	if (score === Infinity) return "+inf";
	if (score === -Infinity) return "-inf";
	return score;
}

function escapeGlob(text: string): string {
	return text.replace(/[*?[\]\\]/g, "\\$&");
}
