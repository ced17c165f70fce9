import type { ServiceSchema } from "moleculer";
import { PartnerAdapterMixin } from "../../mixins/partner-adapter.mixin.ts";
import { StoreMixin } from "../../mixins/store.mixin.ts";

/**
 * The erp adapter: the system of record for orders and money: milestone updates, shipment confirmations, invoices.
 * Commands arrive on the durable command stream; each is delivered at least once with its
 * idempotency key, so the partner applies it exactly once.
 */
const ERPServiceSchema: ServiceSchema = {
	name: "erp",
	mixins: [PartnerAdapterMixin("erp"), StoreMixin()],
};

export default ERPServiceSchema;
