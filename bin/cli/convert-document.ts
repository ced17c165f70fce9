import { UnknownMessageTypeError, assertMatches, catalogueEntry } from "../../canonical/index.ts";
import { mapInbound, parseBody } from "../../services/mapper/canonical-mapper.ts";
import type { MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { convertEdifact } from "./convert-edifact.ts";
import { convertX12 } from "./convert-x12.ts";
import { problemOf, rejected, unmappedProblem, type Conversion, type DocumentFormat } from "./document-problem.ts";

export interface ConvertOptions {
	profiles: Map<string, MappingProfile>;
	/** A profile named on the command line: `x12-3pl` or `wms/x12-3pl`. */
	profile?: string;
	receivedAt: string;
}

/** X12 by its ISA header, EDIFACT by UNA, UNB or a bare UNH, JSON by its first character; BOM and whitespace first are layout. */
export function detectFormat(text: string): DocumentFormat | undefined {
	const start = text.replace(/^\uFEFF/, "").trimStart();
	if (start.startsWith("ISA")) return "x12";
	if (/^(UNA|UNB|UNH)/.test(start)) return "edifact";
	if (start.startsWith("{") || start.startsWith("[")) return "json";
	return undefined;
}

/** Which inbound JSON profile a payload belongs to, by the shape each partner sends. */
export function jsonProfileFor(body: unknown): string | undefined {
	if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
	const o = body as Record<string, unknown>;
	if (o.object === "Event" && typeof o.description === "string") return "lastmile/easypost";
	if (o.object === "Tracker" && typeof o.tracking_code === "string") return "lastmile/easypost";
	if (typeof o.triggerName === "string") return "lastmile/onfleet";
	if (typeof o.eventType === "string") return "wms/generic-3pl";
	if (o.doctype === "Sales Order" || o.doctype === "Delivery Note") return "erp/erpnext";
	// Shopify's REST reads and webhooks carry each object bare or wrapped in its own name.
	const inner = (key: string) => (o[key] && typeof o[key] === "object" ? o[key] : o) as Record<string, unknown>;
	const order = inner("order");
	if (Array.isArray(order.line_items) && "financial_status" in order && !("order_id" in order)) return "erp/shopify";
	const fulfillmentOrder = inner("fulfillment_order");
	if ("order_id" in fulfillmentOrder && "request_status" in fulfillmentOrder) return "erp/shopify";
	const fulfillment = inner("fulfillment");
	if ("order_id" in fulfillment && Array.isArray(fulfillment.line_items) && ("tracking_numbers" in fulfillment || "tracking_number" in fulfillment)) return "erp/shopify";
	const event = inner("fulfillment_event");
	if ("fulfillment_id" in event && "status" in event && ("happened_at" in event || "estimated_delivery_at" in event)) return "erp/shopify";
	return undefined;
}

/** `x12-3pl` or `wms/x12-3pl` to the loaded profile key; undefined when no such profile exists. */
export function resolveProfile(profiles: Map<string, MappingProfile>, name: string): string | undefined {
	if (profiles.has(name)) return name;
	const matches = [...profiles.keys()].filter((key) => key.endsWith(`/${name}`));
	return matches.length === 1 ? matches[0] : undefined;
}

/**
 * A partner document, whatever its format, to the canonical facts it maps to, or a problem saying
 * why not. Every fact is checked against its catalogue schema, as the streams would check it.
 */
export async function convertDocument(text: string, options: ConvertOptions): Promise<Conversion> {
	const conversion = await convertUnchecked(text, options);
	if (!conversion.accepted) return conversion;
	for (const fact of conversion.facts) {
		const entry = catalogueEntry(fact.type);
		try {
			if (!entry || entry.kind !== "fact") throw new UnknownMessageTypeError(fact.type);
			assertMatches(fact.type, entry.schema, fact.data);
		} catch (e: unknown) {
			return rejected(problemOf(e, { format: conversion.format, profile: conversion.profile }));
		}
	}
	return conversion;
}

async function convertUnchecked(text: string, options: ConvertOptions): Promise<Conversion> {
	const format = detectFormat(text);
	const named = options.profile === undefined ? undefined : resolveProfile(options.profiles, options.profile);
	if (options.profile !== undefined && !named) throw new UsageError(`no mapping profile '${options.profile}' (have ${[...options.profiles.keys()].join(", ")})`);
	if (!format) {
		return rejected({ type: "https://waybill.dev/problems/payload-unparseable", title: "Format not recognised", status: 400, detail: "not X12 (no ISA header), EDIFACT (no UNA, UNB or UNH) or JSON", where: { position: 1 } });
	}
	// Without --profile, an X12 or EDIFACT interchange goes to the profile that reads its sets or messages.
	if (format === "x12" && !named) return convertX12(text, options.profiles, options.receivedAt);
	if (format === "edifact" && !named) return convertEdifact(text, options.profiles, options.receivedAt);
	const key = named;
	const profile = key ? options.profiles.get(key) : undefined;
	if (profile && profile.format !== format) {
		return rejected({ type: "https://waybill.dev/problems/payload-unparseable", title: "Document does not match the profile", status: 400, detail: `profile ${key} reads ${profile.format.toUpperCase()}, but the document is ${format.toUpperCase()}`, format, profile: key });
	}
	if (format === "x12") return convertX12(text, options.profiles, options.receivedAt, key);
	if (format === "edifact") return convertEdifact(text, options.profiles, options.receivedAt, key);
	return convertJson(text, profile, options.profiles, options.receivedAt);
}

async function convertJson(text: string, named: MappingProfile | undefined, profiles: Map<string, MappingProfile>, receivedAt: string): Promise<Conversion> {
	let body: unknown;
	try {
		body = parseBody("json", text.replace(/^\uFEFF/, ""));
	} catch (e: unknown) {
		return rejected(problemOf(e, { format: "json" }));
	}
	const key = named ? `${named.system}/${named.profile}` : jsonProfileFor(body);
	const profile = key ? profiles.get(key) : undefined;
	if (!key || !profile) return rejected(unmappedProblem("json", "none", `JSON ${describeShape(body)} matches no inbound profile (EasyPost Event or Tracker, Onfleet webhook, 3PL eventType, Shopify order, fulfillment order, fulfillment or fulfillment event, ERPNext Sales Order or Delivery Note); name one with --profile`));
	if (!profile.inbound) return rejected(unmappedProblem("json", key, `profile ${key} has no inbound mappings`));
	try {
		const route = await profile.inbound.route.evaluate(body, { receivedAt });
		if (typeof route !== "string" || !profile.inbound.routes.has(route)) {
			return rejected(unmappedProblem("json", key, `profile ${key} has no inbound mapping for '${String(route)}' (maps ${[...profile.inbound.routes.keys()].join(", ")})`));
		}
		const facts = await mapInbound(profile, text.replace(/^\uFEFF/, ""), { receivedAt, orderForTracking: offlineOrderForTracking });
		return { accepted: true, format: "json", profile: key, facts: facts.map((f) => ({ ...f, mappingVersion: profile.version })) };
	} catch (e: unknown) {
		if (e instanceof RangeError) return rejected(unmappedProblem("json", key, "the document nests too deeply to map"));
		return rejected(problemOf(e, { format: "json", profile: key }));
	}
}

/**
 * The mapper service asks the saga which order a tracking code belongs to; the CLI runs without
 * one, so the order is named by the tracking code itself, marked so nobody takes it for an order id.
 */
async function offlineOrderForTracking(code: unknown): Promise<string | undefined> {
	return typeof code === "string" && code !== "" ? `tracking:${code}` : undefined;
}

function describeShape(body: unknown): string {
	if (!body || typeof body !== "object") return typeof body;
	if (Array.isArray(body)) return "array";
	const o = body as Record<string, unknown>;
	return typeof o.object === "string" ? `object '${o.object}'` : `object with keys ${Object.keys(o).slice(0, 5).join(", ")}`;
}

/** A command line the CLI cannot act on (exit 2), as opposed to a document it refuses (exit 1). */
export class UsageError extends Error {
	override name = "UsageError";
}
