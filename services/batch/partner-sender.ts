import type { PartnerEntry, PartnerRegistry } from "../../config/partner-registry.ts";
import { createPartnerPolicy, type PartnerPolicy } from "../../mixins/resilience/partner-policy.ts";
import { PartnerHttpClient, type PartnerRequest } from "../../mixins/resilience/partner-http.client.ts";

/** What a partner's answer proves, as the mapper reads it (or null when the profile says nothing). */
export interface BatchAnswer {
	type: string;
	data: unknown;
	mappingVersion: string;
}

type Call = <T>(action: string, params: unknown) => Promise<T>;

const OUTBOUND_TYPES_TTL_MS = 60_000;

/**
 * Batch-lane calls to partners: rendered by the mapper with the partner's profile, sent with the
 * chunk's idempotency key through the partner's own resilience policy (timeout, breaker,
 * bulkhead; no retry: the batch stream redelivers), its answer mapped back. This service's
 * policies are its own: a batch call never takes one of the adapters' bulkhead slots, and its
 * timeout and bulkhead fit bulk bodies (BATCH_PARTNER_TIMEOUT_MS, BATCH_PARTNER_BULKHEAD).
 */
export class BatchPartners {
	private readonly built = new Map<string, { client: PartnerHttpClient; policy: PartnerPolicy }>();
	private readonly outbound = new Map<string, { at: number; types: Promise<ReadonlySet<string>> }>();

	constructor(
		private readonly registry: PartnerRegistry,
		private readonly call: Call,
		private readonly limits: { timeoutMs: number; bulkhead: number },
	) {}

	/** Partners of a system with a URL here whose profile can render `type`: where a batch of that type goes. */
	async destinations(system: PartnerEntry["system"], type: string): Promise<{ to: PartnerEntry[]; unsupported: string[] }> {
		const candidates = this.registry.entries.filter((e) => e.system === system && e.urlEnv);
		const able = await Promise.all(candidates.map(async (e) => (await this.typesOf(e)).has(type)));
		return { to: candidates.filter((_, i) => able[i]), unsupported: candidates.filter((_, i) => !able[i]).map((e) => e.partner) };
	}

	async send(entry: PartnerEntry, type: string, data: unknown, idempotencyKey: string, traceparent?: string): Promise<BatchAnswer | null> {
		const where = { system: entry.system, partner: entry.partner, type, data };
		const rendered = await this.call<PartnerRequest>("mapper.render", { ...where, idempotencyKey });
		const request = { method: rendered.method, path: rendered.path, body: rendered.body, contentType: rendered.contentType, idempotencyKey, traceparent };
		const response = await this.clientFor(entry).client.request(request);
		return this.call<BatchAnswer | null>("mapper.responseFact", { ...where, response: response.body });
	}

	/** Asked of the mapper at most once a minute: profiles reload without a restart, and may gain a mapping. */
	private typesOf(entry: PartnerEntry): Promise<ReadonlySet<string>> {
		const key = `${entry.system}/${entry.partner}`;
		const known = this.outbound.get(key);
		if (known && Date.now() - known.at < OUTBOUND_TYPES_TTL_MS) return known.types;
		const types = this.call<string[]>("mapper.outboundTypes", { system: entry.system, partner: entry.partner }).then((list) => new Set(list));
		// Asked again next time when the mapper could not answer.
		types.catch(() => this.outbound.delete(key));
		this.outbound.set(key, { at: Date.now(), types });
		return types;
	}

	private clientFor(entry: PartnerEntry): { client: PartnerHttpClient; policy: PartnerPolicy } {
		let built = this.built.get(entry.partner);
		if (!built) {
			const settings = { ...entry.policy, timeoutMs: Math.max(entry.policy.timeoutMs, this.limits.timeoutMs), bulkheadLimit: this.limits.bulkhead };
			const policy = createPartnerPolicy(entry.partner, settings);
			built = { policy, client: new PartnerHttpClient(entry.partner, this.registry.baseUrl(entry), policy) };
			this.built.set(entry.partner, built);
		}
		return built;
	}
}
