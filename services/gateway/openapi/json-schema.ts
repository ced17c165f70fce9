import { acceptsNull, mayBeAbsent, propsOf, resolveRule, rootRule, type Rule } from "./fv-rules.ts";

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = { [keyword: string]: unknown };

/** fastest-validator's own patterns for the string flags and formats, so the document checks the same. */
const STRING_FLAG_PATTERNS: Record<string, RegExp> = {
	numeric: /^-?[0-9]\d*(\.\d+)?$/,
	alpha: /^[a-zA-Z]+$/,
	alphanum: /^[a-zA-Z0-9]+$/,
	alphadash: /^[a-zA-Z0-9_-]+$/,
	hex: /^[0-9a-fA-F]+$/,
	singleLine: /^[^\r\n]*$/,
};
const EMAIL_PATTERN = /^\S+@\S+\.\S+$/;
const EMAIL_PRECISE_PATTERN = /^(([^<>()[\]\\.,;:\s@"]+(\.[^<>()[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$/;
const URL_PATTERN = /^https?:\/\/\S+/;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Sanitisers the library applies before its checks; JSON Schema cannot, so the document says so. */
const SANITISERS = ["trim", "trimLeft", "trimRight", "lowercase", "uppercase", "localeLowercase", "localeUppercase", "padStart", "padEnd"];

/** The JSON Schema of a whole fastest-validator schema (what `validator.compile` takes). */
export function toJsonSchema(schema: object): JsonSchema {
	return convert(rootRule(schema), "$");
}

/** The JSON Schema of one property rule (shorthand, object or multi-rule array). */
export function ruleToJsonSchema(rule: unknown, path = "$"): JsonSchema {
	return convert(resolveRule(rule), path);
}

/** Whether a property rule lets the key be left out. */
export function ruleIsOptional(rule: unknown): boolean {
	return mayBeAbsent(resolveRule(rule));
}

function convert(rule: Rule, path: string): JsonSchema {
	const notes: string[] = [];
	const schema = base(rule, path, notes);
	if (rule.default !== undefined && typeof rule.default !== "function") schema.default = rule.default;
	if (typeof rule.default === "function") notes.push("Has a default computed by Waybill.");
	if (rule.convert === true) notes.push(`Values of another type are converted to ${rule.type} first.`);
	const sanitised = SANITISERS.filter((s) => rule[s] !== undefined && rule[s] !== false);
	if (sanitised.length > 0) notes.push(`Normalised (${sanitised.join(", ")}) before it is checked and used.`);
	if (notes.length > 0) schema.description = [schema.description, ...notes].filter(Boolean).join(" ");
	const nullOk = acceptsNull(rule);
	if (nullOk) return withNull(schema);
	// `any` and `custom` take everything but null when required: a null is a missing value.
	return rule.type === "any" || rule.type === "custom" ? { ...schema, not: { type: "null" } } : schema;
}

function base(rule: Rule, path: string, notes: string[]): JsonSchema {
	switch (rule.type) {
		case "any":
			return {};
		case "custom":
			notes.push("Checked by Waybill's code beyond this schema.");
			return {};
		case "string":
			return stringSchema(rule, path);
		case "email":
			return textFormat(rule, "email", rule.mode === "precise" ? EMAIL_PRECISE_PATTERN : EMAIL_PATTERN);
		case "url":
			return textFormat(rule, "uri", URL_PATTERN);
		case "uuid":
			return { type: "string", format: "uuid", pattern: UUID_PATTERN.source };
		case "number":
			return numberSchema(rule);
		case "boolean":
			return { type: "boolean" };
		case "enum":
			return { enum: [...(rule.values as unknown[])] };
		case "equal":
			if (rule.field !== undefined) throw unconvertible(rule, path, "equal to another field");
			if (rule.strict !== true) notes.push("Compared loosely (==).");
			return { const: rule.value };
		case "forbidden":
			return rule.remove === true ? { description: "Ignored: removed before the request is handled." } : { type: "null", description: "Must not be sent." };
		case "array":
			return arraySchema(rule, path);
		case "tuple":
			return tupleSchema(rule, path);
		case "object":
			return objectSchema(rule, path);
		case "record":
			return recordSchema(rule, path);
		case "multi":
			return { anyOf: (rule.rules as unknown[]).map((r, i) => ruleToJsonSchema(r, `${path}|${i}`)) };
		default:
			throw unconvertible(rule, path, `rule type '${rule.type}'`);
	}
}

function stringSchema(rule: Rule, path: string): JsonSchema {
	const schema: JsonSchema = { type: "string" };
	const patterns: string[] = [];
	if (rule.empty === false) schema.minLength = 1;
	if (typeof rule.min === "number") schema.minLength = Math.max(rule.min, (schema.minLength as number | undefined) ?? 0);
	if (typeof rule.max === "number") schema.maxLength = rule.max;
	if (typeof rule.length === "number") Object.assign(schema, { minLength: rule.length, maxLength: rule.length });
	if (rule.pattern !== undefined) patterns.push(patternSource(rule.pattern, rule.patternFlags, rule, path));
	if (typeof rule.contains === "string") patterns.push(rule.contains.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
	for (const [flag, pattern] of Object.entries(STRING_FLAG_PATTERNS)) if (rule[flag] === true) patterns.push(pattern.source);
	if (rule.base64 === true) patterns.push("^(?:[A-Za-z0-9+\\/]{4})*(?:[A-Za-z0-9+\\/]{2}==|[A-Za-z0-9+/]{3}=)?$");
	if (Array.isArray(rule.enum)) schema.enum = [...rule.enum];
	if (patterns.length === 1) schema.pattern = patterns[0];
	if (patterns.length > 1) schema.allOf = patterns.map((pattern) => ({ pattern }));
	// `empty: true` lets "" through before any other check.
	return rule.empty === true && (schema.minLength !== undefined || patterns.length > 0) ? { anyOf: [{ const: "" }, schema] } : schema;
}

function patternSource(pattern: unknown, flags: unknown, rule: Rule, path: string): string {
	const regexp = pattern instanceof RegExp ? pattern : new RegExp(String(pattern), typeof flags === "string" ? flags : undefined);
	// JSON Schema patterns have no flags; `u` and `g`/`y` change nothing the document could say differently.
	if (/[imsv]/.test(regexp.flags)) throw unconvertible(rule, path, `pattern flags '${regexp.flags}'`);
	return regexp.source;
}

function textFormat(rule: Rule, format: string, pattern: RegExp): JsonSchema {
	const schema: JsonSchema = { type: "string", format, pattern: pattern.source };
	if (typeof rule.min === "number") schema.minLength = rule.min;
	if (typeof rule.max === "number") schema.maxLength = rule.max;
	return rule.empty === true ? { anyOf: [{ const: "" }, schema] } : schema;
}

function numberSchema(rule: Rule): JsonSchema {
	const schema: JsonSchema = { type: rule.integer === true ? "integer" : "number" };
	if (typeof rule.min === "number") schema.minimum = rule.min;
	if (typeof rule.max === "number") schema.maximum = rule.max;
	if (rule.positive === true) schema.exclusiveMinimum = 0;
	if (rule.negative === true) schema.exclusiveMaximum = 0;
	if (typeof rule.equal === "number") schema.const = rule.equal;
	if (typeof rule.notEqual === "number") schema.not = { const: rule.notEqual };
	return schema;
}

function arraySchema(rule: Rule, path: string): JsonSchema {
	const schema: JsonSchema = { type: "array" };
	if (rule.items !== undefined) schema.items = ruleToJsonSchema(rule.items, `${path}[]`);
	if (Array.isArray(rule.enum)) schema.items = { ...(schema.items as JsonSchema | undefined), enum: [...rule.enum] };
	if (rule.empty === false) schema.minItems = 1;
	if (typeof rule.min === "number") schema.minItems = Math.max(rule.min, (schema.minItems as number | undefined) ?? 0);
	if (typeof rule.max === "number") schema.maxItems = rule.max;
	if (typeof rule.length === "number") Object.assign(schema, { minItems: rule.length, maxItems: rule.length });
	if (rule.unique === true) schema.uniqueItems = true;
	if (rule.contains !== undefined) schema.contains = { const: rule.contains };
	return schema;
}

function tupleSchema(rule: Rule, path: string): JsonSchema {
	const items = Array.isArray(rule.items) ? rule.items : [];
	return { type: "array", prefixItems: items.map((r, i) => ruleToJsonSchema(r, `${path}[${i}]`)), items: false, minItems: items.length, maxItems: items.length };
}

function objectSchema(rule: Rule, path: string): JsonSchema {
	const schema: JsonSchema = { type: "object" };
	const props = propsOf(rule);
	if (props) {
		const entries = Object.entries(props);
		schema.properties = Object.fromEntries(entries.map(([key, r]) => [key, ruleToJsonSchema(r, `${path}.${key}`)]));
		const required = entries.filter(([, r]) => !ruleIsOptional(r)).map(([key]) => key);
		if (required.length > 0) schema.required = required;
		if (rule.strict === true) schema.additionalProperties = false;
		if (rule.strict === "remove") {
			schema.additionalProperties = true;
			schema.description = "Unknown fields are ignored (removed before the request is handled).";
		}
	}
	if (typeof rule.minProps === "number") schema.minProperties = rule.minProps;
	if (typeof rule.maxProps === "number") schema.maxProperties = rule.maxProps;
	return schema;
}

function recordSchema(rule: Rule, path: string): JsonSchema {
	const key = ruleToJsonSchema(rule.key ?? "string", `${path}{key}`);
	const { type: _string, ...keyConstraints } = key;
	return {
		type: "object",
		...(Object.keys(keyConstraints).length > 0 ? { propertyNames: keyConstraints } : {}),
		additionalProperties: ruleToJsonSchema(rule.value ?? "any", `${path}{}`),
	};
}

/** `null` added to what a schema accepts, as compactly as its shape allows. */
function withNull(schema: JsonSchema): JsonSchema {
	if (Object.keys(schema).every((k) => k === "description" || k === "default") || schema.type === "null") return schema;
	// Only our own disjunctions (multi, `empty: true`) carry anyOf, next to annotations only.
	if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: "null" }] };
	const out: JsonSchema = { ...schema };
	if (typeof out.type === "string") out.type = [out.type, "null"];
	if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
	if ("const" in out) {
		const { const: value, ...rest } = out;
		return { ...rest, enum: [value, null] };
	}
	return out;
}

function unconvertible(rule: Rule, path: string, what: string): Error {
	return new Error(`cannot describe ${what} at ${path} in JSON Schema: ${JSON.stringify(rule)}`);
}
