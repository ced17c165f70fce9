import { connect } from "nats";
import { natsConnectionOptions } from "../../../mixins/streams/nats-connection-options.ts";

/**
 * Core NATS publish-subscribe on this machine: one connection publishes `payloadBytes` messages as
 * fast as the client lets it, another subscribes; messages received per second over `durationMs`.
 * The ceiling of the transport itself, before any persistence.
 */
export async function rawNatsPubSub(url: string, options: { durationMs: number; payloadBytes: number }): Promise<number> {
	const subscriber = await connect(natsConnectionOptions(url));
	const publisher = await connect(natsConnectionOptions(url));
	const subject = `bench.raw.${process.pid}.${Date.now()}`;
	let received = 0;
	const subscription = subscriber.subscribe(subject, { callback: () => void received++ });
	await subscriber.flush();
	const payload = new Uint8Array(options.payloadBytes).fill(120);
	const started = performance.now();
	const deadline = started + options.durationMs;
	while (performance.now() < deadline) {
		for (let i = 0; i < 1_000; i++) publisher.publish(subject, payload);
		// Flushing every thousand keeps the publisher from outrunning the server into a slow-consumer cut.
		await publisher.flush();
	}
	await publisher.flush();
	await subscriber.flush();
	const elapsed = performance.now() - started;
	subscription.unsubscribe();
	await Promise.all([publisher.close(), subscriber.close()]);
	return Math.round((received / elapsed) * 1000);
}
