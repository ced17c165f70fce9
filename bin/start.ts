import { ServiceBroker } from "moleculer";
import config from "../moleculer.config.ts";
import { loadServiceSchemas, selectServices } from "./service-catalogue.ts";

/**
 * Starts one process hosting the services named in SERVICES (all when unset). With `--repl` it
 * opens the Moleculer REPL with Waybill's SRE commands; SERVICES=none gives a REPL-only node.
 */
async function main(): Promise<void> {
	const names = selectServices(process.env.SERVICES);
	const broker = new ServiceBroker(config);
	for (const schema of await loadServiceSchemas(names)) broker.createService(schema);
	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		broker.logger.info(`${signal} received: draining and stopping`);
		await broker.stop();
		process.exit(0);
	};
	process.once("SIGTERM", () => void stop("SIGTERM"));
	process.once("SIGINT", () => void stop("SIGINT"));
	await broker.start();
	broker.logger.info(`waybill node up: ${names.join(", ") || "(no services)"}`, { namespace: broker.namespace, mode: (config.metadata as { waybill: { mode: string } }).waybill.mode });
	if (process.argv.includes("--repl")) broker.repl();
}

main().catch((e: unknown) => {
	console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
	process.exit(1);
});
