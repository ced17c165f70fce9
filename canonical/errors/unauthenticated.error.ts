import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** No credential, or one Waybill does not know (unknown, revoked, malformed): who is asking cannot be told. */
export class UnauthenticatedError extends WaybillError {
	constructor(reason: string) {
		super(`authentication required: ${reason}`, 401, ERROR_TYPES.UNAUTHENTICATED, { reason });
	}
}

export const isUnauthenticated = (e: unknown): e is UnauthenticatedError => asErrorLike(e).type === ERROR_TYPES.UNAUTHENTICATED;
