import { ERROR_TYPES } from "./error-types.ts";
import { RetryableWaybillError, asErrorLike } from "./waybill-error.ts";

/**
 * A fact for an order whose release has not been applied yet: wait for it (retryable), but only
 * briefly. Its partition waits with it, and a release that does not come within seconds is an
 * anomaly for the dead-letter queue, not a reason to hold every other order behind it.
 */
export class OrderNotYetKnownError extends RetryableWaybillError {
	constructor(orderId: string, messageType: string) {
		super(`fact '${messageType}' arrived before order '${orderId}' was released`, 409, ERROR_TYPES.ORDER_NOT_YET_KNOWN, { orderId, messageType, retryAfterMs: 500 });
	}
}

export const isOrderNotYetKnown = (e: unknown): e is OrderNotYetKnownError => asErrorLike(e).type === ERROR_TYPES.ORDER_NOT_YET_KNOWN;
