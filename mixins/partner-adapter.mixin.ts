import type { Service, ServiceSchema } from "moleculer";
import { CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, catalogueEntry, createEnvelope, type Envelope, type PartnerSystem } from "../canonical/index.ts";
import { loadPartnerRegistry, type PartnerEntry, type PartnerRegistry } from "../config/partner-registry.ts";
import { circuitStateName, createPartnerPolicy, type PartnerPolicy } from "./resilience/partner-policy.ts";
import { PartnerHttpClient, type PartnerRequest } from "./resilience/partner-http.client.ts";
import { PartnerHealthReporter } from "./resilience/partner-health.ts";
import { DurableStreamsMixin, type DurableStreamsMethods } from "./durable-streams.mixin.ts";

/** Deliveries before a command that keeps failing retryably (not held for an open circuit) is dead-lettered. */
const COMMAND_MAX_ATTEMPTS = 60;

interface AdapterVars {
	registry: PartnerRegistry;
	clients: Map<string, { client: PartnerHttpClient; policy: PartnerPolicy; health: PartnerHealthReporter }>;
}

export interface PartnerAnswer {
	type: string;
	data: unknown;
	mappingVersion: string;
}

export interface PartnerAdapterMethods {
	/** One HTTP client, resilience policy and health reporter per partner, built once. */
	clientFor(entry: PartnerEntry): { client: PartnerHttpClient; policy: PartnerPolicy; health: PartnerHealthReporter };
	/** The partner a message is for: the one it names, else the system's default. */
	partnerFor(partner?: string): PartnerEntry;
	/**
	 * Render a canonical command or query with the mapper, call the partner through its policy
	 * (`command`: no in-call retry; `query`: retried here) and map the answer, if the profile says what it proves.
	 */
	callPartner(entry: PartnerEntry, type: string, data: unknown, options: { path: "command" | "query"; idempotencyKey?: string; traceparent?: string }): Promise<PartnerAnswer | null>;
	/** Deliver one command from the stream and publish the fact the answer proves. Idempotent per command. */
	deliverCommand(envelope: Envelope): Promise<void>;
	/** Called after a command's answer was published as a fact; services override it to keep state of their own. */
	afterCommand?(envelope: Envelope, answer: PartnerAnswer): Promise<void>;
}

type AdapterThis = Service & AdapterVars & PartnerAdapterMethods & DurableStreamsMethods;

/**
 * What the ERP, WMS and last-mile adapters share: consume the system's command stream, render the
 * command with the mapper, call the partner through its policy (timeout, breaker, bulkhead) with
 * the command's idempotency key, and publish the resulting fact. A retryable failure naks the
 * command with backoff: the stream's redelivery is the one retry layer on this path.
 */
export function PartnerAdapterMixin(system: PartnerSystem): Partial<ServiceSchema> {
	const mixin = {
		mixins: [DurableStreamsMixin()],
		streams: {
			commands: {
				channel: COMMAND_CHANNEL_BY_SYSTEM[system],
				group: system,
				maxAttempts: COMMAND_MAX_ATTEMPTS,
				async handler(this: AdapterThis, envelope: Envelope) {
					await this.deliverCommand(envelope);
				},
			},
		},
		actions: {
			/** Circuit state per partner this adapter has called: closed, open, half-open or isolated. */
			circuits: {
				handler(this: AdapterThis) {
					return [...this.clients.entries()].map(([partner, { policy, health }]) => ({ partner, state: circuitStateName(policy.circuitState()), degraded: health.isDegraded() }));
				},
			},
		},
		methods: {
			clientFor(this: AdapterThis, entry: PartnerEntry) {
				let built = this.clients.get(entry.partner);
				if (!built) {
					const policy = createPartnerPolicy(entry.partner, entry.policy);
					const health = new PartnerHealthReporter(system, entry.partner, (c, e) => this.publishMessage(c, e), (e) =>
						this.logger.error("could not report a partner's health", { partner: entry.partner, error: (e as Error).message }),
					);
					policy.onCircuitChange((state) => {
						this.logger.warn(`circuit of partner '${entry.partner}' is now ${circuitStateName(state)}`, { partner: entry.partner });
						health.circuitChanged(state);
					});
					built = { policy, health, client: new PartnerHttpClient(entry.partner, this.registry.baseUrl(entry), policy) };
					this.clients.set(entry.partner, built);
				}
				return built;
			},
			partnerFor(this: AdapterThis, partner?: string) {
				return partner ? this.registry.find(system, partner) : this.registry.defaultFor(system);
			},
			async callPartner(this: AdapterThis, entry: PartnerEntry, type: string, data: unknown, options: { path: "command" | "query"; idempotencyKey?: string; traceparent?: string }) {
				const where = { system, partner: entry.partner, type, data };
				const rendered: PartnerRequest & { mappingVersion: string } = await this.broker.call("mapper.render", { ...where, idempotencyKey: options.idempotencyKey });
				const { client } = this.clientFor(entry);
				const request = { method: rendered.method, path: rendered.path, body: rendered.body, contentType: rendered.contentType, idempotencyKey: options.idempotencyKey, traceparent: options.traceparent };
				const response = options.path === "command" ? await client.request(request) : await client.query(request);
				return this.broker.call<PartnerAnswer | null, unknown>("mapper.responseFact", { ...where, response: response.body });
			},
			async deliverCommand(this: AdapterThis, envelope: Envelope) {
				const entry = this.partnerFor(envelope.partner);
				const answer = await this.callPartner(entry, envelope.type, envelope.data, { path: "command", idempotencyKey: envelope.idempotencykey, traceparent: envelope.traceparent });
				if (!answer) return;
				await this.publishMessage(
					CHANNELS.EVENTS,
					createEnvelope({
						type: answer.type,
						source: `partner/${system}/${entry.partner}`,
						subject: envelope.subject,
						data: answer.data,
						schemaVersion: catalogueEntry(answer.type)?.version ?? 1,
						correlationId: envelope.correlationid,
						causationId: envelope.id,
						idempotencyKey: `${envelope.idempotencykey}:answer`,
						partner: entry.partner,
						mappingVersion: answer.mappingVersion,
						traceparent: envelope.traceparent,
					}),
				);
				await this.afterCommand?.(envelope, answer);
			},
		},
		created(this: AdapterThis) {
			this.registry = loadPartnerRegistry();
			this.clients = new Map();
		},
	};
	return mixin as unknown as Partial<ServiceSchema>;
}
