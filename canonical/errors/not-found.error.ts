import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

export class NotFoundError extends WaybillError {
	constructor(what: string, id: string) {
		super(`${what} '${id}' was not found`, 404, ERROR_TYPES.NOT_FOUND, { what, id });
	}
}

export const isNotFound = (e: unknown): e is NotFoundError => asErrorLike(e).type === ERROR_TYPES.NOT_FOUND;
