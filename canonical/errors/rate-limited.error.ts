import { ERROR_TYPES } from "./error-types.ts";
import { RetryableWaybillError, asErrorLike } from "./waybill-error.ts";

/** A caller over its request rate: answered 429 with Retry-After, nothing recorded. */
export class RateLimitedError extends RetryableWaybillError {
	constructor(caller: string, limitPerSecond: number, retryAfterMs: number) {
		super(`'${caller}' is over its limit of ${limitPerSecond} requests per second; retry after ${Math.ceil(retryAfterMs / 1000)} s`, 429, ERROR_TYPES.RATE_LIMITED, { caller, limitPerSecond, retryAfterMs });
	}
}

export const isRateLimited = (e: unknown): e is RateLimitedError => asErrorLike(e).type === ERROR_TYPES.RATE_LIMITED;
