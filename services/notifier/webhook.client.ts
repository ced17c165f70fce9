import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { PartnerRejectedError, PartnerUnavailableError, WebhookUndeliverableError } from "../../canonical/index.ts";
import { circuitStateName, createPartnerPolicy, type PartnerPolicy, type PartnerPolicySettings } from "../../mixins/resilience/partner-policy.ts";
import { parseRetryAfter } from "../../mixins/resilience/partner-http.client.ts";
import { PRIVATE_ADDRESS, isPrivateHost, publicOnlyLookup } from "./url-policy.ts";
import type { WebhookHeaders } from "./webhook-signature.ts";

export interface WebhookRequest {
	url: string;
	/** Sent byte for byte: it is what was signed. */
	body: string;
	/** The signature headers, and a W3C `traceparent` (not signed: Standard Webhooks signs id, timestamp and body). */
	headers: WebhookHeaders & { traceparent?: string };
	deliveryId: string;
	attempt: number;
	/** Configured endpoints and tests may call private hosts; subscribers' URLs may not. */
	allowPrivate: boolean;
}

interface RawAnswer {
	status: number;
	headers: IncomingHttpHeaders;
	detail: string;
}

const DETAIL_BYTES = 512;

/**
 * POSTs webhooks, each subscriber host behind its own policy (timeout per attempt, circuit
 * breaker, bulkhead), built once per host. No retry here: the notifications stream redelivers.
 * Not PartnerHttpClient: a webhook must go out exactly as signed, never follow a redirect, and
 * connect only to public addresses (checked on the resolved address, not just the name).
 * Classification: 2xx delivered; 408, 429, 3xx, 5xx and network failures retryable
 * (PartnerUnavailableError, with Retry-After); any other 4xx final (PartnerRejectedError).
 */
export class WebhookClient {
	private readonly policies = new Map<string, PartnerPolicy>();

	constructor(private readonly settings: PartnerPolicySettings) {}

	/** Resolves with the 2xx status; throws as classified above. */
	async post(request: WebhookRequest): Promise<number> {
		const url = new URL(request.url);
		if (!request.allowPrivate && isPrivateHost(url)) throw new WebhookUndeliverableError(request.deliveryId, `${url.host} is a private or loopback host`, request.attempt);
		// Classified inside the policy, so that the breaker counts the host's retryable failures.
		return this.policyFor(url.host).execute(async (signal) => classify(url.host, await this.send(url, request, signal)));
	}

	/** Circuit state per subscriber host called so far. */
	circuits(): Array<{ host: string; state: string }> {
		return [...this.policies.entries()].map(([host, policy]) => ({ host, state: circuitStateName(policy.circuitState()) }));
	}

	private policyFor(host: string): PartnerPolicy {
		let policy = this.policies.get(host);
		if (!policy) {
			policy = createPartnerPolicy(host, this.settings);
			this.policies.set(host, policy);
		}
		return policy;
	}

	private send(url: URL, request: WebhookRequest, signal: AbortSignal): Promise<RawAnswer> {
		const call = url.protocol === "https:" ? httpsRequest : httpRequest;
		return new Promise<RawAnswer>((resolve, reject) => {
			const outgoing = call(url, {
				method: "POST",
				signal,
				headers: { "content-type": "application/json", "content-length": Buffer.byteLength(request.body), "user-agent": "waybill-notifier/1", ...request.headers },
				...(request.allowPrivate ? {} : { lookup: publicOnlyLookup }),
			}, (response) => {
				const chunks: Buffer[] = [];
				let kept = 0;
				response.on("data", (chunk: Buffer) => {
					if (kept < DETAIL_BYTES) chunks.push(chunk);
					kept += chunk.length;
				});
				response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, detail: Buffer.concat(chunks).toString("utf8").slice(0, DETAIL_BYTES) }));
				response.on("error", (e) => reject(this.failure(url, request, e)));
			});
			outgoing.on("error", (e) => reject(this.failure(url, request, e)));
			outgoing.end(request.body);
		});
	}

	private failure(url: URL, request: WebhookRequest, e: NodeJS.ErrnoException): Error {
		if (e.code === PRIVATE_ADDRESS) return new WebhookUndeliverableError(request.deliveryId, e.message, request.attempt);
		return new PartnerUnavailableError(url.host, `network error: ${e.code ?? e.message}`);
	}
}

function classify(host: string, answer: RawAnswer): number {
	if (answer.status >= 200 && answer.status < 300) return answer.status;
	if (answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) throw new PartnerRejectedError(host, answer.status, answer.detail);
	const why = answer.status >= 300 && answer.status < 400 ? `HTTP ${answer.status} (redirects are not followed: update the subscription's URL)` : `HTTP ${answer.status}`;
	throw new PartnerUnavailableError(host, why, parseRetryAfter(headerOf(answer.headers, "retry-after")));
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | null {
	const value = headers[name];
	return typeof value === "string" ? value : null;
}
