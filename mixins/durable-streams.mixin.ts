import type { Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Envelope } from "../canonical/envelope.ts";
import { assertValidMessage } from "../canonical/validation.ts";
import { StreamUnavailableError } from "../canonical/errors/index.ts";
import { isBatchChannel, type ChannelName } from "../canonical/channels.ts";
import type { Delivery, PublishResult, StreamBus, Subscription } from "./streams/stream-bus.ts";
import { acquireBus, releaseBus } from "./runtime/broker-resources.ts";
import { registerWaybillMetrics } from "./metrics/waybill-metrics.ts";
import { observeDelivery } from "./metrics/message-observer.ts";
import { hopTraceparent } from "./tracing/hop-span.ts";
import { LaneGate, OPERATIONAL_SUBSCRIPTIONS, laneGateSettingsFromEnv } from "./streams/lane-gate.ts";

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
	/** How this service's batch lanes yielded to operational work (undefined when it consumes none). */
	laneGateState(): ReturnType<LaneGate["state"]> | undefined;
}

interface StreamsState {
	$bus?: StreamBus;
	$busReady: PromiseWithResolvers<StreamBus>;
	$subscriptions?: Subscription[];
	/** Built when the service first subscribes to a batch channel: its batch handlers yield to operational work. */
	$laneGate?: LaneGate;
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
			laneGateState(this: Service & StreamsState) {
				return this.$laneGate?.state();
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
		// Counted, timed, and logged with the message's correlation id, order id and partner.
		const handle = (delivery: Delivery) => observeDelivery(this.broker, this.logger, delivery, async () => {
			const envelope = assertValidMessage(delivery.envelope);
			await definition.handler.call(this, envelope, delivery);
		});
		// A batch lane's handler starts only when operational work leaves room (lane-gate.ts), whoever consumes it.
		const gate = isBatchChannel(definition.channel) ? (this.$laneGate ??= laneGateOf(this)) : undefined;
		const subscription = await this.$bus.subscribe(
			definition.channel,
			{ group: definition.group, maxAttempts: definition.maxAttempts, backoffMs: definition.backoffMs },
			gate ? (delivery) => gate.run(() => handle(delivery)) : handle,
		);
		this.$subscriptions.push(subscription);
		this.logger.debug(`stream '${name}' subscribed`, { channel: definition.channel, group: definition.group });
	}
}

/** The operational backlog a batch lane yields to: the order path's consumer groups that some running service declares. */
function laneGateOf(service: Service & StreamsState): LaneGate {
	const bus = service.$bus!;
	return new LaneGate(async () => {
		const running = new Set<string>();
		for (const s of service.broker.registry.getServiceList({ skipInternal: true })) {
			const streams = (s.metadata as Record<string, unknown> | undefined)?.[STREAMS_METADATA];
			for (const d of Array.isArray(streams) ? (streams as Array<{ channel: string; group: string }>) : []) running.add(`${d.channel}|${d.group}`);
		}
		const watched = OPERATIONAL_SUBSCRIPTIONS.filter((o) => running.has(`${o.channel}|${o.group}`));
		const backlogs = await Promise.all(watched.map((o) => bus.backlog(o.channel, o.group)));
		return backlogs.reduce((sum, b) => sum + b, 0);
	}, laneGateSettingsFromEnv());
}

/** First on stop: pull no more, and let the handlers in flight finish (and ack); batch work still waiting is handed back. */
async function unsubscribeAll(this: Service & StreamsState): Promise<void> {
	this.$laneGate?.close();
	this.$laneGate = undefined;
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
