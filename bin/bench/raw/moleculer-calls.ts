import { randomUUID } from "node:crypto";
import { ServiceBroker } from "moleculer";
import { natsTransporter } from "../../../mixins/streams/nats-connection-options.ts";
import { firstJsonLine, spawnTs, stopChildren } from "../../demo/child-processes.ts";

/**
 * Moleculer remote calls over the same NATS: a caller broker here, a responder broker in its own
 * process, `concurrency` calls in flight, each carrying `payloadBytes` of JSON and getting it back.
 * Completed calls per second over `durationMs`.
 */
export async function rawMoleculerCalls(url: string, options: { durationMs: number; payloadBytes: number; concurrency: number; logDir: string }): Promise<number> {
	const namespace = `bench-raw-${randomUUID().slice(0, 8)}`;
	const responder = spawnTs("raw-moleculer-responder", "bin/bench/raw/moleculer-responder.mts", [namespace, url], {}, options.logDir);
	const caller = new ServiceBroker({ namespace, nodeID: `${namespace}-caller`, transporter: natsTransporter(process.env, url), logger: false });
	try {
		await firstJsonLine(responder);
		await caller.start();
		await caller.waitForServices(["bench-echo"], 20_000);
		const params = { body: "x".repeat(options.payloadBytes) };
		let completed = 0;
		const started = performance.now();
		const deadline = started + options.durationMs;
		const worker = async () => {
			while (performance.now() < deadline) {
				await caller.call("bench-echo.echo", params);
				completed++;
			}
		};
		await Promise.all(Array.from({ length: options.concurrency }, worker));
		return Math.round((completed / (performance.now() - started)) * 1000);
	} finally {
		await caller.stop();
		await stopChildren([responder]);
	}
}
