import { MappingFailedError, PartnerRejectedError, PayloadUnparseableError } from "../../canonical/errors/index.ts";
import { controlNumberFor, renderX12, x12Acknowledgement, x12Documents } from "./x12-documents.ts";
import { edifactDocuments } from "./edifact-documents.ts";
import { MAPPING_FUNCTIONS } from "./mapping-functions.ts";
import type { MappingProfile } from "./mapping-profile.ts";

/** What an inbound mapping yields per canonical fact, before it is put in an envelope. */
export interface MappedFact {
	type: string;
	subject: string;
	time: string;
	partnerEventId?: string;
	data: unknown;
}

export interface RenderedRequest {
	method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
	path: string;
	body?: unknown;
	/** Set when the body is already a document in the partner's format (X12 text), not JSON. */
	contentType?: string;
	/** For an X12 document Waybill wrote: what the partner's 997 will answer about. */
	interchange?: SentInterchangeSummary;
}

/** An outbound interchange as its 997 will name it: ISA13, the group's GS01 and GS06, each set's ST01 and ST02. */
export interface SentInterchangeSummary {
	interchangeControl: string;
	groupControl: string;
	functionalId: string;
	sets: Array<{ set: string; controlNumber: string }>;
}

/** JSONata results can carry sequence markers and undefined members; JSON is the contract. */
function plain<T>(value: unknown): T {
	return value === undefined ? (undefined as T) : (JSON.parse(JSON.stringify(value)) as T);
}

async function evaluate(name: string, expression: { evaluate: (input: unknown, bindings?: Record<string, unknown>) => Promise<unknown> }, input: unknown, bindings?: Record<string, unknown>): Promise<unknown> {
	try {
		return plain(await expression.evaluate(input, bindings));
	} catch (e: unknown) {
		throw new MappingFailedError(name, (e as Error).message);
	}
}

export function parseBody(format: MappingProfile["format"], body: string): unknown {
	try {
		return JSON.parse(body);
	} catch (e: unknown) {
		throw new PayloadUnparseableError(format, (e as Error).message);
	}
}

/** What a mapping is evaluated on: the JSON body, each transaction set of an X12 interchange, or each message of an EDIFACT one. */
function documentsOf(profile: MappingProfile, body: string): unknown[] {
	if (profile.format === "x12") return x12Documents(body);
	if (profile.format === "edifact") return edifactDocuments(body);
	const document = parseBody(profile.format, body);
	// Partners send one JSON object per message; a bare array or scalar is no document (and a huge array would stall the mapping).
	if (document === null || typeof document !== "object" || Array.isArray(document)) throw new PayloadUnparseableError(profile.format, "a partner message must be a JSON object");
	return [document];
}

/**
 * Partner document to canonical facts. An event the profile does not route (Onfleet's
 * taskCreated, say) yields none: it is recorded as received, and nothing more.
 */
export async function mapInbound(profile: MappingProfile, body: string, bindings: Record<string, unknown> = {}): Promise<MappedFact[]> {
	if (!profile.inbound) throw new MappingFailedError(profile.version, "profile has no inbound mappings");
	const facts: MappedFact[] = [];
	const bound = { ...bindings, ...MAPPING_FUNCTIONS, tables: profile.tables };
	for (const document of documentsOf(profile, body)) {
		const routeKey = await evaluate(`${profile.version} route`, profile.inbound.route, document, bound);
		const expression = typeof routeKey === "string" ? profile.inbound.routes.get(routeKey) : undefined;
		if (!expression) continue;
		const result = await evaluate(`${profile.version} ${String(routeKey)}`, expression, document, bound);
		for (const fact of (Array.isArray(result) ? result : [result]).filter((f) => f !== undefined) as MappedFact[]) {
			if (!fact || typeof fact.type !== "string" || typeof fact.subject !== "string" || typeof fact.time !== "string") {
				throw new MappingFailedError(`${profile.version} ${String(routeKey)}`, "result lacks type, subject or time (is the order reference missing?)");
			}
			facts.push(fact);
		}
	}
	return facts;
}

/** Canonical command to the partner's request. X12 bodies need the command's idempotency key (it names the interchange). */
export async function renderCommand(profile: MappingProfile, commandType: string, data: unknown, idempotencyKey?: string): Promise<RenderedRequest> {
	const spec = profile.outbound.get(commandType);
	if (!spec) throw new MappingFailedError(profile.version, `no outbound mapping for '${commandType}'`);
	const path = await evaluate(`${profile.version} ${commandType} path`, spec.path, data, { tables: profile.tables });
	if (typeof path !== "string" || !path.startsWith("/")) throw new MappingFailedError(`${profile.version} ${commandType}`, "path must be a string starting with '/'");
	// An empty segment means a reference the command lacked (a partnerRef, say): never call a wrong URL.
	if (path.includes("//") || (path.length > 1 && path.endsWith("/"))) throw new MappingFailedError(`${profile.version} ${commandType}`, `path '${path}' has an empty segment; a reference is missing`);
	const body = spec.body ? await evaluate(`${profile.version} ${commandType} body`, spec.body, data, { tables: profile.tables }) : undefined;
	if (profile.format !== "x12" || body === undefined) return { method: spec.method, path, body };
	// A document written whole elsewhere (the 997 Waybill owes, built from the interchange it answers) goes as it is.
	if (typeof body === "string" && body.startsWith("ISA")) return { method: spec.method, path, body, contentType: "application/edi-x12" };
	if (!idempotencyKey) throw new MappingFailedError(`${profile.version} ${commandType}`, "an X12 document needs the command's idempotency key for its control number");
	const rendered = body as Parameters<typeof renderX12>[1];
	const x12 = renderX12(profile.x12!, rendered, idempotencyKey);
	const control = String(controlNumberFor(idempotencyKey));
	const interchange: SentInterchangeSummary = {
		interchangeControl: control.padStart(9, "0"),
		groupControl: control,
		functionalId: rendered.functionalId,
		// The writer numbers transaction sets 0001, 0002... in the order given.
		sets: rendered.transactions.map((t, i) => ({ set: t.code, controlNumber: String(i + 1).padStart(4, "0") })),
	};
	return { method: spec.method, path, body: x12, contentType: "application/edi-x12", interchange };
}

/** The partner's answer to a command, as the canonical fact it proves (if the profile says so). */
export async function mapResponse(profile: MappingProfile, commandType: string, command: unknown, response: unknown): Promise<{ type: string; data: unknown } | undefined> {
	if (profile.format === "x12") {
		// An X12 partner answers with a 997: a rejected set is the request's fault, never retried.
		const rejected = (x12Acknowledgement(response) ?? []).flatMap((g) => g.transactions.filter((t) => !t.accepted));
		if (rejected.length > 0) throw new PartnerRejectedError(profile.profile, 200, `997 rejected transaction set(s) ${rejected.map((t) => t.controlNumber).join(", ")}`);
	}
	const fact = profile.outbound.get(commandType)?.fact;
	if (!fact) return undefined;
	const data = await evaluate(`${profile.version} ${commandType} response`, fact.data, { command, response }, { tables: profile.tables });
	return { type: fact.type, data };
}
