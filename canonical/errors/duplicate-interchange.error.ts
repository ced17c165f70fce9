import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A partner reused an interchange control number for different content: EDI hygiene forbids it. */
export class DuplicateInterchangeError extends WaybillError {
	constructor(partner: string, identity: string) {
		super(`partner '${partner}' sent a different document under an interchange id it used before (${identity})`, 409, ERROR_TYPES.DUPLICATE_INTERCHANGE, { partner, identity });
	}
}

export const isDuplicateInterchange = (e: unknown): e is DuplicateInterchangeError => asErrorLike(e).type === ERROR_TYPES.DUPLICATE_INTERCHANGE;
