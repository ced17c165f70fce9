import { ServiceBroker } from "moleculer";
import config from "../moleculer.config.ts";
import { loadServiceSchemas, selectServices } from "./service-catalogue.ts";
import type { RuntimeSettings } from "../mixins/runtime/runtime-settings.ts";
import { healthOptionsFromEnv, openProcessHealth } from "../mixins/runtime/process-health.ts";

/**
 * Starts one process hosting the services named in SERVICES (all when unset). With `--repl` it
 * opens the Moleculer REPL with Waybill's SRE commands; SERVICES=none gives a REPL-only node.
 * In distributed mode every process but a REPL also answers /health/live and /health/ready on
 * HEALTH_PORT (3001), the probes of every pod in k8s/.
 */
async function main(): Promise<void> {
	const names = selectServices(process.env.SERVICES);
	const settings = (config.metadata as { waybill: RuntimeSettings }).waybill;
	const repl = process.argv.includes("--repl");
	const broker = new ServiceBroker(config);
	for (const schema of await loadServiceSchemas(names)) broker.createService(schema);
	// A REPL joins a pod whose own process already holds the port, and nothing probes it.
	const health = settings.mode === "distributed" && !repl ? await openProcessHealth(broker, healthOptionsFromEnv(process.env)) : undefined;
	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		// Unready first, so that Kubernetes takes the pod out of rotation while it drains.
		health?.stopping();
		broker.logger.info(`${signal} received: draining and stopping`);
		await broker.stop();
		await health?.close();
		process.exit(0);
	};
	process.once("SIGTERM", () => void stop("SIGTERM"));
	process.once("SIGINT", () => void stop("SIGINT"));
	await broker.start();
	await health?.started();
	broker.logger.info(`waybill node up: ${names.join(", ") || "(no services)"}`, { namespace: broker.namespace, mode: settings.mode });
	if (repl) broker.repl();
}

main().catch((e: unknown) => {
	console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
	process.exit(1);
});
