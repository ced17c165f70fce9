import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

export interface SchemaProblem {
	field?: string;
	message: string;
	type?: string;
}

/** A message or request does not match its schema. Never retried: the same bytes fail again. */
export class SchemaInvalidError extends WaybillError {
	constructor(schemaName: string, problems: SchemaProblem[]) {
		const first = problems[0]?.message ?? "invalid";
		super(`${schemaName} is invalid: ${first}`, 422, ERROR_TYPES.SCHEMA_INVALID, { schema: schemaName, problems });
	}
}

export const isSchemaInvalid = (e: unknown): e is SchemaInvalidError => asErrorLike(e).type === ERROR_TYPES.SCHEMA_INVALID;
