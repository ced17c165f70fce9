import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A message whose `type` is not in the catalogue: no schema, so it cannot be trusted. */
export class UnknownMessageTypeError extends WaybillError {
	constructor(messageType: string) {
		super(`unknown message type '${messageType}'`, 422, ERROR_TYPES.UNKNOWN_MESSAGE_TYPE, { messageType });
	}
}

export const isUnknownMessageType = (e: unknown): e is UnknownMessageTypeError =>
	asErrorLike(e).type === ERROR_TYPES.UNKNOWN_MESSAGE_TYPE;
