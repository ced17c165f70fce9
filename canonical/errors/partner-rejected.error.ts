import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A partner answered 4xx: the request itself is wrong, so retrying cannot help. */
export class PartnerRejectedError extends WaybillError {
	constructor(partner: string, status: number, detail: string) {
		super(`partner '${partner}' rejected the request (${status}): ${detail}`, 502, ERROR_TYPES.PARTNER_REJECTED, { partner, status, detail });
	}
}

export const isPartnerRejected = (e: unknown): e is PartnerRejectedError => asErrorLike(e).type === ERROR_TYPES.PARTNER_REJECTED;
