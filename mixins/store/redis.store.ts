import type { Redis } from "ioredis";

import { redactUrl } from "../logging/redact-url.ts";
import { createRedisClient } from "./redis-connection.ts";
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
 * Compare-and-set on a hash { v: version, d: JSON }. It runs as one script so no other writer
 * can slip in between the version check and the write.
 */
const SET_VERSIONED_LUA = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return false end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
return version
`;

/** Compare-and-delete of a plain key; GET of a missing key is false in Lua, never equal to a string. */
const DELETE_IF_EQUALS_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * Take and re-score in one script, so no other claim can read the same members in between.
 * ARGV: maxScore, newScore, limit.
 */
const INDEX_CLAIM_LUA = `
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(members) do redis.call('ZADD', KEYS[1], ARGV[2], member) end
return members
`;

/** The client once `defineCommand` has added the scripts as methods. */
interface ScriptedRedis extends Redis {
	setVersioned(key: string, expectedVersion: number, json: string): Promise<number | null>;
	setVersionedWith(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number | null>;
	deleteIfEquals(key: string, json: string): Promise<number>;
	indexClaim(key: string, maxScore: string | number, newScore: string | number, limit: number): Promise<string[]>;
}

/** SET_VERSIONED plus plain SETs of KEYS[2..] to ARGV[3..], all in one atomic script. */
const SET_VERSIONED_WITH_LUA = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return false end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1]) end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
return version
`;

/**
 * The store for distributed mode. Every key is `${prefix}:${key}`; prefixes must not nest
 * ("a" and "a:b"), because clear() on the outer one would also take the inner one's keys.
 */
export class RedisStore implements Store {
	readonly #prefix: string;
	readonly #url: string;
	readonly #redis: ScriptedRedis;
	#lastError: Error | undefined;

	constructor(options: { url: string; prefix: string }) {
		this.#prefix = options.prefix;
		this.#url = options.url;
		// Credentials and TLS from the URL and REDIS_USERNAME, REDIS_PASSWORD, REDIS_TLS* (redis-connection.ts).
		this.#redis = createRedisClient(options.url, {
			lazyConnect: false,
			// Queue kept so calls made before the first connect wait for it; the retry cap still bounds the wait.
			enableOfflineQueue: true,
			maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
			connectTimeout: CONNECT_TIMEOUT_MS,
			commandTimeout: COMMAND_TIMEOUT_MS,
		}) as ScriptedRedis;
		this.#redis.defineCommand("setVersioned", { numberOfKeys: 1, lua: SET_VERSIONED_LUA });
		// Multi-key: on a Redis Cluster the keys would need one hash slot (a {prefix} hash tag).
		this.#redis.defineCommand("setVersionedWith", { lua: SET_VERSIONED_WITH_LUA });
		this.#redis.defineCommand("deleteIfEquals", { numberOfKeys: 1, lua: DELETE_IF_EQUALS_LUA });
		this.#redis.defineCommand("indexClaim", { numberOfKeys: 1, lua: INDEX_CLAIM_LUA });
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
		return parse<T>(await this.#redis.get(this.#key(key)));
	}

	async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
		// MGET with no keys is a syntax error, not an empty reply.
		if (keys.length === 0) return [];
		const replies = await this.#redis.mget(keys.map((key) => this.#key(key)));
		return replies.map((json) => parse<T>(json));
	}

	async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
		const json = toJson(value);
		if (ttlMs === undefined) await this.#redis.set(this.#key(key), json);
		else await this.#redis.set(this.#key(key), json, "PX", checkTtl(ttlMs));
	}

	async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
		const json = toJson(value);
		const reply =
			ttlMs === undefined
				? await this.#redis.set(this.#key(key), json, "NX")
				: await this.#redis.set(this.#key(key), json, "PX", checkTtl(ttlMs), "NX");
		return reply === "OK";
	}

	async delete(key: string): Promise<void> {
		await this.#redis.del(this.#key(key));
	}

	async deleteIfEquals<T>(key: string, expected: T): Promise<boolean> {
		return (await this.#redis.deleteIfEquals(this.#key(key), toJson(expected))) === 1;
	}

	async getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
		const [version, json] = await this.#redis.hmget(this.#key(key), "v", "d");
		if (version === null || json === null) return undefined;
		return { value: JSON.parse(json) as T, version: Number(version) };
	}

	async setVersioned<T>(key: string, value: T, expectedVersion: number): Promise<number | null> {
		return this.#redis.setVersioned(this.#key(key), expectedVersion, toJson(value));
	}

	async setVersionedWith<T>(key: string, value: T, expectedVersion: number, also: Array<{ key: string; value: unknown }>): Promise<number | null> {
		const keys = [this.#key(key), ...also.map((a) => this.#key(a.key))];
		const args = [expectedVersion, toJson(value), ...also.map((a) => toJson(a.value))];
		return this.#redis.setVersionedWith(keys.length, ...keys, ...args);
	}

	async increment(key: string, by = 1): Promise<number> {
		return this.#redis.incrby(this.#key(key), by);
	}

	async indexAdd(indexKey: string, member: string, score: number): Promise<void> {
		await this.#redis.zadd(this.#key(indexKey), score, member);
	}

	async indexRange(indexKey: string, min: number, max: number, limit?: number): Promise<string[]> {
		const key = this.#key(indexKey);
		if (limit === undefined) return this.#redis.zrangebyscore(key, bound(min), bound(max));
		return this.#redis.zrangebyscore(key, bound(min), bound(max), "LIMIT", 0, checkLimit(limit));
	}

	async indexRangeDesc(indexKey: string, min: number, max: number, limit?: number): Promise<string[]> {
		const key = this.#key(indexKey);
		if (limit === undefined) return this.#redis.zrevrangebyscore(key, bound(max), bound(min));
		return this.#redis.zrevrangebyscore(key, bound(max), bound(min), "LIMIT", 0, checkLimit(limit));
	}

	async indexSize(indexKey: string): Promise<number> {
		return this.#redis.zcard(this.#key(indexKey));
	}

	async indexRemove(indexKey: string, member: string): Promise<boolean> {
		return (await this.#redis.zrem(this.#key(indexKey), member)) === 1;
	}

	async indexClaim(indexKey: string, maxScore: number, newScore: number, limit: number): Promise<string[]> {
		checkLimit(limit);
		return this.#redis.indexClaim(this.#key(indexKey), bound(checkScore(maxScore, "maxScore")), bound(checkScore(newScore, "newScore")), limit);
	}

	/** SCAN in batches rather than KEYS, which blocks the whole server while it walks the keyspace. */
	async clear(): Promise<void> {
		const match = `${escapeGlob(this.#prefix)}:*`;
		let cursor = "0";
		do {
			const [next, keys] = await this.#redis.scan(cursor, "MATCH", match, "COUNT", SCAN_BATCH);
			if (keys.length > 0) await this.#redis.unlink(...keys);
			cursor = next;
		} while (cursor !== "0");
	}

	/** QUIT lets in-flight replies arrive; a connection that never came up is just dropped. */
	async close(): Promise<void> {
		if (this.#redis.status === "end") return;
		if (this.#redis.status === "ready") await this.#redis.quit();
		else this.#redis.disconnect();
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
