import { ERROR_TYPES } from "./error-types.ts";
import { RetryableWaybillError, asErrorLike } from "./waybill-error.ts";

/** The state store did not answer (down, restarting, timed out): the work is fine, try it again. */
export class StoreUnavailableError extends RetryableWaybillError {
	constructor(operation: string, reason: string) {
		super(`the store is unavailable (${operation}): ${reason}`, 503, ERROR_TYPES.STORE_UNAVAILABLE, { operation, reason, retryAfterMs: 1_000 });
	}
}

export const isStoreUnavailable = (e: unknown): e is StoreUnavailableError => asErrorLike(e).type === ERROR_TYPES.STORE_UNAVAILABLE;
