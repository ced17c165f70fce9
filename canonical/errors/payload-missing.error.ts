import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/**
 * A payload reference that names nothing the payload store holds (expired, deleted, or a
 * reference that is not one). Not retryable: a payload is stored before the message that
 * references it, so waiting cannot bring it; the message is dead-lettered with its reference,
 * to be replayed once the payload is restored or the partner sends the document again.
 */
export class PayloadMissingError extends WaybillError {
	constructor(digest: string, uri: string, reason = "no payload with this digest is stored") {
		super(`payload ${digest} is missing: ${reason}`, 404, ERROR_TYPES.PAYLOAD_MISSING, { digest, uri, reason });
	}
}

export const isPayloadMissing = (e: unknown): e is PayloadMissingError => asErrorLike(e).type === ERROR_TYPES.PAYLOAD_MISSING;
