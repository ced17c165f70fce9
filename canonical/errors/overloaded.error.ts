import { ERROR_TYPES } from "./error-types.ts";
import { RetryableWaybillError, asErrorLike } from "./waybill-error.ts";

/** Waybill is further behind than it allows itself to be: come back later instead of queueing more. */
export class OverloadedError extends RetryableWaybillError {
	constructor(channel: string, backlog: number, limit: number, retryAfterMs: number) {
		super(`'${channel}' has ${backlog} messages waiting (limit ${limit}); try again shortly`, 503, ERROR_TYPES.OVERLOADED, { channel, backlog, limit, retryAfterMs });
	}
}

export const isOverloaded = (e: unknown): e is OverloadedError => asErrorLike(e).type === ERROR_TYPES.OVERLOADED;
