import { randomBytes } from "node:crypto";
import type { ServiceBroker } from "moleculer";

/** A running Waybill with its partner simulators, however it was started. */
export interface DemoPlatform {
	mode: "embedded" | "distributed";
	namespace: string;
	gatewayUrl: string;
	/** A broker in the same namespace, for calls to saga and ledger. */
	broker: ServiceBroker;
	simulatorUrls: { erp: string; wms: string; lastmile: string; lastmileRapid: string; wmsX12: string };
	stop(): Promise<void>;
}

/** Fresh webhook secrets per run: the gateway and the simulators get the same ones. */
export function demoSecrets() {
	return { wms: randomBytes(24).toString("hex"), lastmile: randomBytes(32).toString("hex") };
}

export function partnerEnv(urls: DemoPlatform["simulatorUrls"], secrets: ReturnType<typeof demoSecrets>): Record<string, string> {
	return {
		ERP_URL: urls.erp,
		WMS_URL: urls.wms,
		WMS_X12_URL: urls.wmsX12,
		LASTMILE_URL: urls.lastmile,
		LASTMILE_RAPID_URL: urls.lastmileRapid,
		WEBHOOK_SECRET_WMS_ACME_3PL: secrets.wms,
		WEBHOOK_SECRET_WMS_EDI_3PL: secrets.wms,
		WEBHOOK_SECRET_LASTMILE_ONFLEET: secrets.lastmile,
		WEBHOOK_SECRET_LASTMILE_RAPID_COURIER: secrets.lastmile,
	};
}

export const webhookPaths = { wms: "/webhooks/wms/acme-3pl", wmsX12: "/webhooks/wms/edi-3pl", lastmile: "/webhooks/lastmile/onfleet", lastmileRapid: "/webhooks/lastmile/rapid-courier" };
