import type { Context, ServiceSettingSchema } from "moleculer";
import { CHANNELS, GROUPS, NotFoundError, type ChannelName, type Envelope, type SalesOrder } from "../../canonical/index.ts";
import { ExceptionCases } from "./exception-cases.ts";
import { PARTNER_HEALTH_FACTS, applyPartnerHealth } from "./partner-health-flow.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import { SagaStore } from "./saga.store.ts";
import { handleFact } from "./saga-runner.ts";
import { summarise } from "./saga-stats.ts";
import type { FlowContext } from "./flows/order-to-delivery.flow.ts";

interface SagaVars {
	registry: PartnerRegistry;
}
type SagaMethods = DurableStreamsMethods & StoreMethods & { sagas(): SagaStore; flowContext(): FlowContext };

/**
 * The saga coordinator: owns each order's flow, its unified status (which never regresses) and
 * its timeline. State lives in the store per order; facts arrive in order per order.
 */
const SagaServiceSchema: StreamingServiceSchema<ServiceSettingSchema, SagaMethods, SagaVars> = {
	name: "saga",
	mixins: [StoreMixin(), DurableStreamsMixin()],

	streams: {
		/** Facts move orders on. Idempotent: a fact already applied is recognised by its id. */
		facts: {
			channel: CHANNELS.EVENTS,
			group: GROUPS.SAGA,
			async handler(envelope: Envelope) {
				const publish = (c: ChannelName, e: Envelope) => this.publishMessage(c, e);
				if (PARTNER_HEALTH_FACTS.has(envelope.type)) return applyPartnerHealth(new ExceptionCases(this.store()), publish, envelope);
				await handleFact({ sagas: this.sagas(), publish, flowContext: () => this.flowContext() }, envelope);
			},
		},
	},

	actions: {
		/** The unified status of one order and its timeline. */
		getOrder: {
			params: { orderId: { type: "string", min: 1, max: 128 } },
			async handler(ctx: Context<{ orderId: string }>) {
				const saga = await this.sagas().get(ctx.params.orderId);
				if (!saga) throw new NotFoundError("order", ctx.params.orderId);
				const { processed: _processed, ...visible } = saga;
				return visible;
			},
		},
		/** The order a carrier tracking code belongs to, or null. */
		orderByTracking: {
			params: { trackingCode: { type: "string", min: 1, max: 128 } },
			async handler(ctx: Context<{ trackingCode: string }>) {
				return (await this.sagas().orderByTracking(ctx.params.trackingCode)) ?? null;
			},
		},
		/** Exception cases, open ones by default. */
		exceptions: {
			params: { status: { type: "enum", values: ["open", "all"], optional: true } },
			handler(ctx: Context<{ status?: "open" | "all" }>) {
				return new ExceptionCases(this.store()).list(ctx.params.status ?? "open");
			},
		},
		/** Counts by status, with in-flight and stuck orders (no progress for `stuckAfterMs`). */
		stats: {
			params: { stuckAfterMs: { type: "number", integer: true, min: 1, optional: true, convert: true } },
			async handler(ctx: Context<{ stuckAfterMs?: number }>) {
				return summarise(await this.sagas().all(), Date.now(), ctx.params.stuckAfterMs ?? 60_000);
			},
		},
	},

	methods: {
		sagas() {
			return new SagaStore(this.store());
		},
		flowContext(): FlowContext {
			const registry = this.registry;
			return {
				now: new Date().toISOString(),
				warehouseFor(order: SalesOrder) {
					const entry = registry.wmsForWarehouse(order.warehouse);
					return { warehouse: order.warehouse ?? entry.warehouses?.[0] ?? registry.defaultWarehouse(), partner: entry.partner };
				},
				lastMilePartner: () => registry.defaultFor("lastmile").partner,
			};
		},
	},

	created() {
		this.registry = loadPartnerRegistry();
	},
};

export default SagaServiceSchema;
