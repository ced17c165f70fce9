/**
 * fastest-validator's ways of writing a rule, reduced to one: an object with a `type`. Mirrors the
 * library's own resolution (validator.js `resolveType`, `parseShortHand`, `compile`) so that the
 * JSON Schema made from a rule describes what the library checks, not what the rule seems to say.
 */
export type Rule = Record<string, unknown> & { type: string };

/** A whole schema as `validator.compile` takes it: `$$root` rule, a multi-rule array, or an object's properties. */
export function rootRule(schema: unknown): Rule {
	if (Array.isArray(schema)) return resolveRule(schema);
	const record = schema as Record<string, unknown>;
	if (record.$$root === true) {
		const { $$root: _root, ...rule } = record;
		return resolveRule(rule);
	}
	return { type: "object", strict: record.$$strict, props: withoutMetaKeys(record) };
}

/** One rule in its full form; shorthand strings parsed, arrays as `multi`, `$$type` objects expanded. */
export function resolveRule(rule: unknown): Rule {
	if (typeof rule === "string") return parseShorthand(rule);
	if (Array.isArray(rule)) {
		if (rule.length === 0) throw new Error("an empty multi-rule array is not a schema");
		const rules = rule.map(resolveRule);
		return {
			type: "multi",
			rules,
			...(rules.every((r) => r.optional === true) ? { optional: true } : {}),
			...(rules.every((r) => r.nullable === true) ? { nullable: true } : {}),
		};
	}
	if (!rule || typeof rule !== "object") throw new Error(`not a validation rule: ${String(rule)}`);
	const record = rule as Record<string, unknown>;
	if (typeof record.$$type === "string") {
		const { $$type, ...props } = record;
		return { ...parseShorthand($$type), props };
	}
	if (typeof record.type !== "string") throw new Error(`a rule without a type: ${JSON.stringify(record)}`);
	return record as Rule;
}

/** "string|optional|max:64", "number|integer|no-convert", "string[]". */
export function parseShorthand(text: string): Rule {
	const [head = "", ...flags] = text.split("|").map((s) => s.trim());
	const rule: Rule = head.endsWith("[]") ? { type: "array", items: head.slice(0, -2) } : { type: head };
	for (const flag of flags) {
		const colon = flag.indexOf(":");
		if (colon === -1) {
			if (flag.startsWith("no-")) rule[flag.slice(3)] = false;
			else rule[flag] = true;
			continue;
		}
		const key = flag.slice(0, colon).trim();
		const raw = flag.slice(colon + 1).trim();
		rule[key] = raw === "true" || raw === "false" ? raw === "true" : Number.isNaN(Number(raw)) ? raw : Number(raw);
	}
	return rule;
}

/** Property rules of an object rule (`props` or `properties`), meta keys (`$$...`) left out as the library does. */
export function propsOf(rule: Rule): Record<string, unknown> | undefined {
	const props = (rule.props ?? rule.properties) as Record<string, unknown> | undefined;
	return props ? withoutMetaKeys(props) : undefined;
}

function withoutMetaKeys(record: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith("$$")));
}

/** A missing value is accepted (the key need not be sent). */
export function mayBeAbsent(rule: Rule): boolean {
	return rule.optional === true || rule.type === "forbidden" || hasDefault(rule);
}

/** `null` is accepted: optional and nullable rules skip it, and a default replaces it. */
export function acceptsNull(rule: Rule): boolean {
	return rule.optional === true || rule.nullable === true || rule.type === "forbidden" || hasDefault(rule);
}

function hasDefault(rule: Rule): boolean {
	return rule.default !== undefined && rule.default !== null;
}
