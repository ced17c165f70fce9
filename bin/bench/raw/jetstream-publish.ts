import { randomUUID } from "node:crypto";
import { RetentionPolicy, StorageType, connect } from "nats";
import { natsConnectionOptions } from "../../../mixins/streams/nats-connection-options.ts";

/**
 * JetStream asynchronous publish on this machine: a file-backed stream like Waybill's (one
 * replica, a duplicate window), every message with its own message id, `window` publishes awaiting
 * their acks at once. Acknowledged (stored) messages per second over `durationMs`. The stream is
 * deleted afterwards.
 */
export async function rawJetStreamPublish(url: string, options: { durationMs: number; payloadBytes: number; window: number }): Promise<number> {
	const connection = await connect(natsConnectionOptions(url));
	const manager = await connection.jetstreamManager();
	const name = `BENCH_RAW_${randomUUID().slice(0, 8).toUpperCase()}`;
	const subject = `bench-raw.${name}`;
	await manager.streams.add({ name, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: 1, duplicate_window: 120_000_000_000 });
	const js = connection.jetstream();
	const payload = new Uint8Array(options.payloadBytes).fill(120);
	let acked = 0;
	let sequence = 0;
	const started = performance.now();
	const deadline = started + options.durationMs;
	try {
		const publisher = async () => {
			while (performance.now() < deadline) {
				await js.publish(subject, payload, { msgID: `${name}-${sequence++}` });
				acked++;
			}
		};
		await Promise.all(Array.from({ length: options.window }, publisher));
		return Math.round((acked / (performance.now() - started)) * 1000);
	} finally {
		await manager.streams.delete(name).catch(() => undefined);
		await connection.close();
	}
}
