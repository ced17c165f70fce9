import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { ServiceBroker } from "moleculer";
import { ALL_SERVICES } from "../service-catalogue.ts";
import { deleteNamespace } from "../../mixins/streams/jetstream.bus.ts";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import { natsTransporter } from "../../mixins/streams/nats-connection-options.ts";
import { spawnTs, firstJsonLine, stopChildren, type Child } from "./child-processes.ts";
import { demoSecrets, partnerEnv, webhookPaths, type DemoPlatform } from "./platform.ts";
import { freePort } from "./free-port.ts";
import { WAREHOUSE_EXCEPTION_DELAY_MS } from "./scenario-mix.ts";


/**
 * One process per service and per simulator, as in Kubernetes, over NATS JetStream and Redis.
 * Streams and keys live under a fresh namespace and are removed on stop (unless `keep`).
 */
export async function startDistributed(options: { stepDelayMs: number; transporter: string; redisUrl: string; keep: boolean; policiesFile?: string; port?: number; log(line: string): void }): Promise<DemoPlatform> {
	const namespace = `demo-${randomUUID().slice(0, 8)}`;
	const logDir = join(".waybill", namespace);
	const secrets = demoSecrets();
	const gatewayPort = options.port || (await freePort());
	const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
	const children: Child[] = [];
	const cleanup = async () => {
		await stopChildren(children);
		if (options.keep) return;
		await deleteNamespace(options.transporter, namespace).catch(() => undefined);
		const store = new RedisStore({ url: options.redisUrl, prefix: namespace });
		await store.clear().finally(() => store.close());
	};

	try {
		const sims = { erp: "", wms: "", lastmile: "", lastmileRapid: "", wmsX12: "" };
		const kinds = [["erp", "", "erp"], ["wms", webhookPaths.wms, "wms"], ["lastmile", webhookPaths.lastmile, "lastmile"], ["lastmile", webhookPaths.lastmileRapid, "lastmileRapid"], ["wms-x12", webhookPaths.wmsX12, "wmsX12"]] as const;
		for (const [sim, path, key] of kinds) {
			const child = spawnTs(`sim-${key}`, "simulators/run.ts", [sim], {
				...(key === "lastmileRapid" ? { SIM_PARTNER_ID: "rapid-courier" } : {}),
				SIM_PORT: "0",
				SIM_CALLBACK_URL: path ? gatewayUrl + path : "",
				SIM_WAYBILL_URL: gatewayUrl,
				SIM_WAYBILL_API_KEY: secrets.adminKey,
				SIM_EXCEPTION_DELAY_MS: String(WAREHOUSE_EXCEPTION_DELAY_MS),
				SIM_SECRET: secrets[key === "erp" ? "wms" : key],
				SIM_STEP_DELAY_MS: String(options.stepDelayMs),
			}, logDir);
			children.push(child);
			sims[key] = (await firstJsonLine<{ url: string }>(child)).url;
		}
		const common = { ...(options.policiesFile ? { POLICIES_FILE: options.policiesFile } : {}), NAMESPACE: namespace, TRANSPORTER: options.transporter, REDIS_URL: options.redisUrl, LOG_LEVEL: process.env.LOG_LEVEL || "info", HOST: "127.0.0.1", PORT: String(gatewayPort), ...partnerEnv(sims, secrets) };
		for (const service of ALL_SERVICES) {
			children.push(spawnTs(service, "bin/start.ts", [], { ...common, SERVICES: service, NODE_ID: `${namespace}-${service}` }, logDir));
		}
		options.log(`started ${children.length} processes (namespace ${namespace}); logs in ${logDir}/`);

		const broker = new ServiceBroker({ namespace, nodeID: `${namespace}-demo`, transporter: natsTransporter(process.env, options.transporter), logger: false });
		await broker.start();
		await broker.waitForServices(ALL_SERVICES, 60_000);
		await waitForHttp(`${gatewayUrl}/health/ready`, 60_000);

		return {
			mode: "distributed",
			namespace,
			gatewayUrl,
			apiKey: secrets.adminKey,
			broker,
			simulatorUrls: sims,
			processes: () => children.flatMap((c) => (c.process.pid ? [{ name: c.name, pid: c.process.pid }] : [])),
			async stop() {
				await broker.stop();
				const exits = await stopChildren(children);
				const unclean = exits.filter((e) => e.code !== 0);
				if (unclean.length) options.log(`processes that did not exit cleanly: ${unclean.map((e) => `${e.name} (${e.code ?? e.signal})`).join(", ")}`);
				await cleanup();
			},
		};
	} catch (e: unknown) {
		await cleanup();
		throw e;
	}
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const ok = await fetch(url).then((r) => r.ok, () => false);
		if (ok) return;
		if (Date.now() > deadline) throw new Error(`${url} did not become ready within ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 200));
	}
}
