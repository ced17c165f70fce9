import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { ErpSimulator, LastMileSimulator, WmsSimulator, WmsX12Simulator } from "../../simulators/index.ts";
import { loadServiceSchemas } from "../../bin/service-catalogue.ts";
import { deleteNamespace } from "../../mixins/streams/jetstream.bus.ts";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import { MemoryStreamBus } from "../../mixins/streams/memory-stream.bus.ts";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { MemoryPayloadBackend } from "../../mixins/payloads/memory.payload-backend.ts";
import type { RuntimeSettings } from "../../mixins/runtime/runtime-settings.ts";
import { generateApiKey } from "../../services/gateway/auth/api-key.ts";

/** A copy of the partner registry with every partner's policy overridden (short breaker pauses for tests). */
function registryWithPolicy(policy: Record<string, number>): string {
	const registry = JSON.parse(readFileSync(new URL("../../config/partners.json", import.meta.url), "utf8")) as { partners: Array<{ policy?: object }> };
	for (const partner of registry.partners) partner.policy = { ...partner.policy, ...policy };
	const file = join(mkdtempSync(join(tmpdir(), "waybill-partners-")), "partners.json");
	writeFileSync(file, JSON.stringify(registry));
	return file;
}

export const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";
export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

export interface Harness {
	namespace: string;
	gatewayUrl: string;
	brokers: ServiceBroker[];
	/** Any broker of the namespace, for action calls. */
	client: ServiceBroker;
	erp: ErpSimulator;
	wms: WmsSimulator;
	lastmile: LastMileSimulator;
	/** The second last-mile provider: a courier on Onfleet, which routing gives express orders. */
	lastmileRapid: LastMileSimulator;
	/** The 3PL that speaks X12, for warehouse WH2. */
	wmsX12: WmsX12Simulator;
	/** Each partner's own webhook secret: the generic 3PL, the X12 3PL, Onfleet and the rapid courier. */
	secrets: { wms: string; wmsX12: string; lastmile: string; lastmileRapid: string };
	/** The bootstrap admin key (every scope) this platform was started with (ADMIN_API_KEY). */
	apiKey: string;
	/** `Authorization: Bearer <apiKey>`, to spread into a request's headers. */
	auth: { authorization: string };
	/** Stops the broker hosting a service (distributed mode: one service per broker), as a SIGTERM would. */
	stopService(name: string): Promise<void>;
	/** Starts a service on a fresh broker of the same namespace. */
	startService(name: string): Promise<void>;
	stop(): Promise<void>;
}

/**
 * The platform as tests need it: simulators in-process, and the services either each on its own
 * broker over real NATS and Redis (`distributed`), or all on one broker in memory (`embedded`).
 * Namespace, stream names and key prefix are unique per call and removed by stop().
 */
export async function startHarness(options: { mode: "distributed" | "embedded"; services?: string[]; stepDelayMs?: number; natsUrl?: string; dedupWindowMs?: number; partnerPolicy?: Record<string, number>; policiesFile?: string; wmsDelays?: { exceptionDelayMs?: number; returnReceiptDelayMs?: number }; brokerOptions?: Partial<BrokerOptions> }): Promise<Harness> {
	if (options.partnerPolicy) process.env.PARTNERS_FILE = registryWithPolicy(options.partnerPolicy);
	else delete process.env.PARTNERS_FILE;
	if (options.policiesFile) process.env.POLICIES_FILE = options.policiesFile;
	else delete process.env.POLICIES_FILE;
	const natsUrl = options.natsUrl ?? NATS_URL;
	const namespace = `t-${randomUUID().slice(0, 8)}`;
	const secrets = { wms: randomBytes(16).toString("hex"), wmsX12: randomBytes(16).toString("hex"), lastmile: randomBytes(32).toString("hex"), lastmileRapid: randomBytes(32).toString("hex") };
	const apiKey = generateApiKey().key;
	const erp = new ErpSimulator();
	const wms = new WmsSimulator({ secret: secrets.wms, stepDelayMs: options.stepDelayMs ?? 5, log: () => undefined, ...options.wmsDelays });
	const lastmile = new LastMileSimulator({ secret: secrets.lastmile, stepDelayMs: options.stepDelayMs ?? 5, log: () => undefined });
	const lastmileRapid = new LastMileSimulator({ partnerId: "rapid-courier", secret: secrets.lastmileRapid, stepDelayMs: options.stepDelayMs ?? 5, log: () => undefined });
	const wmsX12 = new WmsX12Simulator({ secret: secrets.wmsX12, stepDelayMs: options.stepDelayMs ?? 5, log: () => undefined });
	Object.assign(process.env, {
		ERP_URL: (await erp.start()).url,
		WMS_URL: (await wms.start()).url,
		LASTMILE_URL: (await lastmile.start()).url,
		LASTMILE_RAPID_URL: (await lastmileRapid.start()).url,
		WEBHOOK_SECRET_LASTMILE_RAPID_COURIER: secrets.lastmileRapid,
		WMS_X12_URL: (await wmsX12.start()).url,
		WEBHOOK_SECRET_WMS_EDI_3PL: secrets.wmsX12,
		WEBHOOK_SECRET_WMS_ACME_3PL: secrets.wms,
		WEBHOOK_SECRET_LASTMILE_ONFLEET: secrets.lastmile,
		PORT: "0",
		HOST: "127.0.0.1",
		ADMIN_API_KEY: apiKey,
	});
	const names = options.services ?? ["gateway", "erp", "wms", "lastmile", "mapper", "saga", "ledger"];
	const distributed = options.mode === "distributed";
	const settings: RuntimeSettings = { mode: options.mode, natsUrl: distributed ? natsUrl : undefined, redisUrl: distributed ? REDIS_URL : undefined, partitions: 4, replicas: 1, dedupWindowMs: options.dedupWindowMs ?? 120_000 };
	const groups = distributed ? names.map((n) => [n]) : [names];
	const brokerFor = (group: string[], generation = 0) =>
		new ServiceBroker({
			namespace,
			nodeID: `${namespace}-${group.join("+") || "client"}${generation ? `-${generation}` : ""}`,
			transporter: (distributed ? natsUrl : null) as never,
			metadata: { waybill: settings },
			// As in moleculer.config.ts: a request lost while the transporter reconnects fails, it does not hang.
			requestTimeout: 10_000,
			logger: { type: "Console", options: { level: process.env.TEST_LOG_LEVEL || "error" } },
			// Metrics, a capturing logger: what a test needs beyond the defaults.
			...options.brokerOptions,
		});
	const brokers = groups.map((group) => brokerFor(group));
	for (let i = 0; i < groups.length; i++) for (const schema of await loadServiceSchemas(groups[i]!)) brokers[i]!.createService(schema);
	// In distributed mode the test talks through a broker of its own, which survives any service restart.
	const client = distributed ? brokerFor([]) : brokers[0]!;
	if (distributed) brokers.push(client);
	await Promise.all(brokers.map((b) => b.start()));
	await client.waitForServices(names, 30_000);
	const gatewayBroker = brokers.find((b) => b.getLocalService("gateway"));
	const gatewayPort = gatewayBroker ? (gatewayBroker.getLocalService("gateway") as unknown as { server: { address(): AddressInfo } }).server.address().port : 0;
	const gatewayUrl = gatewayBroker ? `http://127.0.0.1:${gatewayPort}` : "";
	let generation = 0;
	erp.setWaybillUrl(gatewayUrl, apiKey);
	wms.setCallbackUrl(`${gatewayUrl}/webhooks/wms/acme-3pl`);
	lastmile.setCallbackUrl(`${gatewayUrl}/webhooks/lastmile/onfleet`);
	lastmileRapid.setCallbackUrl(`${gatewayUrl}/webhooks/lastmile/rapid-courier`);
	wmsX12.setCallbackUrl(`${gatewayUrl}/webhooks/wms/edi-3pl`);

	return {
		namespace, gatewayUrl, brokers, client, erp, wms, lastmile, lastmileRapid, wmsX12, secrets, apiKey,
		auth: { authorization: `Bearer ${apiKey}` },
		async stopService(name: string) {
			const index = brokers.findIndex((b) => b.getLocalService(name));
			if (index < 0) throw new Error(`no running broker hosts '${name}'`);
			const [stopping] = brokers.splice(index, 1);
			await stopping!.stop();
		},
		async startService(name: string) {
			// The gateway comes back on its port, where the simulators send their webhooks.
			if (name === "gateway") process.env.PORT = String(gatewayPort);
			const broker = brokerFor([name], ++generation);
			for (const schema of await loadServiceSchemas([name])) broker.createService(schema);
			brokers.push(broker);
			await broker.start();
			process.env.PORT = "0";
		},
		async stop() {
			await Promise.all([wms.stop(), lastmile.stop(), lastmileRapid.stop(), wmsX12.stop()]);
			await Promise.all(brokers.map((b) => b.stop()));
			await erp.stop();
			if (distributed) {
				await deleteNamespace(natsUrl, namespace);
				const store = new RedisStore({ url: REDIS_URL, prefix: namespace });
				await store.clear();
				await store.close();
			} else {
				MemoryStreamBus.reset(namespace);
				MemoryPayloadBackend.reset(namespace);
				await new MemoryStore(namespace).clear();
			}
		},
	};
}
