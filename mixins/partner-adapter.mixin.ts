import type { Context, Service, ServiceSchema } from "moleculer";
import { partnerAnswerFact } from "./partner-answer.ts";
import { NotFoundError, CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, type Envelope, type PartnerSystem } from "../canonical/index.ts";
import { loadPartnerRegistry, type PartnerEntry, type PartnerRegistry } from "../config/partner-registry.ts";
import { circuitStateName, createPartnerPolicy, type PartnerPolicy } from "./resilience/partner-policy.ts";
import { PartnerHttpClient, type PartnerRequest } from "./resilience/partner-http.client.ts";
import { PartnerHealthReporter } from "./resilience/partner-health.ts";
import { DurableStreamsMixin, type DurableStreamsMethods } from "./durable-streams.mixin.ts";
import type { StoreMethods } from "./store.mixin.ts";
import { DEFAULT_ACK_WITHIN_MS, type GroupVerdict, type SentState } from "./edi/sent-interchanges.ts";
import { EdiAcknowledgements, type WrittenInterchange } from "./edi/edi-acknowledgements.ts";
import { CIRCUIT_GAUGE, METRIC, registerWaybillMetrics } from "./metrics/waybill-metrics.ts";
import { messageContext } from "./logging/message-context.ts";
import { hopTraceparent } from "./tracing/hop-span.ts";

/** Deliveries before a command that keeps failing retryably (not held for an open circuit) is dead-lettered. */
const COMMAND_MAX_ATTEMPTS = 60;

interface AdapterVars {
	registry: PartnerRegistry;
	edi?: EdiAcknowledgements;
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
	callPartner(entry: PartnerEntry, type: string, data: unknown, options: CallOptions): Promise<PartnerAnswer | null>;
	/** EDI acknowledgement tracking of the interchanges this adapter sends, built on first use. */
	ediAcknowledgements(): EdiAcknowledgements;
	/** Deliver one command from the stream and publish the fact the answer proves. Idempotent per command. */
	deliverCommand(envelope: Envelope): Promise<void>;
	/** Sets the partner's circuit gauge (0 closed, 1 half-open, 2 open, 3 isolated). */
	reportCircuit(partner: string, state: string): void;
	/** Called after a command's answer was published as a fact; services override it to keep state of their own. */
	afterCommand?(envelope: Envelope, answer: PartnerAnswer): Promise<void>;
}

interface CallOptions {
	path: "command" | "query";
	idempotencyKey?: string;
	traceparent?: string;
	/** Called once the partner took an X12 interchange Waybill wrote, with the partner's answer. */
	onInterchangeSent?: (written: WrittenInterchange, response: unknown) => Promise<void>;
}

type AdapterThis = Service & AdapterVars & PartnerAdapterMethods & DurableStreamsMethods & StoreMethods;

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
			/** Circuit state per partner this adapter has called (closed, open, half-open or isolated), and its recent calls and failures. */
			circuits: {
				handler(this: AdapterThis) {
					return [...this.clients.entries()].map(([partner, { policy, health }]) => ({ partner, state: circuitStateName(policy.circuitState()), degraded: health.isDegraded(), recent: policy.recentOutcomes() }));
				},
			},
			/** A partner's 997 verdicts on interchanges this adapter sent; idempotent. Returns the groups Waybill never sent. */
			interchangeAcknowledged: {
				params: { partner: "string", verdicts: { type: "array", items: "object" } },
				async handler(this: AdapterThis, ctx: Context<{ partner: string; verdicts: GroupVerdict[] }>) {
					return { unknownGroups: await this.ediAcknowledgements().acknowledged(ctx.params.partner, ctx.params.verdicts) };
				},
			},
			/** Interchanges sent to X12 partners and their 997 state, most recent first. */
			interchanges: {
				params: { state: { type: "enum", values: ["pending", "accepted", "rejected", "overdue"], optional: true }, orderId: "string|optional", limit: { type: "number", integer: true, min: 1, max: 1000, optional: true, convert: true } },
				handler(this: AdapterThis, ctx: Context<{ state?: SentState; orderId?: string; limit?: number }>) {
					return this.ediAcknowledgements().list(ctx.params);
				},
			},
			/** Sends an interchange's command again as a new interchange (operators, for an overdue or rejected 997). */
			resendInterchange: {
				params: { partner: "string", groupControl: "string" },
				async handler(this: AdapterThis, ctx: Context<{ partner: string; groupControl: string }>) {
					const done = await this.ediAcknowledgements().resend(ctx.params.partner, ctx.params.groupControl);
					if (!done) throw new NotFoundError("interchange", `${ctx.params.partner}/${ctx.params.groupControl}`);
					return { partner: ctx.params.partner, groupControl: ctx.params.groupControl, resends: done.resent.resends, idempotencyKey: done.idempotencyKey };
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
						this.reportCircuit(entry.partner, circuitStateName(state));
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
			async callPartner(this: AdapterThis, entry: PartnerEntry, type: string, data: unknown, options: CallOptions) {
				const where = { system, partner: entry.partner, type, data };
				const rendered: PartnerRequest & { mappingVersion: string; interchange?: WrittenInterchange } = await this.broker.call("mapper.render", { ...where, idempotencyKey: options.idempotencyKey });
				const { client } = this.clientFor(entry);
				const request = { method: rendered.method, path: rendered.path, body: rendered.body, contentType: rendered.contentType, idempotencyKey: options.idempotencyKey, traceparent: options.traceparent };
				const response = options.path === "command" ? await client.request(request) : await client.query(request);
				if (rendered.interchange && options.onInterchangeSent) await options.onInterchangeSent(rendered.interchange, response.body);
				return this.broker.call<PartnerAnswer | null, unknown>("mapper.responseFact", { ...where, response: response.body });
			},
			ediAcknowledgements(this: AdapterThis) {
				this.edi ??= new EdiAcknowledgements(system, this.store(), (c, e) => this.publishMessage(c, e), (e, id) =>
					this.logger.error("EDI acknowledgement clock failed", { timer: id, error: (e as Error).message }),
				);
				return this.edi;
			},
			reportCircuit(this: AdapterThis, partner: string, state: string) {
				const value = CIRCUIT_GAUGE[state as keyof typeof CIRCUIT_GAUGE];
				if (value !== undefined) this.broker.metrics.set(METRIC.CIRCUIT_STATE, value, { system, partner });
			},
			async deliverCommand(this: AdapterThis, envelope: Envelope) {
				const entry = this.partnerFor(envelope.partner);
				// The command may name no partner (the system's default): log lines name the one called.
				const logContext = messageContext();
				if (logContext) logContext.partner = entry.partner;
				const onInterchangeSent = async (written: WrittenInterchange, response: unknown) => {
					const edi = this.ediAcknowledgements();
					await edi.expect(entry.partner, written, envelope, Number(process.env.EDI_ACK_WITHIN_MS) || entry.edi?.ackWithinMs || DEFAULT_ACK_WITHIN_MS);
					// A partner that answers in the HTTP response: its rejection fails the command itself (dead letter, case), so it is not announced twice.
					const verdicts = typeof response === "string" ? await this.broker.call<GroupVerdict[] | null, unknown>("mapper.acknowledgement", { body: response }) : null;
					if (verdicts) await edi.acknowledged(entry.partner, verdicts, false);
				};
				// The partner sees the order's trace, with this delivery (the call) as parent span.
				const answer = await this.callPartner(entry, envelope.type, envelope.data, { path: "command", idempotencyKey: envelope.idempotencykey, traceparent: hopTraceparent(envelope.traceparent), onInterchangeSent });
				if (!answer) return;
				await this.publishMessage(CHANNELS.EVENTS, partnerAnswerFact(answer, envelope, system, entry.partner));
				await this.afterCommand?.(envelope, answer);
			},
		},
		created(this: AdapterThis) {
			this.registry = loadPartnerRegistry();
			this.clients = new Map();
			// Every partner this adapter can call has a circuit series from the start: closed until it is not.
			registerWaybillMetrics(this.broker);
			for (const entry of this.registry.entries) if (entry.system === system && entry.urlEnv) this.reportCircuit(entry.partner, "closed");
		},
		started(this: AdapterThis) {
			// Only adapters with an X12 partner keep 997 clocks. The service lists StoreMixin after this mixin, so its store is up by now.
			if (this.registry.entries.some((e) => e.system === system && e.webhook?.format === "x12")) this.ediAcknowledgements().start();
		},
		async stopped(this: AdapterThis) {
			await this.edi?.stop();
		},
	};
	return mixin as unknown as Partial<ServiceSchema>;
}
