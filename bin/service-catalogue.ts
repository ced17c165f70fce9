import type { ServiceSchema } from "moleculer";
import { ConfigurationInvalidError } from "../canonical/errors/index.ts";

/** The deployable services, by the name a newcomer types in SERVICES or the REPL. */
const LOADERS: Record<string, () => Promise<{ default: unknown }>> = {
	gateway: () => import("../services/gateway/gateway.service.ts"),
	erp: () => import("../services/erp/erp.service.ts"),
	wms: () => import("../services/wms/wms.service.ts"),
	lastmile: () => import("../services/lastmile/lastmile.service.ts"),
	mapper: () => import("../services/mapper/mapper.service.ts"),
	saga: () => import("../services/saga/saga.service.ts"),
	ledger: () => import("../services/ledger/ledger.service.ts"),
	notifier: () => import("../services/notifier/notifier.service.ts"),
	batch: () => import("../services/batch/batch.service.ts"),
};

export const ALL_SERVICES = Object.keys(LOADERS);

/** Parses SERVICES ("gateway,saga", "*" or empty for all, "none" for a REPL-only node). */
export function selectServices(value: string | undefined): string[] {
	if (value === undefined || value.trim() === "" || value.trim() === "*") return ALL_SERVICES;
	if (value.trim() === "none") return [];
	const names = value.split(",").map((s) => s.trim()).filter(Boolean);
	const unknown = names.filter((n) => !LOADERS[n]);
	if (unknown.length) throw new ConfigurationInvalidError("SERVICES", `unknown service(s) ${unknown.join(", ")}; known: ${ALL_SERVICES.join(", ")}`);
	return names;
}

export async function loadServiceSchemas(names: string[]): Promise<ServiceSchema[]> {
	return Promise.all(names.map(async (name) => (await LOADERS[name]!()).default as ServiceSchema));
}
