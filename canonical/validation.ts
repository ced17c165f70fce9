import FastestValidatorModule, { type ValidationError } from "fastest-validator";
import { envelopeSchema, dataschemaFor, type Envelope } from "./envelope.ts";
import { catalogueEntry } from "./catalogue.ts";
import { SchemaInvalidError, UnknownMessageTypeError, type SchemaProblem } from "./errors/index.ts";

// The package is CommonJS (`module.exports = Validator`) but its typings declare an ES default
// export, so under NodeNext the class sits at `.default` for the compiler and at the root at run time.
type ValidatorClass = typeof FastestValidatorModule.default;
const Validator = ((FastestValidatorModule as unknown as { default?: ValidatorClass }).default ??
	FastestValidatorModule) as unknown as ValidatorClass;
const validator = new Validator({ useNewCustomCheckerFunction: true });
type Check = (value: unknown) => true | ValidationError[] | Promise<true | ValidationError[]>;
const compiled = new Map<object, Check>();

function checkerFor(schema: object): Check {
	let check = compiled.get(schema);
	if (!check) {
		check = validator.compile(schema as never) as Check;
		compiled.set(schema, check);
	}
	return check;
}

function toProblems(errors: ValidationError[]): SchemaProblem[] {
	return errors.map((e) => ({ field: e.field, message: e.message ?? e.type, type: e.type }));
}

/** Validate any value against a fastest-validator schema; throws SchemaInvalidError naming the schema. */
export function assertMatches<T>(schemaName: string, schema: object, value: unknown): T {
	let result: ReturnType<Check>;
	try {
		result = checkerFor(schema)(value);
	} catch (e: unknown) {
		// fastest-validator prints the offending value into its message: an object whose `toString` is not a function throws there.
		if (e instanceof TypeError) throw new SchemaInvalidError(schemaName, [{ field: "", message: `a value cannot be read: ${e.message}` }]);
		throw e;
	}
	if (result instanceof Promise) throw new Error(`schema '${schemaName}' is async; Waybill schemas must be synchronous`);
	if (result !== true) throw new SchemaInvalidError(schemaName, toProblems(result));
	return value as T;
}

/**
 * The gate every durable message passes when it is published and again when it is consumed:
 * the envelope, a known type, a dataschema of the catalogue's version, and data matching the schema.
 */
export function assertValidMessage(envelope: unknown): Envelope {
	const env = assertMatches<Envelope>("envelope", envelopeSchema, envelope);
	const entry = catalogueEntry(env.type);
	if (!entry) throw new UnknownMessageTypeError(env.type);
	const expected = dataschemaFor(env.type, entry.version);
	if (env.dataschema !== expected) {
		throw new SchemaInvalidError(env.type, [{ field: "dataschema", message: `expected '${expected}', got '${env.dataschema}'` }]);
	}
	assertMatches(env.type, entry.schema, env.data);
	return env;
}
