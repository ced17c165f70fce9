import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A signed webhook whose signed timestamp is outside the partner's window: a replay, or a clock far off. */
export class SignatureStaleError extends WaybillError {
	constructor(partner: string, ageSeconds: number, toleranceSeconds: number) {
		super(`signature from '${partner}' rejected: signed ${ageSeconds} s from now, outside the ${toleranceSeconds} s window`, 401, ERROR_TYPES.SIGNATURE_STALE, { partner, ageSeconds, toleranceSeconds });
	}
}

export const isSignatureStale = (e: unknown): e is SignatureStaleError => asErrorLike(e).type === ERROR_TYPES.SIGNATURE_STALE;
