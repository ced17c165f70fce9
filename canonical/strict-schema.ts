/**
 * The unknown-field policy, in one place:
 * - requests to the governed API are strict: a field the schema does not name is refused (400,
 *   naming it), because a misspelt `requestedWindw` silently dropped is a delivery window lost;
 * - durable messages drop what they do not know (`$$strict: "remove"` at the root), so a producer
 *   one minor version ahead does not break a consumer;
 * - partner webhooks are read by their mapping profile, which takes what it knows and ignores the rest.
 * `strictVariant` derives the first from the shared schema, so the two cannot drift apart.
 */
const variants = new WeakMap<object, object>();

function strictNode(node: unknown): unknown {
	if (Array.isArray(node)) return node.map(strictNode);
	if (!node || typeof node !== "object" || node instanceof RegExp) return node;
	const copy: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(node)) copy[key] = strictNode(value);
	if (copy.type === "object" && copy.props) copy.strict = true;
	return copy;
}

/** The schema with every object closed: root `$$strict: true`, nested objects `strict: true`. Cached per schema. */
export function strictVariant<T extends object>(schema: T): T {
	let variant = variants.get(schema);
	if (!variant) {
		const copy = strictNode(schema) as Record<string, unknown>;
		if (!copy.$$root) copy.$$strict = true;
		variant = copy;
		variants.set(schema, variant);
	}
	return variant as T;
}
