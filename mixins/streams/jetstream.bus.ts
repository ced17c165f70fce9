import {
	RetentionPolicy,
	StorageType,
	connect,
	nanos,
	type JetStreamClient,
	type JetStreamManager,
	type JsMsg,
	type NatsConnection,
} from "nats";
import { natsConnectionOptions } from "./nats-connection-options.ts";
import {
	CONSUMER_NOT_FOUND, NO_MESSAGE_FOUND, STREAM_NOT_FOUND, apiErrorCode, channelSubject, consumerName, deleteStreamsOf, streamName,
} from "./jetstream-layout.ts";
import { PartitionWorker } from "./jetstream-partition-worker.ts";
import { openPartitionConsumer, partitionConsumerConfig } from "./jetstream-partition-consumer.ts";

export { channelSubject, consumerName, deleteNamespace, streamName } from "./jetstream-layout.ts";
export { ACK_WAIT_MS } from "./jetstream-partition-consumer.ts";
import { CHANNELS } from "../../canonical/channels.ts";
import type { Envelope } from "../../canonical/envelope.ts";
import {
	DEFAULT_BACKOFF_MS,
	DEFAULT_DEDUP_WINDOW_MS,
	DEFAULT_MAX_ATTEMPTS,
	DEFAULT_PARTITIONS,
	backoffFor,
	deadLetterEnvelope,
	looksLikeEnvelope,
	partitionOf,
	retryDelayFor,
	type DeliveryHandler,
	type PublishResult,
	type StreamBus,
	type SubscribeOptions,
	type Subscription,
} from "./stream-bus.ts";

export interface JetStreamBusOptions {
	servers: string;
	namespace: string;
	partitions?: number;
	replicas?: number;
	dedupWindowMs?: number;
	/** How long a channel keeps messages, acked or not (ms). */
	maxAge?: number;
	/** Connection name, as shown by the server's monitoring. */
	name?: string;
	/** Where failures that no caller can see go (a consume loop that died, an ack on a dead connection). */
	onError?: (error: unknown, context: string) => void;
	/** Where credentials, TLS and inbox prefix are read (nats-connection-options.ts); process.env when unset. */
	env?: NodeJS.ProcessEnv;
}

export const DEFAULT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1_000;
/** A handler still running tells the server so this often, well inside ACK_WAIT_MS. */
export const WORKING_EVERY_MS = 3_000;
/** The durable bus on NATS JetStream: one stream per channel, one durable pull consumer per group and partition. */
export class JetStreamBus implements StreamBus {
	private readonly options: Required<Omit<JetStreamBusOptions, "onError" | "env">> & Pick<JetStreamBusOptions, "onError" | "env">;
	private connection?: { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager };
	private readonly channels = new Map<string, Promise<void>>();
	private readonly publishes = new Set<Promise<PublishResult>>();
	private readonly subscriptions = new Set<Subscription>();

	constructor(options: JetStreamBusOptions) {
		// `??` rather than spreading: an option passed as undefined must still get its default.
		this.options = {
			...options,
			partitions: options.partitions ?? DEFAULT_PARTITIONS,
			replicas: options.replicas ?? 1,
			dedupWindowMs: options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS,
			maxAge: options.maxAge ?? DEFAULT_MAX_AGE_MS,
			name: options.name ?? `waybill-${options.namespace}`,
		};
	}

	static async connect(options: JetStreamBusOptions): Promise<JetStreamBus> {
		const bus = new JetStreamBus(options);
		await bus.connect();
		return bus;
	}

	/** Fails if the server cannot be reached now; once connected, reconnects forever. */
	async connect(): Promise<void> {
		const nc = await connect({ ...natsConnectionOptions(this.options.servers, this.options.env), name: this.options.name, maxReconnectAttempts: -1 });
		this.connection = { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager() };
	}

	ensureChannel(channel: string): Promise<void> {
		let ready = this.channels.get(channel);
		if (!ready) {
			ready = this.createStream(channel);
			this.channels.set(channel, ready);
			ready.catch(() => this.channels.delete(channel));
		}
		return ready;
	}

	/** Tracked until settled, so close() can wait for it, including one started while closing. */
	publish(channel: string, envelope: Envelope): Promise<PublishResult> {
		const stored = this.store(channel, envelope);
		this.publishes.add(stored);
		const forget = () => void this.publishes.delete(stored);
		stored.then(forget, forget);
		return stored;
	}

	async subscribe(channel: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription> {
		await this.ensureChannel(channel);
		const partitions = Array.from({ length: this.options.partitions }, (_, p) => p);
		const workers = await Promise.all(partitions.map((p) => this.startWorker(channel, options, handler, p)));
		const subscription: Subscription = {
			stop: async () => {
				await Promise.all(workers.map((w) => w.stop()));
				this.subscriptions.delete(subscription);
			},
		};
		this.subscriptions.add(subscription);
		return subscription;
	}

	async backlog(channel: string, group: string): Promise<number> {
		const { jsm } = this.connected();
		const stream = streamName(this.options.namespace, channel);
		const prefix = channelSubject(this.options.namespace, channel);
		let total = 0;
		for (let p = 0; p < this.options.partitions; p++) {
			try {
				const info = await jsm.consumers.info(stream, consumerName(group, p));
				total += info.num_pending + info.num_ack_pending;
			} catch (e) {
				if (apiErrorCode(e) === STREAM_NOT_FOUND) return 0;
				if (apiErrorCode(e) !== CONSUMER_NOT_FOUND) throw e;
				// Not created yet: it will start from the beginning, so the partition's messages are all backlog.
				const subject = `${prefix}.${p}`;
				const info = await jsm.streams.info(stream, { subjects_filter: subject });
				total += info.state.subjects?.[subject] ?? 0;
			}
		}
		return total;
	}

	async depth(channel: string): Promise<number> {
		try {
			return (await this.connected().jsm.streams.info(streamName(this.options.namespace, channel))).state.messages;
		} catch (e) {
			if (apiErrorCode(e) === STREAM_NOT_FOUND) return 0;
			throw e;
		}
	}

	async read(channel: string, fromSeq: number, limit: number): Promise<Array<{ seq: number; envelope: Envelope }>> {
		const { jsm } = this.connected();
		const stream = streamName(this.options.namespace, channel);
		const { state } = await jsm.streams.info(stream).catch((e: unknown) => {
			if (apiErrorCode(e) === STREAM_NOT_FOUND) return { state: { first_seq: 1, last_seq: 0 } };
			throw e;
		});
		const out: Array<{ seq: number; envelope: Envelope }> = [];
		for (let seq = Math.max(fromSeq, state.first_seq); seq <= state.last_seq && out.length < limit; seq++) {
			try {
				const m = await jsm.streams.getMessage(stream, { seq });
				out.push({ seq: m.seq, envelope: m.json<Envelope>() });
			} catch (e) {
				if (apiErrorCode(e) !== NO_MESSAGE_FOUND) throw e; // deleted or aged out: a gap, not an end
			}
		}
		return out;
	}

	/** Stop pulling, let handlers finish, let publishes settle (new ones may start meanwhile), then drain. */
	async close(): Promise<void> {
		if (!this.connection) return;
		await Promise.all([...this.subscriptions].map((s) => s.stop()));
		while (this.publishes.size > 0) await Promise.allSettled([...this.publishes]);
		if (!this.connection.nc.isClosed()) await this.connection.nc.drain();
	}

	/** Delete every stream of this bus's namespace (tests, demo clean-up). */
	async destroy(): Promise<void> {
		await deleteStreamsOf(this.connected().jsm, this.options.namespace);
		this.channels.clear();
	}

	private async store(channel: string, envelope: Envelope): Promise<PublishResult> {
		await this.ensureChannel(channel);
		const stream = streamName(this.options.namespace, channel);
		const subject = `${channelSubject(this.options.namespace, channel)}.${partitionOf(envelope.subject, this.options.partitions)}`;
		const ack = await this.connected().js.publish(subject, JSON.stringify(envelope), { msgID: envelope.id, expect: { streamName: stream } });
		return { duplicate: ack.duplicate, seq: ack.seq };
	}

	/** Idempotent across processes: an existing stream is kept as it is (its config is the operator's). */
	private async createStream(channel: string): Promise<void> {
		const { jsm } = this.connected();
		const name = streamName(this.options.namespace, channel);
		try {
			await jsm.streams.info(name);
			return;
		} catch (e) {
			if (apiErrorCode(e) !== STREAM_NOT_FOUND) throw e;
		}
		await jsm.streams.add({
			name,
			subjects: [`${channelSubject(this.options.namespace, channel)}.*`],
			storage: StorageType.File,
			retention: RetentionPolicy.Limits,
			max_age: nanos(this.options.maxAge),
			duplicate_window: nanos(this.options.dedupWindowMs),
			num_replicas: this.options.replicas,
		});
	}

	private async startWorker(channel: string, options: SubscribeOptions, handler: DeliveryHandler, partition: number): Promise<PartitionWorker> {
		const { js, jsm } = this.connected();
		const stream = streamName(this.options.namespace, channel);
		const config = partitionConsumerConfig(this.options.namespace, channel, options.group, partition);
		await jsm.consumers.add(stream, config);
		// Opened again by the worker whenever its loop ends on its own.
		const open = () => openPartitionConsumer(js, jsm, stream, config);
		const handle = (m: JsMsg) => this.handle(m, channel, options, handler, partition);
		return new PartitionWorker(open, handle, this.reportError);
	}

	private async handle(m: JsMsg, channel: string, options: SubscribeOptions, handler: DeliveryHandler, partition: number): Promise<void> {
		const attempt = m.info.deliveryCount;
		const keepAlive = setInterval(() => m.working(), WORKING_EVERY_MS);
		let envelope: Envelope | undefined;
		try {
			envelope = m.json<Envelope>();
			const storedAt = new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString();
			await handler({ channel, group: options.group, partition, attempt, storedAt, envelope });
		} catch (error) {
			// An unreadable payload (not JSON, or JSON that is no envelope) is not retryable and is
			// dead-lettered as raw text under a stand-in id: never trust a field it may not have.
			const original = looksLikeEnvelope(envelope) ? envelope : { id: `${m.info.stream}:${m.seq}`, subject: m.subject, correlationid: m.subject, raw: m.string() };
			await this.settleFailure(m, channel, options, error, attempt, original).catch((e: unknown) => this.reportError(e, "settling a failed delivery"));
			return;
		} finally {
			clearInterval(keepAlive);
		}
		// Outside the try: a lost ack means a redelivery after ack_wait, never a dead letter of handled work.
		this.ackOrReport(m);
	}

	private ackOrReport(m: JsMsg): void {
		try {
			m.ack();
		} catch (e) {
			this.reportError(e, "ack failed; the message will be redelivered");
		}
	}

	private async settleFailure(m: JsMsg, channel: string, options: SubscribeOptions, error: unknown, attempt: number, original: Envelope | { id: string; subject: string; correlationid: string }): Promise<void> {
		const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
		const delay = retryDelayFor(error, attempt, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, backoffMs);
		if (delay !== undefined) return m.nak(delay);
		try {
			await this.publish(CHANNELS.DEAD_LETTERS, deadLetterEnvelope({ channel, group: options.group, attempts: attempt, error, original, storedAt: new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString() }));
		} catch (e) {
			this.reportError(e, "dead-letter publish failed; the message will be redelivered");
			return m.nak(backoffFor(attempt, backoffMs));
		}
		this.ackOrReport(m);
	}

	private readonly reportError = (error: unknown, context: string): void => {
		if (this.options.onError) this.options.onError(error, context);
		else console.error(`[waybill/streams] ${context}:`, error);
	};

	private connected(): { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager } {
		if (!this.connection) throw new Error("JetStreamBus is not connected: call connect() first");
		return this.connection;
	}
}
