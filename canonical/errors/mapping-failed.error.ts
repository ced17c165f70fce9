import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A partner document that a mapping could not turn into canonical messages (or back). */
export class MappingFailedError extends WaybillError {
	constructor(mapping: string, reason: string) {
		super(`mapping '${mapping}' failed: ${reason}`, 422, ERROR_TYPES.MAPPING_FAILED, { mapping, reason });
	}
}

export const isMappingFailed = (e: unknown): e is MappingFailedError => asErrorLike(e).type === ERROR_TYPES.MAPPING_FAILED;

/** The body could not even be parsed (not JSON, not X12, ...). */
export class PayloadUnparseableError extends WaybillError {
	constructor(format: string, reason: string) {
		super(`payload is not valid ${format}: ${reason}`, 400, ERROR_TYPES.PAYLOAD_UNPARSEABLE, { format, reason });
	}
}

export const isPayloadUnparseable = (e: unknown): e is PayloadUnparseableError =>
	asErrorLike(e).type === ERROR_TYPES.PAYLOAD_UNPARSEABLE;
