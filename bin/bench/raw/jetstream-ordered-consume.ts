import { randomUUID } from "node:crypto";
import { RetentionPolicy, StorageType, connect, nanos, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from "nats";
import { openPartitionConsumer, partitionConsumerConfig } from "../../../mixins/streams/jetstream-partition-consumer.ts";
import { channelSubject, streamName } from "../../../mixins/streams/jetstream-layout.ts";
import { natsConnectionOptions } from "../../../mixins/streams/nats-connection-options.ts";
import { DEFAULT_DEDUP_WINDOW_MS } from "../../../mixins/streams/stream-bus.ts";

/** How long consumers may take, once publishing stopped, to catch up with what was published. */
const DRAIN_CAP_MS = 10_000;
const CHANNEL = "ordered";

/** Every partition consumer of one group, each handling one message at a time and acking it as the bus does (`m.ack()`). */
async function consumeGroup(js: JetStreamClient, jsm: JetStreamManager, namespace: string, group: string, partitions: number, onAck: () => void): Promise<ConsumerMessages[]> {
	const stream = streamName(namespace, CHANNEL);
	return Promise.all(Array.from({ length: partitions }, async (_, partition) => {
		const messages = await openPartitionConsumer(js, jsm, stream, partitionConsumerConfig(namespace, CHANNEL, group, partition));
		void (async () => {
			for await (const m of messages) {
				m.ack();
				onAck();
			}
		})();
		return messages;
	}));
}

/**
 * JetStream consumed the way Waybill consumes, with no application work: the ceiling of the engine
 * under our ordering guarantee. A file-backed stream like Waybill's, `groups` groups each with one
 * durable pull consumer per partition configured exactly as the bus configures them (max_ack_pending
 * 1, so each message waits for the previous one's ack), while one publisher keeps `window` publishes
 * in flight for `durationMs` (message id and expected stream, as the bus publishes), spreading them
 * over the partitions round-robin.
 *
 * Returns messages per second published and acked by every group: the slowest group's acks over
 * the time from the first publish until every group acked everything published, or until
 * DRAIN_CAP_MS after publishing stopped if the consumers fall that far behind (the backlog left
 * then is not counted). When the consumers lag, part of their work happens in that drain, without
 * the publisher competing for the CPU, so the figure moves a little with `durationMs`. The
 * publisher has its own connection, as in Waybill, where it is another process. The bus's
 * keep-alive timer (`m.working()` every 3 s) is left out: it is application side.
 */
export async function rawOrderedConsume(url: string, options: { durationMs: number; payloadBytes: number; partitions: number; groups: number; window: number }): Promise<number> {
	const consumerConnection = await connect(natsConnectionOptions(url));
	const publisherConnection = await connect(natsConnectionOptions(url));
	const jsm = await consumerConnection.jetstreamManager();
	const namespace = `bench-raw-${randomUUID().slice(0, 8)}`;
	const stream = streamName(namespace, CHANNEL);
	const subject = channelSubject(namespace, CHANNEL);
	const loops: ConsumerMessages[] = [];
	try {
		await jsm.streams.add({ name: stream, subjects: [`${subject}.*`], storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: 1, duplicate_window: nanos(DEFAULT_DEDUP_WINDOW_MS) });
		const acked = new Array<number>(options.groups).fill(0);
		let published = 0;
		let publishing = true;
		let caughtUp = () => {};
		const allCaughtUp = new Promise<void>((resolve) => (caughtUp = resolve));
		const check = () => {
			if (!publishing && Math.min(...acked) >= published) caughtUp();
		};
		const js = consumerConnection.jetstream();
		for (let g = 0; g < options.groups; g++) {
			loops.push(...(await consumeGroup(js, jsm, namespace, `group-${g}`, options.partitions, () => {
				acked[g]!++;
				check();
			})));
		}

		const publisherJs = publisherConnection.jetstream();
		const payload = new Uint8Array(options.payloadBytes).fill(120);
		let sequence = 0;
		const started = performance.now();
		const deadline = started + options.durationMs;
		const publisher = async () => {
			while (performance.now() < deadline) {
				const n = sequence++;
				await publisherJs.publish(`${subject}.${n % options.partitions}`, payload, { msgID: `${stream}-${n}`, expect: { streamName: stream } });
				published++;
			}
		};
		await Promise.all(Array.from({ length: options.window }, publisher));
		publishing = false;
		check();
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([allCaughtUp, new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_CAP_MS)))]);
		clearTimeout(timer);
		const delivered = Math.min(published, ...acked);
		return Math.round((delivered / (performance.now() - started)) * 1000);
	} finally {
		await Promise.all(loops.map((l) => l.close())).catch(() => undefined);
		await jsm.streams.delete(stream).catch(() => undefined);
		await Promise.all([publisherConnection.close(), consumerConnection.close()]);
	}
}
