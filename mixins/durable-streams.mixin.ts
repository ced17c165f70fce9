import type { Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Envelope } from "../canonical/envelope.ts";
import { assertValidMessage } from "../canonical/validation.ts";
import { StreamUnavailableError } from "../canonical/errors/index.ts";
import type { ChannelName } from "../canonical/channels.ts";
import type { Delivery, PublishResult, StreamBus, Subscription } from "./streams/stream-bus.ts";
import { acquireBus, releaseBus } from "./runtime/broker-resources.ts";
import { registerWaybillMetrics } from "./metrics/waybill-metrics.ts";
import { observeDelivery } from "./metrics/message-observer.ts";
import { hopTraceparent } from "./tracing/hop-span.ts";

/** Service metadata key listing a service's durable subscriptions ({ channel, group }[]). */
export const STREAMS_METADATA = "waybillStreams";

/** A durable subscription declared in a service schema under `streams`. */
export interface StreamDefinition<TThis = Service> {
	channel: ChannelName;
	group: string;
	maxAttempts?: number;
	backoffMs?: number[];
	/** Gets a message that already passed schema validation; resolve to ack, throw to retry or dead-letter. */
	handler(this: TThis, envelope: Envelope, delivery: Delivery): Promise<void>;
}

/** A service schema with durable subscriptions under `streams`. */
export type StreamingServiceSchema<
	TSettings = ServiceSettingSchema,
	TMethods = Record<string, any>,
	TVars = Record<string, any>,
> = ServiceSchema<TSettings, TMethods, TVars> & {
	streams?: Record<string, StreamDefinition<Service<TSettings> & TMethods & TVars>>;
};

export interface DurableStreamsMethods {
	/** Validates, then stores the message durably; resolves once the stream has it. */
	publishMessage(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
	streamBus(): StreamBus;
}

interface StreamsState {
	$bus?: StreamBus;
	$busReady: PromiseWithResolvers<StreamBus>;
	$subscriptions?: Subscription[];
}

/**
 * Business messages ride durable streams (JetStream, or its in-memory twin in embedded mode),
 * never Moleculer's fire-and-forget events. Every message is validated against the catalogue on
 * the way in and again on the way out; one that fails is dead-lettered with the named error and
 * never reaches the handler.
 */
export function DurableStreamsMixin(): Partial<ServiceSchema> {
	// `merged` is a Moleculer lifecycle hook its typings do not declare.
	const mixin = {
		actions: {
			/** Messages not yet acknowledged, per durable subscription of this service. */
			streamBacklog: {
				async handler(this: Service & StreamsState) {
					const definitions = (this.schema as { streams?: Record<string, StreamDefinition> }).streams ?? {};
					const bus = this.$bus ?? (await this.$busReady.promise);
					return Promise.all(
						Object.values(definitions).map(async (d) => ({ channel: d.channel, group: d.group, backlog: await bus.backlog(d.channel, d.group) })),
					);
				},
			},
		},
		methods: {
			async publishMessage(this: Service & StreamsState, channel: ChannelName, envelope: Envelope): Promise<PublishResult> {
				// Published while a message is handled: the trace goes on with this hop as parent.
				const traceparent = hopTraceparent(envelope.traceparent);
				const valid = assertValidMessage(traceparent === envelope.traceparent ? envelope : { ...envelope, traceparent });
				const bus = this.$bus ?? (await this.$busReady.promise);
				try {
					return await bus.publish(channel, valid);
				} catch (e: unknown) {
					// Whatever the broker said, the caller learns one retryable thing: not stored, try again.
					throw new StreamUnavailableError(channel, (e as Error).message ?? String(e));
				}
			},
			streamBus(this: Service & StreamsState): StreamBus {
				return this.$bus!;
			},
		},
		/**
		 * Subscriptions open after every other `started` hook of the service (its store, its
		 * mappings) and close before any `stopped` hook, so a handler never runs half set up; the
		 * connection itself closes after every `stopped` hook, so nothing being stored is dropped.
		 */
		created(this: Service & Record<string, any>) {
			this.$busReady = Promise.withResolvers<StreamBus>();
			registerWaybillMetrics(this.broker);
		},
		merged(schema: ServiceSchema) {
			// In the registry every node sees: the gateway's backlog gauges find each consumer group here.
			const streams = Object.values((schema as { streams?: Record<string, StreamDefinition> }).streams ?? {}).map((d) => ({ channel: d.channel, group: d.group }));
			schema.metadata = { ...schema.metadata, [STREAMS_METADATA]: streams };
			schema.started = [...asArray(schema.started), subscribeAll] as ServiceSchema["started"];
			// Moleculer runs `stopped` hooks last to first: unsubscribeAll runs first, releaseStreams last.
			schema.stopped = [releaseStreams, ...asArray(schema.stopped), unsubscribeAll] as ServiceSchema["stopped"];
		},
	};
	return mixin as unknown as Partial<ServiceSchema>;
}

type Hook = (this: Service) => unknown;

function asArray(hook: unknown): Hook[] {
	if (!hook) return [];
	return (Array.isArray(hook) ? hook : [hook]) as Hook[];
}

async function subscribeAll(this: Service & StreamsState): Promise<void> {
	this.$bus = await acquireBus(this.broker);
	this.$busReady.resolve(this.$bus);
	this.$subscriptions = [];
	const definitions = (this.schema as { streams?: Record<string, StreamDefinition> }).streams ?? {};
	for (const [name, definition] of Object.entries(definitions)) {
		await this.$bus.ensureChannel(definition.channel);
		const subscription = await this.$bus.subscribe(
			definition.channel,
			{ group: definition.group, maxAttempts: definition.maxAttempts, backoffMs: definition.backoffMs },
			// Counted, timed, and logged with the message's correlation id, order id and partner.
			(delivery) => observeDelivery(this.broker, this.logger, delivery, async () => {
				const envelope = assertValidMessage(delivery.envelope);
				await definition.handler.call(this, envelope, delivery);
			}),
		);
		this.$subscriptions.push(subscription);
		this.logger.debug(`stream '${name}' subscribed`, { channel: definition.channel, group: definition.group });
	}
}

/** First on stop: pull no more, and let the handlers in flight finish (and ack). */
async function unsubscribeAll(this: Service & StreamsState): Promise<void> {
	await Promise.all((this.$subscriptions ?? []).map((s) => s.stop()));
	this.$subscriptions = [];
}

/**
 * Last on stop, after the service's own hooks (the gateway closing its HTTP intake, with the
 * requests in flight answered): only then is the connection closed, publishes under way flushed.
 */
async function releaseStreams(this: Service & StreamsState): Promise<void> {
	if (this.$bus) await releaseBus(this.broker);
	this.$bus = undefined;
	this.$busReady = Promise.withResolvers<StreamBus>();
}
