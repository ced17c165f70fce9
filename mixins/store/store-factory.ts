import { MemoryStore } from "./memory.store.ts";
import { RedisStore } from "./redis.store.ts";
import { withRetryableOutages } from "./retryable-store.ts";
import type { Store } from "./store.ts";

/**
 * Distributed mode when a Redis URL is configured, embedded mode otherwise. An empty string
 * counts as unset, so `REDIS_URL=` in an env file falls back to memory instead of failing.
 */
export function createStore(options: { redisUrl?: string; prefix: string }): Store {
	if (options.redisUrl) return withRetryableOutages(new RedisStore({ url: options.redisUrl, prefix: options.prefix }));
	return new MemoryStore(options.prefix);
}
