import { ReplyError } from "ioredis";
import { StoreUnavailableError } from "../../canonical/errors/index.ts";
import type { Store } from "./store.ts";

/**
 * Failures to reach Redis (connection closed, retries exhausted, command timed out while it
 * restarts) become a retryable StoreUnavailableError, so the message being handled is redelivered
 * later instead of dead-lettered. What Redis itself refused (a ReplyError) and what our own checks
 * refused (TypeError, RangeError) stay as they are: retrying cannot help those.
 */
export function withRetryableOutages(store: Store): Store {
	return new Proxy(store, {
		get(target, property) {
			const value = Reflect.get(target, property, target);
			if (typeof value !== "function" || property === "constructor") return value;
			// Bound to the store itself: its #private fields are not reachable through the proxy.
			if (property === "close") return value.bind(target);
			return (...args: unknown[]) => {
				const result = (value as (...a: unknown[]) => unknown).apply(target, args);
				if (!(result instanceof Promise)) return result;
				return result.catch((e: unknown) => {
					if (e instanceof ReplyError || e instanceof TypeError || e instanceof RangeError) throw e;
					throw new StoreUnavailableError(String(property), (e as Error)?.message ?? String(e));
				});
			};
		},
	});
}
