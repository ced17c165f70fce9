import { ERROR_TYPES, WaybillError, isSchemaInvalid, type SchemaProblem } from "../../canonical/errors/index.ts";

/**
 * A request body the governed API refuses with 400 (the order commands' contract), where a
 * canonical message that does not fit its schema is a 422. Same type, SCHEMA_INVALID, so
 * `isSchemaInvalid` recognises both; only the status differs.
 */
export class BodyInvalidError extends WaybillError {
	constructor(what: string, problems: SchemaProblem[]) {
		super(`${what} is invalid: ${problems[0]?.message ?? "invalid"}`, 400, ERROR_TYPES.SCHEMA_INVALID, { schema: what, problems });
	}
}

/** The 400 for a body that failed a schema check, keeping every problem the check named. */
export function asBodyInvalid(what: string, e: unknown): unknown {
	if (!isSchemaInvalid(e)) return e;
	return new BodyInvalidError(what, (e.data as { problems?: SchemaProblem[] } | undefined)?.problems ?? []);
}
