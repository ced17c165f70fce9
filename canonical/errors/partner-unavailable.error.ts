import { ERROR_TYPES } from "./error-types.ts";
import { RetryableWaybillError, asErrorLike } from "./waybill-error.ts";

/**
 * A partner call that failed in a way worth retrying (timeout, 5xx, 429, open circuit). With
 * `hold`, the message waits for the partner however long it takes (store and forward) instead of
 * counting towards being dead-lettered: the partner is known to be down, the message is fine.
 */
export class PartnerUnavailableError extends RetryableWaybillError {
	constructor(partner: string, reason: string, retryAfterMs?: number, hold = false) {
		super(`partner '${partner}' is unavailable: ${reason}`, 503, ERROR_TYPES.PARTNER_UNAVAILABLE, { partner, reason, retryAfterMs, ...(hold ? { hold } : {}) });
	}
}

/** True for a failure that says "keep this message until the partner is back". */
export function holdsMessage(e: unknown): boolean {
	return (asErrorLike(e).data as { hold?: unknown } | undefined)?.hold === true;
}

export const isPartnerUnavailable = (e: unknown): e is PartnerUnavailableError =>
	asErrorLike(e).type === ERROR_TYPES.PARTNER_UNAVAILABLE;

/** The delay a partner asked for (Retry-After), when it asked. */
export function retryAfterOf(e: unknown): number | undefined {
	const data = asErrorLike(e).data as { retryAfterMs?: unknown } | undefined;
	return typeof data?.retryAfterMs === "number" ? data.retryAfterMs : undefined;
}
