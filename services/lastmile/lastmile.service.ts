import type { ServiceSchema } from "moleculer";
import { PartnerAdapterMixin } from "../../mixins/partner-adapter.mixin.ts";

/**
 * The lastmile adapter: dispatch and proof of delivery: delivery jobs out, route facts back through the gateway.
 * Commands arrive on the durable command stream; each is delivered at least once with its
 * idempotency key, so the partner applies it exactly once.
 */
const LastMileServiceSchema: ServiceSchema = {
	name: "lastmile",
	mixins: [PartnerAdapterMixin("lastmile")],
};

export default LastMileServiceSchema;
