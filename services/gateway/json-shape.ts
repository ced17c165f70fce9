import { PayloadUnparseableError } from "../../canonical/errors/index.ts";

/** Deeper than any document Waybill reads; far below what recursion in JSON.stringify or a mapping can take. */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text, read without parsing (strings skipped), stopping past `limit`. */
export function jsonDepth(text: Buffer | string, limit = MAX_JSON_DEPTH): number {
	const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < bytes.length; i++) {
		const b = bytes[i];
		if (inString) {
			if (b === 0x5c) i++; // a backslash escapes the next byte
			else if (b === 0x22) inString = false;
		} else if (b === 0x22) inString = true;
		else if (b === 0x5b || b === 0x7b) {
			depth++;
			if (depth > deepest) deepest = depth;
			if (deepest > limit) return deepest;
		} else if (b === 0x5d || b === 0x7d) depth--;
	}
	return deepest;
}

/**
 * body-parser's `verify` hook for the JSON routes: a body nested deeper than MAX_JSON_DEPTH is refused
 * (400) before it is parsed, since serialising it again (to audit it, to hash an idempotent request)
 * would exhaust the stack.
 */
export function refuseDeepJson(_req: unknown, _res: unknown, body: Buffer): void {
	if (jsonDepth(body) > MAX_JSON_DEPTH) {
		throw Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { status: 400, type: "entity.verify.failed" });
	}
}

/** Names of Object.prototype's members: as keys in a body they shadow them (`{"toString": "x"}`). */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * body-parser's `reviver` for the JSON routes: a key that shadows a member of Object.prototype
 * (`__proto__`, `constructor`, `toString`, `valueOf`...) is refused. No Waybill schema has such a
 * field, and code that prints or compares values (fastest-validator's own messages among it) fails
 * on an object whose `toString` is a string.
 */
export function refusePrototypeKeys(key: string, value: unknown): unknown {
	if (PROTOTYPE_KEYS.has(key)) throw Object.assign(new Error(`the key '${key}' is not allowed in a body`), { status: 400, type: "entity.verify.failed" });
	return value;
}

/**
 * A JSON partner's webhook must be one JSON object of sane depth: partners send objects, and an array
 * of tens of thousands of elements or a deeply nested body would stall the mapping that reads it.
 */
export function assertWebhookObject(partner: string, body: Buffer): void {
	if (jsonDepth(body) > MAX_JSON_DEPTH) throw new PayloadUnparseableError("json", `the body from '${partner}' nests deeper than ${MAX_JSON_DEPTH} levels`);
	let parsed: unknown;
	try {
		parsed = JSON.parse(body.toString("utf8"));
	} catch (e: unknown) {
		throw new PayloadUnparseableError("json", `the body from '${partner}' is not JSON: ${(e as Error).message}`);
	}
	if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new PayloadUnparseableError("json", `the body from '${partner}' must be a JSON object`);
}
