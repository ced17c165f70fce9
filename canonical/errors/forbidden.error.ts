import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A known caller asking for something its credential does not allow (a scope it lacks, another partner's path). */
export class ForbiddenError extends WaybillError {
	constructor(caller: string, reason: string) {
		super(`'${caller}' may not do this: ${reason}`, 403, ERROR_TYPES.FORBIDDEN, { caller, reason });
	}
}

export const isForbidden = (e: unknown): e is ForbiddenError => asErrorLike(e).type === ERROR_TYPES.FORBIDDEN;
