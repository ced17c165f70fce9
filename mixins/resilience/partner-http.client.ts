import { PartnerRejectedError, PartnerUnavailableError } from "../../canonical/errors/index.ts";
import type { PartnerPolicy } from "./partner-policy.ts";

export interface PartnerRequest {
	method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
	path: string;
	body?: unknown;
	/** Sent as `Idempotency-Key`: the partner must create nothing twice for one key. */
	idempotencyKey?: string;
	traceparent?: string;
	headers?: Record<string, string>;
	/** A body already in the partner's format (X12 text) is sent as it is, with this type. */
	contentType?: string;
}

export interface PartnerResponse {
	status: number;
	body: unknown;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null): number | undefined {
	if (!value) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * HTTP to one partner, every call through that partner's policy. Failures are classified once,
 * here: network errors, timeouts, 408, 429 and 5xx are retryable (PartnerUnavailableError, with
 * the partner's Retry-After); any other 4xx is the request's fault (PartnerRejectedError).
 */
export class PartnerHttpClient {
	constructor(
		private readonly partner: string,
		private readonly baseUrl: string,
		private readonly policy: PartnerPolicy,
		private readonly defaultHeaders: Record<string, string> = {},
	) {}

	/** A command: no in-call retry (the stream redelivers). */
	request(req: PartnerRequest): Promise<PartnerResponse> {
		return this.policy.execute((signal) => this.once(req, signal));
	}

	/** A synchronous query or live call: retried here, since nothing durable stands behind it. */
	query(req: PartnerRequest): Promise<PartnerResponse> {
		return this.policy.query((signal) => this.once(req, signal));
	}

	private async once(req: PartnerRequest, signal: AbortSignal): Promise<PartnerResponse> {
		const headers: Record<string, string> = { accept: "application/json", ...this.defaultHeaders, ...req.headers };
		const raw = typeof req.body === "string" && req.contentType !== undefined;
		if (req.body !== undefined) headers["content-type"] = raw ? req.contentType! : "application/json";
		if (req.idempotencyKey) headers["idempotency-key"] = req.idempotencyKey;
		if (req.traceparent) headers.traceparent = req.traceparent;
		let response: Response;
		try {
			response = await fetch(new URL(req.path, this.baseUrl), {
				method: req.method,
				headers,
				body: req.body === undefined ? undefined : raw ? (req.body as string) : JSON.stringify(req.body),
				signal,
			});
		} catch (e: unknown) {
			if (signal.aborted) throw e;
			throw new PartnerUnavailableError(this.partner, `network error: ${(e as Error).message}`);
		}
		const text = await response.text();
		const body = parseBody(text);
		if (response.ok) return { status: response.status, body };
		const detail = text.slice(0, 300);
		if (response.status === 408 || response.status === 429 || response.status >= 500) {
			throw new PartnerUnavailableError(this.partner, `HTTP ${response.status}`, parseRetryAfter(response.headers.get("retry-after")));
		}
		throw new PartnerRejectedError(this.partner, response.status, detail);
	}
}

function parseBody(text: string): unknown {
	if (!text) return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}
