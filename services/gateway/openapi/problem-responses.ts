import { PROBLEM_BASE, PROBLEM_CATALOGUE, problemType, type ProblemTypeName } from "../../../canonical/errors/problem-catalogue.ts";
import type { JsonSchema } from "./json-schema.ts";

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** RFC 9457 problem details as the gateway writes them (problem-details.ts). */
export const PROBLEM_DETAILS_SCHEMA: JsonSchema = {
	type: "object",
	description: `RFC 9457 problem details. \`type\` is one of the documented problem types (${PROBLEM_BASE}<slug>, see x-problem-types and GET /problems).`,
	properties: {
		type: { type: "string", format: "uri", enum: PROBLEM_CATALOGUE.map((p) => p.uri) },
		title: { type: "string" },
		status: { type: "integer", minimum: 400, maximum: 599 },
		detail: { type: "string" },
		instance: { type: "string", description: "The request's path." },
		errors: { type: "array", description: "SCHEMA_INVALID: each problem, with the field it concerns.", items: { type: "object", properties: { field: { type: "string" }, message: { type: "string" }, type: { type: "string" } } } },
	},
	required: ["type", "title", "status", "detail"],
};

/** An entry of the taxonomy (GET /problems/{slug}). */
export const PROBLEM_TYPE_SCHEMA: JsonSchema = {
	type: "object",
	properties: {
		type: { type: "string" },
		slug: { type: "string" },
		uri: { type: "string", format: "uri" },
		title: { type: "string" },
		statuses: { type: "array", items: { type: "integer" } },
		when: { type: "string" },
		retryable: { type: "boolean" },
		retryAfter: { type: "boolean" },
		action: { type: "string" },
	},
	required: ["type", "slug", "uri", "title", "statuses", "when", "retryable", "retryAfter", "action"],
};

export const RETRY_AFTER_HEADER = {
	description: "Seconds to wait before trying again.",
	schema: { type: "integer", minimum: 0 },
};

/** A refusal an operation may answer: the type, and its status when the type has more than one. */
export interface Refusal {
	type: ProblemTypeName;
	status?: number;
}

/** One response per status, each naming the problem types it carries (and Retry-After when one of them sends it). */
export function problemResponses(refusals: readonly Refusal[]): Record<string, unknown> {
	const byStatus = new Map<number, Set<ProblemTypeName>>();
	for (const refusal of refusals) {
		const entry = problemType(refusal.type);
		if (!entry) throw new Error(`'${refusal.type}' is not in the problem catalogue`);
		const status = refusal.status ?? entry.statuses[0];
		if (status === undefined || (refusal.status === undefined && entry.statuses.length > 1) || !entry.statuses.includes(status)) {
			throw new Error(`'${refusal.type}' is answered with ${entry.statuses.join(" or ")}: name which (got ${refusal.status})`);
		}
		byStatus.set(status, (byStatus.get(status) ?? new Set()).add(refusal.type));
	}
	const responses: Record<string, unknown> = {};
	for (const [status, types] of [...byStatus].sort(([a], [b]) => a - b)) {
		const entries = [...types].map((t) => problemType(t)!);
		responses[String(status)] = {
			description: entries.map((e) => `${e.title} (${e.slug}): ${e.when}`).join("\n\n"),
			...(entries.some((e) => e.retryAfter) ? { headers: { "Retry-After": RETRY_AFTER_HEADER } } : {}),
			content: {
				[PROBLEM_MEDIA_TYPE]: {
					schema: { allOf: [{ $ref: "#/components/schemas/ProblemDetails" }, { properties: { type: { enum: entries.map((e) => e.uri) }, status: { const: status } } }] },
				},
			},
		};
	}
	return responses;
}
