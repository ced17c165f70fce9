import type { ServiceBroker } from "moleculer";
import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";
import { acquireBus, acquireStore, releaseBus, releaseStore } from "./broker-resources.ts";
import { storeCheck, streamsCheck, transporterCheck } from "./health-checks.ts";
import { startHealthServer, type HealthServer } from "./health-server.ts";

/** Where every pod's probes look (k8s/): the same in every Deployment. */
export const DEFAULT_HEALTH_PORT = 3001;

export interface HealthOptions {
	port: number;
	host?: string;
	/** True when HEALTH_PORT was set: a port that cannot be bound is then an error, not a shrug. */
	explicit: boolean;
}

/** HEALTH_PORT (default 3001; 0 for any free port) on HOST (default all interfaces). */
export function healthOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HealthOptions {
	const raw = env.HEALTH_PORT;
	const host = env.HOST || undefined;
	if (raw === undefined || raw === "") return { port: DEFAULT_HEALTH_PORT, host, explicit: false };
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigurationInvalidError("HEALTH_PORT", `expected a port number, got '${raw}'`);
	return { port, host, explicit: true };
}

/** The health server of a process hosting services, with the broker's own connections as its checks. */
export interface ProcessHealth {
	readonly port: number;
	/** After broker.start(): readiness now checks the transporter, the store and the streams. */
	started(): Promise<void>;
	/** First thing on SIGTERM: unready, so that Kubernetes stops routing before the drain. */
	stopping(): void;
	/** After broker.stop(): lets go of the shared connections and closes the port. */
	close(): Promise<void>;
}

/**
 * Opens the health port before the broker starts (liveness answers during startup; readiness
 * says "starting"). Several processes on one machine (the demo, the chaos suite) would all want
 * the default port: without HEALTH_PORT, a taken port leaves the process without a health server
 * rather than without its services. Returns undefined then.
 */
export async function openProcessHealth(broker: ServiceBroker, options: HealthOptions): Promise<ProcessHealth | undefined> {
	let server: HealthServer;
	try {
		server = await startHealthServer({ port: options.port, host: options.host });
	} catch (e: unknown) {
		if (!options.explicit && (e as NodeJS.ErrnoException).code === "EADDRINUSE") {
			broker.logger.warn(`health port ${options.port} is taken: no /health/live or /health/ready on this process (set HEALTH_PORT to choose one)`);
			return undefined;
		}
		throw e;
	}
	// Released on close only if acquired: each acquire counts one user of the shared connection.
	const held = { store: false, bus: false };
	return {
		port: server.port,
		async started() {
			// The services' own shared connections (broker-resources.ts): the probe sees what they see.
			const store = await acquireStore(broker);
			held.store = true;
			const bus = await acquireBus(broker);
			held.bus = true;
			server.running([transporterCheck(broker), storeCheck(store), streamsCheck(bus)]);
			broker.logger.info(`health: http://${options.host ?? "0.0.0.0"}:${server.port}/health/live and /health/ready`);
		},
		stopping: () => server.stopping(),
		async close() {
			server.stopping();
			await server.close();
			const releases = [held.store && releaseStore(broker), held.bus && releaseBus(broker)];
			held.store = held.bus = false;
			await Promise.allSettled(releases);
		},
	};
}
