import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A partner webhook whose signature does not verify over the raw body. */
export class SignatureInvalidError extends WaybillError {
	constructor(partner: string, reason: string) {
		super(`signature from '${partner}' rejected: ${reason}`, 401, ERROR_TYPES.SIGNATURE_INVALID, { partner, reason });
	}
}

export const isSignatureInvalid = (e: unknown): e is SignatureInvalidError =>
	asErrorLike(e).type === ERROR_TYPES.SIGNATURE_INVALID;
