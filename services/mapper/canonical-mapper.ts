import { MappingFailedError, PayloadUnparseableError } from "../../canonical/errors/index.ts";
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

/**
 * Partner document to canonical facts. An event the profile does not route (Onfleet's
 * taskCreated, say) yields none: it is recorded as received, and nothing more.
 */
export async function mapInbound(profile: MappingProfile, body: string, bindings: Record<string, unknown> = {}): Promise<MappedFact[]> {
	if (!profile.inbound) throw new MappingFailedError(profile.version, "profile has no inbound mappings");
	const document = parseBody(profile.format, body);
	const routeKey = await evaluate(`${profile.version} route`, profile.inbound.route, document, bindings);
	const expression = typeof routeKey === "string" ? profile.inbound.routes.get(routeKey) : undefined;
	if (!expression) return [];
	const result = await evaluate(`${profile.version} ${String(routeKey)}`, expression, document, bindings);
	const facts = (Array.isArray(result) ? result : [result]).filter((f) => f !== undefined) as MappedFact[];
	for (const fact of facts) {
		if (!fact || typeof fact.type !== "string" || typeof fact.subject !== "string" || typeof fact.time !== "string") {
			throw new MappingFailedError(`${profile.version} ${String(routeKey)}`, "result lacks type, subject or time (is the order reference missing?)");
		}
	}
	return facts;
}

/** Canonical command to the partner's request. */
export async function renderCommand(profile: MappingProfile, commandType: string, data: unknown): Promise<RenderedRequest> {
	const spec = profile.outbound.get(commandType);
	if (!spec) throw new MappingFailedError(profile.version, `no outbound mapping for '${commandType}'`);
	const path = await evaluate(`${profile.version} ${commandType} path`, spec.path, data);
	if (typeof path !== "string" || !path.startsWith("/")) throw new MappingFailedError(`${profile.version} ${commandType}`, "path must be a string starting with '/'");
	// An empty segment means a reference the command lacked (a partnerRef, say): never call a wrong URL.
	if (path.includes("//") || (path.length > 1 && path.endsWith("/"))) throw new MappingFailedError(`${profile.version} ${commandType}`, `path '${path}' has an empty segment; a reference is missing`);
	const body = spec.body ? await evaluate(`${profile.version} ${commandType} body`, spec.body, data) : undefined;
	return { method: spec.method, path, body };
}

/** The partner's answer to a command, as the canonical fact it proves (if the profile says so). */
export async function mapResponse(profile: MappingProfile, commandType: string, command: unknown, response: unknown): Promise<{ type: string; data: unknown } | undefined> {
	const fact = profile.outbound.get(commandType)?.fact;
	if (!fact) return undefined;
	const data = await evaluate(`${profile.version} ${commandType} response`, fact.data, { command, response });
	return { type: fact.type, data };
}
