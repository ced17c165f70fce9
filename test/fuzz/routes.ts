import { gatewayRoutes } from "../../services/gateway/routes.ts";
import { ACTION_REQUIREMENTS, type Requirement } from "../../services/gateway/auth/scopes.ts";
import { OPERATIONS } from "../../services/gateway/openapi/operation-schemas.ts";

export interface FuzzRoute {
	method: string;
	/** The full template, e.g. `/api/v1/orders/:orderId`. */
	template: string;
	params: string[];
	action: string;
	requirement: Requirement;
	/** The route's body limit: raw 5 MB for webhooks, JSON 1 MB elsewhere, none where no parser is configured. */
	bodyKind: "json" | "raw" | "none";
	/** Non-problem answers the API description declares for this action, by status. */
	declared: Record<string, string | undefined>;
}

/** Every alias of every gateway route, as the gateway itself declares them: a new route is fuzzed without anyone listing it here. */
export function fuzzRoutes(): FuzzRoute[] {
	const out: FuzzRoute[] = [];
	for (const route of gatewayRoutes) {
		const parsers = (route as { bodyParsers?: { json?: unknown; raw?: unknown } }).bodyParsers;
		const bodyKind = parsers?.raw ? "raw" : parsers?.json ? "json" : "none";
		for (const [alias, action] of Object.entries(route.aliases)) {
			const [method, path] = alias.split(" ") as [string, string];
			const template = path === "/" ? route.path : `${route.path}${path}`;
			const other = OPERATIONS[action]?.otherResponses ?? {};
			out.push({
				method,
				template,
				params: [...template.matchAll(/:(\w+)/g)].map((m) => m[1]!),
				action,
				requirement: ACTION_REQUIREMENTS[action] ?? "authenticated",
				bodyKind,
				declared: Object.fromEntries(Object.entries(other).map(([status, s]) => [status, s.contentType ?? "application/json"])),
			});
		}
	}
	return out;
}

export const PUBLIC_PREFIXES = ["/health/", "/control-tower", "/problems", "/api/v1/openapi.json"];
