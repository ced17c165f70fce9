/** RedisStore's Lua scripts, each run atomically: no other client's command comes in between. */
import type { Cluster, Redis } from "ioredis";

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

/** SET_VERSIONED plus plain SETs of KEYS[2..] to ARGV[3..], all in one atomic script. */
const SET_VERSIONED_WITH_LUA = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return false end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1]) end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
return version
`;

/** The client (one Redis or a cluster) once `defineCommand` has added the scripts as methods. */
export type ScriptedRedis = (Redis | Cluster) & Scripts;

interface Scripts {
	setVersioned(key: string, expectedVersion: number, json: string): Promise<number | null>;
	setVersionedWith(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number | null>;
	deleteIfEquals(key: string, json: string): Promise<number>;
	indexClaim(key: string, maxScore: string | number, newScore: string | number, limit: number): Promise<string[]>;
}

export function withScripts(client: Redis | Cluster): ScriptedRedis {
	client.defineCommand("setVersioned", { numberOfKeys: 1, lua: SET_VERSIONED_LUA });
	// The one multi-key script: checkOneSlot (hash-tags.ts) keeps its keys in one slot for a Redis Cluster.
	client.defineCommand("setVersionedWith", { lua: SET_VERSIONED_WITH_LUA });
	client.defineCommand("deleteIfEquals", { numberOfKeys: 1, lua: DELETE_IF_EQUALS_LUA });
	client.defineCommand("indexClaim", { numberOfKeys: 1, lua: INDEX_CLAIM_LUA });
	return client as ScriptedRedis;
}
