import { connect, type JetStreamManager } from "nats";
import { natsConnectionOptions } from "./nats-connection-options.ts";

/** How channels map onto JetStream: stream, subject and consumer names, and their removal. */
export const STREAM_NOT_FOUND = 10059;
export const CONSUMER_NOT_FOUND = 10014;
export const NO_MESSAGE_FOUND = 10037;

export const apiErrorCode = (e: unknown): number | undefined => (e as { api_error?: { err_code?: number } }).api_error?.err_code;
const subjectToken = (s: string): string => s.replace(/[.*>\s]/g, "-");

/** Stream name for a channel: `${NAMESPACE}_${CHANNEL}`, restricted to what every tool accepts. */
export const streamName = (namespace: string, channel: string): string => `${namespace}_${channel}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
/** Subject prefix of a channel; partitions are the last token. */
export const channelSubject = (namespace: string, channel: string): string => `${subjectToken(namespace)}.${subjectToken(channel)}`;
/** The durable consumer of one group on one partition; shared by every process of the group. */
export const consumerName = (group: string, partition: number): string => `${group}_p${partition}`.replace(/[^A-Za-z0-9_-]/g, "_");

/** The namespace's object store bucket for claim-checked payloads (its stream is `OBJ_<bucket>`). */
export const payloadBucket = (namespace: string): string => `${namespace}_payloads`.replace(/[^A-Za-z0-9_-]/g, "_");
/** The stream behind an object store bucket, as nats.js names it. */
export const objectStoreStream = (bucket: string): string => `OBJ_${bucket}`;

/** Delete every stream of a namespace, its payload bucket included (tests, demo clean-up). */
export async function deleteNamespace(servers: string, namespace: string): Promise<void> {
	const nc = await connect({ ...natsConnectionOptions(servers), name: `waybill-cleanup-${namespace}` });
	try {
		await deleteStreamsOf(await nc.jetstreamManager(), namespace);
	} finally {
		await nc.close();
	}
}

/** Matched by subject rather than name prefix: namespace `a` must not take `a_b`'s streams. */
export async function deleteStreamsOf(jsm: JetStreamManager, namespace: string): Promise<void> {
	const prefix = `${subjectToken(namespace)}.`;
	const payloads = objectStoreStream(payloadBucket(namespace));
	for await (const info of jsm.streams.list()) {
		if (info.config.name === payloads || info.config.subjects?.some((s) => s.startsWith(prefix))) await jsm.streams.delete(info.config.name);
	}
}
