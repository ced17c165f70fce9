import { AckPolicy, DeliverPolicy, nanos, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from "nats";
import { channelSubject, consumerName } from "./jetstream-layout.ts";

/** Unacked for this long, a message is redelivered (the holder is presumed dead). */
export const ACK_WAIT_MS = 10_000;
/**
 * A pull request outlives a consumer that stopped or died until it expires, and a message the
 * server sends to it meanwhile waits out ACK_WAIT_MS before redelivery, blocking its partition:
 * short pulls and a short ack wait keep that stall to seconds after a restart or a kill -9.
 */
const PULL_EXPIRES_MS = 5_000;
/** Messages one pull request may take over its life: it is topped up when a quarter is used (nats.js's threshold). */
const PULL_BATCH = 100;

/** The durable consumer of one group on one partition of a channel, shared by every process of the group. */
export function partitionConsumerConfig(namespace: string, channel: string, group: string, partition: number): Partial<ConsumerConfig> {
	return {
		durable_name: consumerName(group, partition),
		filter_subject: `${channelSubject(namespace, channel)}.${partition}`,
		deliver_policy: DeliverPolicy.All,
		ack_policy: AckPolicy.Explicit,
		// One unacked message per consumer: strict order per partition across every process and pod.
		max_ack_pending: 1,
		// We dead-letter ourselves (with the error); the server must never drop a message silently.
		max_deliver: -1,
		ack_wait: nanos(ACK_WAIT_MS),
	};
}

/**
 * Opens the consume loop of a partition's consumer, adding the consumer first: that covers a
 * server that lost it (a restart without its store, an operator's delete). The consumer still
 * lets one message out at a time (max_ack_pending 1); a pull for many serves the messages that
 * follow without a new pull request each, which had cost the server a request per delivery.
 */
export async function openPartitionConsumer(js: JetStreamClient, jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>): Promise<ConsumerMessages> {
	await jsm.consumers.add(stream, config).catch(() => undefined);
	const consumer = await js.consumers.get(stream, config.durable_name!);
	return consumer.consume({ max_messages: PULL_BATCH, expires: PULL_EXPIRES_MS });
}
