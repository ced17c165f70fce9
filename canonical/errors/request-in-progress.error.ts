import { ERROR_TYPES } from "./error-types.ts";
import { RetryableWaybillError, asErrorLike } from "./waybill-error.ts";

/** The first request with this Idempotency-Key is still running: retry shortly for its response. */
export class RequestInProgressError extends RetryableWaybillError {
	constructor(key: string) {
		super(`a request with idempotency key '${key}' is still being processed`, 409, ERROR_TYPES.REQUEST_IN_PROGRESS, { key, retryAfterMs: 1_000 });
	}
}

export const isRequestInProgress = (e: unknown): e is RequestInProgressError => asErrorLike(e).type === ERROR_TYPES.REQUEST_IN_PROGRESS;
