import { ERROR_TYPES } from "./error-types.ts";
import { RetryableWaybillError, asErrorLike } from "./waybill-error.ts";

/** Someone else wrote the same record first (optimistic concurrency); redo the work. */
export class ConcurrentUpdateError extends RetryableWaybillError {
	constructor(key: string) {
		super(`record '${key}' changed while it was being updated`, 409, ERROR_TYPES.CONCURRENT_UPDATE, { key });
	}
}

export const isConcurrentUpdate = (e: unknown): e is ConcurrentUpdateError => asErrorLike(e).type === ERROR_TYPES.CONCURRENT_UPDATE;

/** The durable stream could not take or give a message right now. */
export class StreamUnavailableError extends RetryableWaybillError {
	constructor(channel: string, reason: string) {
		super(`stream '${channel}' is unavailable: ${reason}`, 503, ERROR_TYPES.STREAM_UNAVAILABLE, { channel, reason, retryAfterMs: 1_000 });
	}
}

export const isStreamUnavailable = (e: unknown): e is StreamUnavailableError => asErrorLike(e).type === ERROR_TYPES.STREAM_UNAVAILABLE;
