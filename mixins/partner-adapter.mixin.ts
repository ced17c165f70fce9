import type { Service, ServiceSchema } from "moleculer";
import { CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, catalogueEntry, createEnvelope, type Envelope, type PartnerSystem } from "../canonical/index.ts";
import { loadPartnerRegistry, type PartnerEntry, type PartnerRegistry } from "../config/partner-registry.ts";
import { createPartnerPolicy, type PartnerPolicy } from "./resilience/partner-policy.ts";
import { PartnerHttpClient, type PartnerRequest } from "./resilience/partner-http.client.ts";
import { PartnerHealthReporter } from "./resilience/partner-health.ts";
import { DurableStreamsMixin, type DurableStreamsMethods } from "./durable-streams.mixin.ts";

/** Deliveries before a command that keeps failing retryably is dead-lettered: ~45 min of backoff. */
const COMMAND_MAX_ATTEMPTS = 60;

interface AdapterVars {
	registry: PartnerRegistry;
	clients: Map<string, { client: PartnerHttpClient; policy: PartnerPolicy }>;
}

export interface PartnerAdapterMethods {
	/** One HTTP client and one resilience policy per partner, built once. */
	clientFor(entry: PartnerEntry): { client: PartnerHttpClient; policy: PartnerPolicy };
	/** Deliver one command to its partner and publish the fact the answer proves. Idempotent per command. */
	deliverCommand(envelope: Envelope): Promise<void>;
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
					return [...this.clients.entries()].map(([partner, { policy }]) => ({ partner, state: policy.circuitState() }));
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
						this.logger.warn(`circuit of partner '${entry.partner}' is now ${state}`, { partner: entry.partner });
						health.circuitChanged(state);
					});
					built = { policy, client: new PartnerHttpClient(entry.partner, this.registry.baseUrl(entry), policy) };
					this.clients.set(entry.partner, built);
				}
				return built;
			},
			async deliverCommand(this: AdapterThis, envelope: Envelope) {
				const entry = envelope.partner ? this.registry.find(system, envelope.partner) : this.registry.defaultFor(system);
				const where = { system, partner: entry.partner, type: envelope.type, data: envelope.data };
				const rendered: PartnerRequest & { mappingVersion: string } = await this.broker.call("mapper.render", where);
				const response = await this.clientFor(entry).client.request({
					method: rendered.method,
					path: rendered.path,
					body: rendered.body,
					idempotencyKey: envelope.idempotencykey,
					traceparent: envelope.traceparent,
				});
				const fact: { type: string; data: unknown; mappingVersion: string } | null = await this.broker.call("mapper.responseFact", { ...where, response: response.body });
				if (!fact) return;
				await this.publishMessage(
					CHANNELS.EVENTS,
					createEnvelope({
						type: fact.type,
						source: `partner/${system}/${entry.partner}`,
						subject: envelope.subject,
						data: fact.data,
						schemaVersion: catalogueEntry(fact.type)?.version ?? 1,
						correlationId: envelope.correlationid,
						causationId: envelope.id,
						idempotencyKey: `${envelope.idempotencykey}:answer`,
						partner: entry.partner,
						mappingVersion: fact.mappingVersion,
						traceparent: envelope.traceparent,
					}),
				);
			},
		},
		created(this: AdapterThis) {
			this.registry = loadPartnerRegistry();
			this.clients = new Map();
		},
	};
	return mixin as unknown as Partial<ServiceSchema>;
}
