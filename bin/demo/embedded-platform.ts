import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { ServiceBroker } from "moleculer";
import { ErpSimulator, LastMileSimulator, WmsSimulator, WmsX12Simulator } from "../../simulators/index.ts";
import { ALL_SERVICES, loadServiceSchemas } from "../service-catalogue.ts";
import { EMBEDDED_SETTINGS } from "../../mixins/runtime/runtime-settings.ts";
import { WAREHOUSE_EXCEPTION_DELAY_MS } from "./scenario-mix.ts";
import { demoSecrets, partnerEnv, webhookPaths, type DemoPlatform } from "./platform.ts";

/** Everything in this process: all services on one broker, in-memory streams and store, simulators in-process. */
export async function startEmbedded(options: { stepDelayMs: number; policiesFile?: string; port?: number }): Promise<DemoPlatform> {
	const secrets = demoSecrets();
	const quiet = () => undefined;
	const erp = new ErpSimulator();
	const wms = new WmsSimulator({ secret: secrets.wms, stepDelayMs: options.stepDelayMs, exceptionDelayMs: WAREHOUSE_EXCEPTION_DELAY_MS, log: quiet });
	const lastmile = new LastMileSimulator({ secret: secrets.lastmile, stepDelayMs: options.stepDelayMs, log: quiet });
	const lastmileRapid = new LastMileSimulator({ partnerId: "rapid-courier", secret: secrets.lastmileRapid, stepDelayMs: options.stepDelayMs, log: quiet });
	const wmsX12 = new WmsX12Simulator({ secret: secrets.wmsX12, stepDelayMs: options.stepDelayMs, log: quiet });
	const urls = { erp: (await erp.start()).url, wms: (await wms.start()).url, lastmile: (await lastmile.start()).url, lastmileRapid: (await lastmileRapid.start()).url, wmsX12: (await wmsX12.start()).url };
	Object.assign(process.env, partnerEnv(urls, secrets), { PORT: String(options.port ?? 0), HOST: "127.0.0.1" }, options.policiesFile ? { POLICIES_FILE: options.policiesFile } : {});

	const namespace = `demo-${randomUUID().slice(0, 8)}`;
	const broker = new ServiceBroker({
		namespace,
		nodeID: `${namespace}-embedded`,
		metadata: { waybill: EMBEDDED_SETTINGS },
		logger: { type: "Console", options: { level: process.env.LOG_LEVEL || "warn" } },
	});
	for (const schema of await loadServiceSchemas(ALL_SERVICES)) broker.createService(schema);
	await broker.start();
	const gateway = broker.getLocalService("gateway") as unknown as { server: { address(): AddressInfo } };
	const gatewayUrl = `http://127.0.0.1:${gateway.server.address().port}`;
	erp.setWaybillUrl(gatewayUrl, secrets.adminKey);
	wms.setCallbackUrl(gatewayUrl + webhookPaths.wms);
	lastmile.setCallbackUrl(gatewayUrl + webhookPaths.lastmile);
	lastmileRapid.setCallbackUrl(gatewayUrl + webhookPaths.lastmileRapid);
	wmsX12.setCallbackUrl(gatewayUrl + webhookPaths.wmsX12);

	return {
		mode: "embedded",
		namespace,
		gatewayUrl,
		apiKey: secrets.adminKey,
		broker,
		simulatorUrls: urls,
		async stop() {
			await Promise.all([wms.stop(), lastmile.stop(), lastmileRapid.stop(), wmsX12.stop()]);
			await broker.stop();
			await erp.stop();
		},
	};
}
