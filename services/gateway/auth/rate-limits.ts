import type { Cluster, Redis } from "ioredis";
import { createRedisConnection } from "../../../mixins/store/redis-connection.ts";
import RateLimiterFlexible from "rate-limiter-flexible";
import { RateLimitedError } from "../../../canonical/errors/index.ts";

const { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } = RateLimiterFlexible;
type Limiter = InstanceType<typeof RateLimiterMemory> | InstanceType<typeof RateLimiterRedis>;

export interface RateLimitSettings {
	/** Requests per second an API key may make unless the key says otherwise. */
	apiPerSecond: number;
	/** Webhook requests per second per partner unless the partner's registry entry says otherwise. */
	webhookPerSecond: number;
	/** Requests per second from one address without a valid credential (401s included): guessing keys is slow. */
	anonymousPerSecond: number;
}

/**
 * Per-caller request rates, counted in one-second windows (rate-limiter-flexible). With Redis the
 * count is shared by every gateway pod, so a limit holds however many pods there are; if Redis is
 * unreachable each pod falls back to counting on its own rather than refusing everyone.
 */
export class RateLimits {
	readonly #limiters = new Map<number, Limiter>();
	readonly #redis: Redis | Cluster | undefined;

	constructor(readonly settings: RateLimitSettings, private readonly keyPrefix: string, redisUrl?: string) {
		// The store's connection settings (ACL user, password, TLS) apply here too.
		this.#redis = redisUrl ? createRedisConnection(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }) : undefined;
		this.#redis?.on("error", () => undefined); // the insurance limiter answers meanwhile; the store logs Redis outages
	}

	/** Counts one request of `caller`; RateLimitedError (429, with the wait) when it is over `perSecond`. */
	async consume(caller: string, perSecond: number): Promise<void> {
		try {
			await this.#limiter(perSecond).consume(caller, 1);
		} catch (e: unknown) {
			if (e instanceof RateLimiterRes) throw new RateLimitedError(caller, perSecond, Math.max(e.msBeforeNext, 1));
			throw e;
		}
	}

	async close(): Promise<void> {
		this.#redis?.disconnect();
	}

	#limiter(perSecond: number): Limiter {
		let limiter = this.#limiters.get(perSecond);
		if (!limiter) {
			const options = { points: perSecond, duration: 1, keyPrefix: `${this.keyPrefix}:ratelimit:${perSecond}` };
			limiter = this.#redis
				? new RateLimiterRedis({ ...options, storeClient: this.#redis, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(options) })
				: new RateLimiterMemory(options);
			this.#limiters.set(perSecond, limiter);
		}
		return limiter;
	}
}
