import { createRedisClient } from "../../mixins/store/redis-connection.ts";

/** Redis's `used_memory` now: what the data set takes, allocator overhead included (one Redis, not a cluster). */
export async function redisUsedMemory(url: string): Promise<number> {
	const redis = createRedisClient(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
	try {
		await redis.connect();
		const match = /^used_memory:(\d+)/m.exec(await redis.info("memory"));
		if (!match) throw new Error("INFO memory has no used_memory");
		return Number(match[1]);
	} finally {
		redis.disconnect();
	}
}
