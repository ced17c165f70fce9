import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { PartnerAdapterMixin, type PartnerAdapterMethods } from "../../mixins/partner-adapter.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import type { PartnerRegistry } from "../../config/partner-registry.ts";
import { inventoryPosition, knownWarehouses } from "./inventory.ts";

type WmsMethods = PartnerAdapterMethods & StoreMethods;

/**
 * The WMS adapter: fulfilment execution. Fulfillment orders go out from the durable command
 * stream, each at least once with its idempotency key, so the WMS applies it exactly once;
 * warehouse facts come back through the gateway. Inventory is asked for live.
 */
const WmsServiceSchema: ServiceSchema<ServiceSettingSchema, WmsMethods, { registry: PartnerRegistry }> = {
	name: "wms",
	mixins: [PartnerAdapterMixin("wms"), StoreMixin()],
	actions: {
		/** Availability of a SKU per warehouse (all the WMSs' warehouses when none is named); last known, with its age, while a WMS is down. */
		inventory: {
			params: { sku: { type: "string", min: 1, max: 64 }, warehouse: { type: "string", optional: true, max: 64 } },
			async handler(ctx: Context<{ sku: string; warehouse?: string }>) {
				const deps = { registry: this.registry, store: this.store(), call: this.callPartner.bind(this) };
				const warehouses = ctx.params.warehouse ? [ctx.params.warehouse] : knownWarehouses(this.registry);
				const positions = await Promise.all(warehouses.map((w) => inventoryPosition(deps, ctx.params.sku, w)));
				return { sku: ctx.params.sku, available: positions.reduce((sum, p) => sum + p.available, 0), stale: positions.some((p) => p.stale), positions };
			},
		},
	},
};

export default WmsServiceSchema;
