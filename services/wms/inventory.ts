import { WMS_QUERIES, NotFoundError, assertMatches, inventoryPositionSchema, isPartnerUnavailable, type InventoryPosition } from "../../canonical/index.ts";
import type { PartnerEntry, PartnerRegistry } from "../../config/partner-registry.ts";
import type { PartnerAdapterMethods } from "../../mixins/partner-adapter.mixin.ts";
import type { Store } from "../../mixins/store/store.ts";

/** A position as the API answers it: live from the WMS, or the last one known, with its age. */
export interface PositionAnswer extends InventoryPosition {
	source: "live" | "last-known";
	fetchedAt: string;
	ageSeconds: number;
	stale: boolean;
	/** Why the answer is not live. */
	reason?: string;
}

interface Remembered {
	position: InventoryPosition;
	fetchedAt: string;
}

const lastKnownKey = (warehouse: string, sku: string) => `inventory:last-known:${warehouse}:${sku}`;

/** The warehouses the registry routes to a WMS that answers inventory queries. */
export function knownWarehouses(registry: PartnerRegistry): string[] {
	return registry.entries.filter((e) => e.system === "wms" && e.inventory !== false).flatMap((e) => e.warehouses ?? []);
}

/**
 * Inventory availability, live through the WMS's policy (with in-call retries: nothing durable
 * stands behind a query). While the WMS is down the last known position is answered instead,
 * saying so and how old it is; with none known, the partner's unavailability is the answer.
 */
export async function inventoryPosition(
	deps: { registry: PartnerRegistry; store: Store; call: PartnerAdapterMethods["callPartner"] },
	sku: string,
	warehouse: string,
): Promise<PositionAnswer> {
	if (!knownWarehouses(deps.registry).includes(warehouse)) throw new NotFoundError("warehouse", warehouse);
	const entry: PartnerEntry = deps.registry.wmsForWarehouse(warehouse);
	try {
		const answer = await deps.call(entry, WMS_QUERIES.INVENTORY, { sku, warehouse }, { path: "query" });
		const position = assertMatches<InventoryPosition>("inventory position", inventoryPositionSchema, answer?.data);
		const fetchedAt = new Date().toISOString();
		await deps.store.set<Remembered>(lastKnownKey(warehouse, sku), { position, fetchedAt });
		return { ...position, source: "live", fetchedAt, ageSeconds: 0, stale: false };
	} catch (e: unknown) {
		if (!isPartnerUnavailable(e)) throw e;
		const last = await deps.store.get<Remembered>(lastKnownKey(warehouse, sku));
		if (!last) throw e;
		const ageSeconds = Math.round((Date.now() - Date.parse(last.fetchedAt)) / 1000);
		return { ...last.position, source: "last-known", fetchedAt: last.fetchedAt, ageSeconds, stale: true, reason: (e as Error).message };
	}
}
