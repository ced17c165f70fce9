import jsonata from "jsonata";
import { el, parseInterchange } from "../mapper/formats/x12/index.ts";
import { parseEdifact } from "../mapper/formats/edifact/index.ts";

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

/**
 * The keys of an X12 webhook: the interchange's sender and control number (ISA06, ISA13) as its
 * identity, as partners resend interchanges whole; the order from a 945's W0602 or an 856's PRF01.
 */
export function x12Keys(body: Buffer): { eventId?: string; orderKey?: string } {
	try {
		const ix = parseInterchange(body.toString("utf8"));
		const segments = ix.groups.flatMap((g) => g.transactions.flatMap((t) => t.segments));
		const order = segments.find((s) => s[0] === "W06")?.[2] ?? segments.find((s) => s[0] === "PRF")?.[1];
		return { eventId: `x12:${el(ix.isa, 6)}:${el(ix.isa, 13)}`, ...(order ? { orderKey: order.trim() } : {}) };
	} catch {
		return {};
	}
}

/**
 * The keys of an EDIFACT webhook: the UNB sender and interchange reference (0020) as its identity,
 * as partners resend interchanges whole; the order from the first RFF ON (the order number Waybill
 * sent, in a DESADV header or an IFTSTA consignment) or CU. A bare message without UNB has no
 * identity here: the gateway falls back to the delivery header, then to the bytes' digest.
 */
export function edifactKeys(body: Buffer): { eventId?: string; orderKey?: string } {
	try {
		const ix = parseEdifact(body.toString("utf8"));
		const [sender, reference] = [ix.unb?.[1]?.[0], ix.unb?.[4]?.[0]];
		const references = ix.messages.flatMap((m) => m.segments.filter((s) => s.tag === "RFF").map((s) => s.elements[0] ?? []));
		const order = (references.find((r) => r[0] === "ON") ?? references.find((r) => r[0] === "CU"))?.[1]?.trim();
		return { ...(sender && reference ? { eventId: `edifact:${sender}:${reference}` } : {}), ...(order ? { orderKey: order } : {}) };
	} catch {
		return {};
	}
}

const EDI_KEYS: Record<string, (body: Buffer) => { eventId?: string; orderKey?: string }> = { x12: x12Keys, edifact: edifactKeys };

/** An EDI webhook's keys by its registry format; undefined for JSON, whose keys the registry's expressions read. */
export function ediKeys(format: string | undefined, body: Buffer): { eventId?: string; orderKey?: string } | undefined {
	return format && Object.hasOwn(EDI_KEYS, format) ? EDI_KEYS[format]!(body) : undefined;
}
