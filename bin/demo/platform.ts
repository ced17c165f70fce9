import { randomBytes } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { generateApiKey } from "../../services/gateway/auth/api-key.ts";

/** A running Waybill with its partner simulators, however it was started. */
export interface DemoPlatform {
	mode: "embedded" | "distributed";
	namespace: string;
	gatewayUrl: string;
	/** The run's bootstrap admin key (ADMIN_API_KEY), made fresh per run. */
	apiKey: string;
	/** A broker in the same namespace, for calls to saga and ledger. */
	broker: ServiceBroker;
	simulatorUrls: { erp: string; wms: string; lastmile: string; lastmileRapid: string; wmsX12: string };
	/** Its processes (services and simulators), where it has its own: the benchmark reads their CPU time. */
	processes?(): Array<{ name: string; pid: number }>;
	stop(): Promise<void>;
}

/** Fresh webhook secrets and admin key per run: the gateway and the simulators get the same ones. */
export function demoSecrets() {
	return {
		wms: randomBytes(24).toString("hex"),
		wmsX12: randomBytes(24).toString("hex"),
		lastmile: randomBytes(32).toString("hex"),
		lastmileRapid: randomBytes(32).toString("hex"),
		adminKey: generateApiKey().key,
	};
}

export function partnerEnv(urls: DemoPlatform["simulatorUrls"], secrets: ReturnType<typeof demoSecrets>): Record<string, string> {
	return {
		ERP_URL: urls.erp,
		WMS_URL: urls.wms,
		WMS_X12_URL: urls.wmsX12,
		LASTMILE_URL: urls.lastmile,
		LASTMILE_RAPID_URL: urls.lastmileRapid,
		WEBHOOK_SECRET_WMS_ACME_3PL: secrets.wms,
		WEBHOOK_SECRET_WMS_EDI_3PL: secrets.wmsX12,
		WEBHOOK_SECRET_LASTMILE_ONFLEET: secrets.lastmile,
		WEBHOOK_SECRET_LASTMILE_RAPID_COURIER: secrets.lastmileRapid,
		ADMIN_API_KEY: secrets.adminKey,
	};
}

export const webhookPaths = { wms: "/webhooks/wms/acme-3pl", wmsX12: "/webhooks/wms/edi-3pl", lastmile: "/webhooks/lastmile/onfleet", lastmileRapid: "/webhooks/lastmile/rapid-courier" };
