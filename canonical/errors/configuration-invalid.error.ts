import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** Settings that cannot work (a distributed process without Redis, a malformed URL). */
export class ConfigurationInvalidError extends WaybillError {
	constructor(setting: string, reason: string) {
		super(`configuration '${setting}' is invalid: ${reason}`, 500, ERROR_TYPES.CONFIGURATION_INVALID, { setting, reason });
	}
}

export const isConfigurationInvalid = (e: unknown): e is ConfigurationInvalidError =>
	asErrorLike(e).type === ERROR_TYPES.CONFIGURATION_INVALID;

/** The same Idempotency-Key was sent again with a different body. */
export class IdempotencyConflictError extends WaybillError {
	constructor(key: string) {
		super(`idempotency key '${key}' was already used with a different request`, 422, ERROR_TYPES.IDEMPOTENCY_CONFLICT, { key });
	}
}

export const isIdempotencyConflict = (e: unknown): e is IdempotencyConflictError =>
	asErrorLike(e).type === ERROR_TYPES.IDEMPOTENCY_CONFLICT;
