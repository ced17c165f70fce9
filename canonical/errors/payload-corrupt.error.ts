import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/**
 * The bytes stored under a payload's digest are not the bytes that digest names (a different
 * size or content). Not retryable: the same bytes come back every time; never mapped.
 */
export class PayloadCorruptError extends WaybillError {
	constructor(digest: string, found: { digest: string; size: number }, expectedSize: number) {
		super(`payload ${digest} is corrupt: stored bytes hash to ${found.digest} (${found.size} bytes, expected ${expectedSize})`, 422, ERROR_TYPES.PAYLOAD_CORRUPT, { digest, found, expectedSize });
	}
}

export const isPayloadCorrupt = (e: unknown): e is PayloadCorruptError => asErrorLike(e).type === ERROR_TYPES.PAYLOAD_CORRUPT;
