import { PROBLEM_CATALOGUE } from "../../../canonical/errors/problem-catalogue.ts";
import { loadPartnerRegistry, type PartnerEntry } from "../../../config/partner-registry.ts";
import { ACTION_REQUIREMENTS, type Requirement } from "../auth/scopes.ts";
import { gatewayRoutes } from "../routes.ts";
import { loadDeclaredParams, type DeclaredParams } from "./declared-params.ts";
import { resolveRule } from "./fv-rules.ts";
import { ruleIsOptional, ruleToJsonSchema, toJsonSchema, type JsonSchema } from "./json-schema.ts";
import { OPERATIONS, type OperationSpec, type Success } from "./operation-schemas.ts";
import { PROBLEM_DETAILS_SCHEMA, PROBLEM_TYPE_SCHEMA, problemResponses, type Refusal } from "./problem-responses.ts";
import { partnerSignatures, signatureDescription } from "./webhook-signatures.ts";

/** A route of moleculer-web as far as the document reads it (routes.ts `gatewayRoutes`). */
export interface RouteLike {
	path?: string;
	aliases?: Record<string, unknown>;
}

export interface OpenApiOptions {
	/** Each routed action's declared `params` (declared-params.ts). */
	declaredParams: DeclaredParams;
	partners?: readonly PartnerEntry[];
	operations?: Record<string, OperationSpec>;
	requirements?: Record<string, Requirement>;
	version?: string;
}

/** An OpenAPI 3.1 document (as plain JSON). */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>>; components: { schemas: Record<string, JsonSchema>; [other: string]: unknown } };
type Doc = OpenApiDocument;
const ALIAS = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/\S*)$/i;
const WITH_BODY = new Set(["post", "put", "patch"]);
const ALWAYS: Refusal[] = [{ type: "UNEXPECTED" }, { type: "SERVICE_UNAVAILABLE" }];

/** The OpenAPI 3.1 description of every alias of the routes, from the schemas the actions validate with. */
export function buildOpenApiDocument(routes: readonly RouteLike[], options: OpenApiOptions): Doc {
	const operations = options.operations ?? OPERATIONS;
	const doc: Doc = {
		openapi: "3.1.0",
		info: {
			title: "Waybill API",
			version: options.version ?? "1",
			description: "The governed API (/api/v1), partner webhooks, operations (/ops), health and metrics. Every error is RFC 9457 problem+json; its `type` is one of x-problem-types (also served at GET /problems/{slug}). A W3C `traceparent` header on /api/v1 and webhooks continues the caller's trace.",
		},
		tags: [...new Set(Object.values(operations).map((o) => o.tag))].map((name) => ({ name })),
		paths: {},
		components: {
			schemas: { ProblemDetails: PROBLEM_DETAILS_SCHEMA, ProblemType: PROBLEM_TYPE_SCHEMA },
			securitySchemes: {
				apiKey: { type: "http", scheme: "bearer", bearerFormat: "wb_<id>_<secret>", description: "An API key as `Authorization: Bearer wb_<id>_<secret>` (also accepted as `X-API-Key`). Each operation names the scope it needs." },
			},
		},
		"x-problem-types": PROBLEM_CATALOGUE,
	};
	const seen = new Map<string, number>();
	for (const route of routes) {
		for (const [alias, target] of Object.entries(route.aliases ?? {})) {
			const match = ALIAS.exec(alias.trim());
			const action = aliasAction(target);
			if (!match || action === undefined) throw new Error(`cannot describe alias '${alias}' of route '${route.path ?? "/"}'`);
			const method = match[1]!.toLowerCase();
			const { path, pathParams } = openApiPath(route.path ?? "", match[2]!);
			const count = seen.get(action) ?? 0;
			seen.set(action, count + 1);
			const operation = describe(doc, { action, method, pathParams, occurrence: count, spec: operations[action], options });
			(doc.paths[path] ??= {})[method] = operation;
		}
	}
	return doc;
}

let cached: Promise<Doc> | undefined;

/** The document of the gateway's real routes, built on first use and kept (a failed build is tried again next time). */
export function openApiDocument(): Promise<Doc> {
	cached ??= (async () => {
		const actions = gatewayRoutes.flatMap((route) => Object.values(route.aliases as Record<string, unknown>).map(aliasAction)).filter((a): a is string => a !== undefined);
		const { params } = await loadDeclaredParams(actions);
		return buildOpenApiDocument(gatewayRoutes, { declaredParams: params, partners: loadPartnerRegistry().entries });
	})().catch((e: unknown) => {
		cached = undefined;
		throw e;
	});
	return cached;
}

/** The action an alias calls: `"svc.action"` or `{ action: "svc.action", ... }`. */
function aliasAction(target: unknown): string | undefined {
	const action = typeof target === "string" ? target : (target as { action?: unknown } | null)?.action;
	return typeof action === "string" ? action : undefined;
}

/** `/api/v1` + `/orders/:orderId` -> `/api/v1/orders/{orderId}`. */
export function openApiPath(prefix: string, aliasPath: string): { path: string; pathParams: string[] } {
	const joined = `/${[prefix, aliasPath].join("/").split("/").filter(Boolean).join("/")}`;
	const pathParams: string[] = [];
	const path = joined.replace(/:([A-Za-z0-9_]+)\??/g, (_m, name: string) => {
		pathParams.push(name);
		return `{${name}}`;
	});
	return { path, pathParams };
}

interface Describe {
	action: string;
	method: string;
	pathParams: string[];
	occurrence: number;
	spec: OperationSpec | undefined;
	options: OpenApiOptions;
}

function describe(doc: Doc, { action, method, pathParams, occurrence, spec, options }: Describe): Record<string, unknown> {
	const refusals: Refusal[] = [...ALWAYS, ...(spec?.problems ?? []).map((type) => ({ type }))];
	const { parameters, requestBody } = requestOf(doc, { action, method, pathParams, spec, declared: options.declaredParams[action] }, refusals);
	const requirement = (options.requirements ?? ACTION_REQUIREMENTS)[action];
	const security = securityOf(requirement, refusals);
	const description = [
		spec?.description,
		requirement === "partner-signature" ? signatureDescription(partnerSignatures(options.partners ?? [])) : undefined,
		requirement === undefined ? "No access rule names this action: every request is refused (403)." : undefined,
	].filter(Boolean).join("\n\n");
	return {
		operationId: occurrence === 0 ? action : `${action}.${pathParams.length > 0 ? `by-${pathParams.join("-")}` : occurrence + 1}`,
		summary: spec?.summary ?? action,
		...(description ? { description } : {}),
		tags: [spec?.tag ?? "undocumented"],
		...(spec ? {} : { "x-undocumented": true }),
		"x-action": action,
		"x-requirement": requirement ?? "none",
		security,
		parameters,
		...(requestBody ? { requestBody } : {}),
		responses: { ...successResponses(spec, action), ...problemResponses(unique(refusals)) },
	};
}

interface Request {
	action: string;
	method: string;
	pathParams: string[];
	spec: OperationSpec | undefined;
	declared: object | undefined;
}

/**
 * Parameters and body. moleculer-web merges path, query and body into the params an action
 * validates: its path params are the path's, the rest is the body of a write and the query of a read.
 */
function requestOf(doc: Doc, { action, method, pathParams, spec, declared }: Request, refusals: Refusal[]): { parameters: Record<string, unknown>[]; requestBody?: Record<string, unknown> } {
	const props = Object.entries(declared ?? {}).filter(([key]) => !key.startsWith("$$"));
	const declaredRule = (name: string) => props.find(([key]) => key === name)?.[1];
	const parameters: Record<string, unknown>[] = pathParams.map((name) => ({ name, in: "path", required: true, schema: declaredRule(name) === undefined ? { type: "string" } : valueSchema(declaredRule(name), `${action}.${name}`) }));
	const rest = props.filter(([name]) => !pathParams.includes(name));
	if (declared) refusals.push({ type: "SCHEMA_INVALID", status: 422 });
	let requestBody: Record<string, unknown> | undefined;
	if (WITH_BODY.has(method) && rest.length > 0) {
		if (spec?.body) throw new Error(`${action}: both declared params and a handler-checked body; describe one`);
		const strict = declared && "$$strict" in declared ? { $$strict: (declared as { $$strict: unknown }).$$strict } : {};
		requestBody = jsonBody(doc, action, toJsonSchema({ ...strict, ...Object.fromEntries(rest) }), rest.some(([, rule]) => !ruleIsOptional(rule)));
	} else {
		for (const [name, rule] of rest) parameters.push({ name, in: "query", required: !ruleIsOptional(rule), schema: valueSchema(rule, `${action}.${name}`) });
	}
	for (const [name, schema] of Object.entries(spec?.handlerQuery ?? {})) parameters.push({ name, in: "query", required: false, schema });
	if (spec?.body) {
		requestBody = jsonBody(doc, action, toJsonSchema(spec.body), true);
		refusals.push({ type: "SCHEMA_INVALID", status: spec.bodyInvalidStatus ?? 422 });
	}
	if (spec?.rawBody) requestBody = { required: true, description: "The partner's document as it sends it (JSON, XML, X12, EDIFACT): signed over these exact bytes.", content: { "*/*": { schema: {} } } };
	if (requestBody) refusals.push({ type: "PAYLOAD_TOO_LARGE" }, { type: "PAYLOAD_UNPARSEABLE", status: 400 }, ...(spec?.rawBody ? [] : [{ type: "PAYLOAD_UNPARSEABLE" as const, status: 415 }]));
	if (spec?.idempotent) {
		// idempotency-key.ts refuses a key that is not 1 to 255 visible ASCII characters (422).
		parameters.push({ name: "Idempotency-Key", in: "header", required: false, description: "Names this request: a repeat with the same key and body answers the first response; with another body, 422.", schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[!-~]+$" } });
		refusals.push({ type: "SCHEMA_INVALID", status: 422 });
	}
	return { parameters, ...(requestBody ? { requestBody } : {}) };
}

/** A parameter's value schema: never null (a query string or path segment cannot carry one). */
function valueSchema(rule: unknown, path: string): JsonSchema {
	return ruleToJsonSchema({ ...resolveRule(rule), optional: false, nullable: false }, path);
}

function jsonBody(doc: Doc, action: string, schema: JsonSchema, required: boolean): Record<string, unknown> {
	const name = `${action.split(".")[1]!.replace(/^./, (c) => c.toUpperCase())}Request`;
	doc.components.schemas[name] = schema;
	return { required, content: { "application/json": { schema: { $ref: `#/components/schemas/${name}` } } } };
}

function securityOf(requirement: Requirement | undefined, refusals: Refusal[]): unknown[] {
	if (requirement === undefined) {
		refusals.push({ type: "FORBIDDEN" });
		return [];
	}
	if (requirement === "public") return [];
	refusals.push({ type: "RATE_LIMITED" });
	if (requirement === "partner-signature") {
		refusals.push({ type: "SIGNATURE_INVALID" }, { type: "SIGNATURE_STALE" }, { type: "PARTNER_UNKNOWN" });
		return [];
	}
	refusals.push({ type: "UNAUTHENTICATED" });
	if (requirement === "authenticated") return [{ apiKey: [] }];
	refusals.push({ type: "FORBIDDEN" });
	return [{ apiKey: [requirement] }];
}

function successResponses(spec: OperationSpec | undefined, action: string): Record<string, unknown> {
	if (!spec) return { "200": { description: `The answer of ${action}.` } };
	const responses: Record<string, unknown> = { [String(spec.success.status ?? 200)]: response(spec.success, spec.idempotent === true) };
	for (const [status, other] of Object.entries(spec.otherResponses ?? {})) responses[status] = response(other, spec.idempotent === true);
	return responses;
}

function response(success: Success, idempotent: boolean): Record<string, unknown> {
	const headers: Record<string, unknown> = Object.fromEntries(Object.entries(success.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: "string" } }]));
	if (idempotent) headers["Idempotent-Replayed"] = { description: "`true` when this is the recorded answer to an earlier request with the same Idempotency-Key.", schema: { type: "string", enum: ["true"] } };
	return {
		description: success.description,
		...(Object.keys(headers).length > 0 ? { headers } : {}),
		...(success.status === 204 ? {} : { content: { [success.contentType ?? "application/json"]: { schema: success.schema ?? {} } } }),
	};
}

function unique(refusals: Refusal[]): Refusal[] {
	const keys = new Set<string>();
	return refusals.filter((r) => {
		const key = `${r.type}@${r.status ?? ""}`;
		return keys.has(key) ? false : (keys.add(key), true);
	});
}
