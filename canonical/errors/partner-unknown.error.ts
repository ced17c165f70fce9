import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A system/partner pair with no configured profile. */
export class PartnerUnknownError extends WaybillError {
	constructor(system: string, partner: string) {
		super(`no partner '${partner}' is configured for system '${system}'`, 404, ERROR_TYPES.PARTNER_UNKNOWN, { system, partner });
	}
}

export const isPartnerUnknown = (e: unknown): e is PartnerUnknownError => asErrorLike(e).type === ERROR_TYPES.PARTNER_UNKNOWN;
