import jsonata from "jsonata";

const compiled = new Map<string, ReturnType<typeof jsonata>>();

/**
 * Reads one key (the order, the partner's event id) from a verified JSON body with a JSONata
 * expression from the partner registry. Best effort: a body it cannot read yields undefined and
 * the caller falls back (delivery id, body digest); the mapper gives the real verdict later.
 */
export async function keyFromBody(expression: string | undefined, body: Buffer): Promise<string | undefined> {
	if (!expression) return undefined;
	try {
		let expr = compiled.get(expression);
		if (!expr) compiled.set(expression, (expr = jsonata(expression)));
		const key = await expr.evaluate(JSON.parse(body.toString("utf8")));
		return typeof key === "string" && key.length > 0 && key.length <= 256 ? key : undefined;
	} catch {
		return undefined;
	}
}
