import type { IncomingMessage, ServerResponse } from "node:http";
import { ERROR_TYPES, asErrorLike } from "../../canonical/errors/index.ts";
import { PROBLEM_BASE, problemType, problemUri } from "../../canonical/errors/problem-catalogue.ts";

export { PROBLEM_BASE };

export interface ProblemDetails {
	type: string;
	title: string;
	status: number;
	detail: string;
	instance?: string;
	errors?: unknown;
}

/** Moleculer and body-parser errors, in the Waybill taxonomy. */
function normalise(type: string | undefined, status: number): string {
	if (type === "VALIDATION_ERROR" || type === "INVALID_REQUEST_BODY") return ERROR_TYPES.SCHEMA_INVALID;
	if (type === "entity.too.large" || status === 413) return "PAYLOAD_TOO_LARGE";
	// body-parser's other refusals (parse failed, unsupported charset or encoding, request aborted): the bytes could not be read.
	if (type && /^(entity|request|encoding|charset)\./.test(type)) return ERROR_TYPES.PAYLOAD_UNPARSEABLE;
	if (type === "QUEUE_FULL") return ERROR_TYPES.OVERLOADED;
	if (type === "NOT_FOUND" || type === "SERVICE_NOT_FOUND" && status === 404) return ERROR_TYPES.NOT_FOUND;
	if (type === "SERVICE_NOT_AVAILABLE" || type === "SERVICE_NOT_FOUND" || type === "REQUEST_TIMEOUT") return "SERVICE_UNAVAILABLE";
	return type ?? "UNEXPECTED";
}

/** Any error as RFC 9457 problem details: a stable type URI, a status, a human detail. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
	const err = asErrorLike(error) as ReturnType<typeof asErrorLike> & { status?: number; statusCode?: number };
	// moleculer-web passes body-parser's `code || status` on: a zlib or brotli code ("Z_DATA_ERROR", "ERR_...") is no status.
	const zlibFailure = typeof err.code === "string" && /^(Z_|ERR_)/.test(err.code);
	let status = zlibFailure ? 400 : Number(typeof err.code === "number" ? err.code : (err.status ?? err.statusCode ?? err.code));
	if (!Number.isInteger(status) || status < 400 || status > 599) status = 500;
	const type = zlibFailure ? ERROR_TYPES.PAYLOAD_UNPARSEABLE : normalise(err.type, status);
	if (type === "SERVICE_UNAVAILABLE") status = 503;
	if (type === "PAYLOAD_TOO_LARGE") status = 413;
	const data = err.data as { problems?: unknown } | unknown[] | undefined;
	const errors = Array.isArray(data) ? data : (data as { problems?: unknown } | undefined)?.problems;
	return {
		type: problemUri(type),
		// The documented taxonomy (GET /problems); a type outside it still gets a generic title.
		title: problemType(type)?.title ?? (status >= 500 ? "Internal error" : "Request refused"),
		status,
		detail: status >= 500 && type === "UNEXPECTED" ? "an unexpected error occurred; it was logged" : (err.message ?? "error"),
		...(instance ? { instance } : {}),
		...(errors ? { errors } : {}),
	};
}

export function sendProblem(req: IncomingMessage, res: ServerResponse, error: unknown): ProblemDetails {
	const problem = toProblem(error, (req as { originalUrl?: string }).originalUrl ?? req.url);
	if (!res.headersSent) {
		const retryAfter = (asErrorLike(error).data as { retryAfterMs?: number } | undefined)?.retryAfterMs;
		res.writeHead(problem.status, {
			"content-type": "application/problem+json; charset=utf-8",
			...(retryAfter ? { "retry-after": String(Math.ceil(retryAfter / 1000)) } : {}),
			...(problem.type.endsWith("/unauthenticated") ? { "www-authenticate": 'Bearer realm="waybill"' } : {}),
		});
		res.end(JSON.stringify(problem));
	}
	return problem;
}
