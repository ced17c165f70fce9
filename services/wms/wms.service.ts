import type { ServiceSchema } from "moleculer";
import { PartnerAdapterMixin } from "../../mixins/partner-adapter.mixin.ts";

/**
 * The wms adapter: fulfilment execution: fulfillment orders out, warehouse facts back through the gateway.
 * Commands arrive on the durable command stream; each is delivered at least once with its
 * idempotency key, so the partner applies it exactly once.
 */
const WMSServiceSchema: ServiceSchema = {
	name: "wms",
	mixins: [PartnerAdapterMixin("wms")],
};

export default WMSServiceSchema;
