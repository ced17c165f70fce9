import type { Context, ServiceSettingSchema } from "moleculer";
import { CHANNELS, GROUPS, exceptionFilterSchema, NotFoundError, WAYBILL_FACTS, WMS_FACTS, type CaseOwner, type ChannelName, type Envelope, type ExceptionKind } from "../../canonical/index.ts";
import { ExceptionCases } from "./exception-cases.ts";
import { PARTNER_HEALTH_FACTS, applyPartnerHealth } from "./partner-health-flow.ts";
import { applySettlementReconciled } from "./settlement-case-flow.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import { PolicyReloader, policiesReloadMs } from "../../config/policy-reloader.ts";
import { SagaStore } from "./saga.store.ts";
import { handleFact, type SagaDeps } from "./saga-runner.ts";
import { summarise } from "./saga-stats.ts";
import { flowPolicies } from "./flow-policies.ts";
import { applyInventoryAdjustment } from "./inventory-discrepancy.ts";
import { SlaClock } from "./sla-clock.ts";
import { readOverview } from "./overview-view.ts";
import { resolveByOperator } from "./case-resolution.ts";
import { FreshnessGauge, sagaMetrics } from "./saga-metrics.ts";

interface SagaVars {
	registry: PartnerRegistry;
	policies: PolicyReloader;
	slaClock?: SlaClock;
	sagaDeps?: SagaDeps;
	freshness: FreshnessGauge;
}
type SagaMethods = DurableStreamsMethods & StoreMethods & { sagas(): SagaStore; deps(): SagaDeps; clock(): SlaClock };

/**
 * The saga coordinator: owns each order's flows (order to delivery and its exception flows), its
 * unified status (which never regresses), its SLA clocks and its timeline. State lives in the
 * store per order; facts arrive in order per order.
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
				const deps = this.deps();
				if (PARTNER_HEALTH_FACTS.has(envelope.type)) return applyPartnerHealth(deps.cases, deps.publish, envelope);
				if (envelope.type === WMS_FACTS.INVENTORY_ADJUSTED) return applyInventoryAdjustment(deps, envelope);
				if (envelope.type === WAYBILL_FACTS.SETTLEMENT_RECONCILED) return applySettlementReconciled(deps.cases, deps.publish, envelope);
				await handleFact(deps, envelope);
			},
		},
		/** Commands a partner refused for good: compensations that failed, changes refused, steps to replay. */
		failures: {
			channel: CHANNELS.DEAD_LETTERS,
			group: GROUPS.SAGA,
			async handler(envelope: Envelope) {
				await handleFact(this.deps(), envelope);
			},
		},
	},

	actions: {
		/** The unified status of one order, its quantities per line, its steps and its timeline. */
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
		/** Exception cases, newest first: open ones by default, filtered by order, partner, type and owner. */
		exceptions: {
			params: exceptionFilterSchema,
			handler(ctx: Context<{ status?: "open" | "all"; orderId?: string; partner?: string; kind?: ExceptionKind; owner?: CaseOwner; limit?: number }>) {
				return new ExceptionCases(this.store()).list(ctx.params);
			},
		},
		/** Counts by status and by exception flow, with in-flight and stuck orders (no progress for `stuckAfterMs`). */
		stats: {
			params: { stuckAfterMs: { type: "number", integer: true, min: 1, optional: true, convert: true } },
			async handler(ctx: Context<{ stuckAfterMs?: number }>) {
				return summarise(await this.sagas().all(), Date.now(), ctx.params.stuckAfterMs ?? 60_000);
			},
		},
		/** A person resolves an exception case: recorded with who did it (on the case and in the ledger); idempotent, and a case already resolved is left as it is. */
		resolveException: {
			params: { caseId: { type: "string", min: 1, max: 128 }, by: { type: "string", min: 1, max: 128 }, note: { type: "string", optional: true, max: 500 } },
			handler(ctx: Context<{ caseId: string; by: string; note?: string }>) {
				return resolveByOperator(this.deps(), ctx.params);
			},
		},
		/** The control tower's picture: open orders by status, stuck ones, SLA lists, throughput per warehouse, on-time per provider, what each partner holds. Read-only, bounded. */
		overview: {
			params: {
				windowMs: { type: "number", integer: true, min: 60_000, max: 7 * 86_400_000, optional: true, convert: true },
				stuckAfterMs: { type: "number", integer: true, min: 1, optional: true, convert: true },
			},
			handler(ctx: Context<{ windowMs?: number; stuckAfterMs?: number }>) {
				return readOverview(this.sagas(), { now: Date.now(), windowMs: ctx.params.windowMs ?? 3_600_000, stuckAfterMs: ctx.params.stuckAfterMs ?? 60_000 });
			},
		},
		/** SLA clocks pending (count, and the next to come due) and the orders at risk and breached, as the control tower lists them. */
		sla: {
			params: { limit: { type: "number", integer: true, min: 1, max: 500, optional: true, convert: true } },
			async handler(ctx: Context<{ limit?: number }>) {
				const limit = ctx.params.limit ?? 20;
				const [pending, next, overview] = await Promise.all([
					this.clock().pending(),
					this.clock().upcoming(limit),
					readOverview(this.sagas(), { now: Date.now(), windowMs: 3_600_000, stuckAfterMs: 60_000 }),
				]);
				const { atRisk, breached } = overview.sla;
				return { clocks: { pending, next }, atRisk: atRisk.slice(0, limit), breached: breached.slice(0, limit), scanned: overview.scanned };
			},
		},
		/** The policies in force, and the last refused change if any. */
		policies: {
			handler() {
				return this.policies.status();
			},
		},
	},

	methods: {
		sagas() {
			return new SagaStore(this.store());
		},
		/** What every fact's handling needs: built on first use (the streams may deliver before this service's own started hook ran), then kept. */
		deps(): SagaDeps {
			if (!this.sagaDeps) {
				const policies = flowPolicies(() => this.policies.current(), this.registry);
				const observe = sagaMetrics(this.broker);
				this.sagaDeps = {
					observe,
					sagas: this.sagas(),
					cases: new ExceptionCases(this.store(), (resolved) => observe.caseResolved(resolved)),
					publish: (c: ChannelName, e: Envelope) => this.publishMessage(c, e),
					schedule: (orderId, timer, traceparent) => this.clock().schedule(orderId, timer, traceparent),
					flowContext: () => ({ now: new Date().toISOString(), policies }),
				};
			}
			return this.sagaDeps;
		},
		/** The SLA clocks: built on first use, like deps (a fact may arm a clock before the ticker starts). */
		clock(): SlaClock {
			this.slaClock ??= new SlaClock(this.store(), (c, e) => this.publishMessage(c, e), (error, id) => this.logger.error("SLA clock failed; it fires again after its lease", { id, error: (error as Error).message }));
			return this.slaClock;
		},
	},

	created() {
		this.registry = loadPartnerRegistry();
		this.policies = new PolicyReloader({ everyMs: policiesReloadMs(), partners: this.registry, log: this.logger });
		this.freshness = new FreshnessGauge(this.broker, () => this.sagas());
	},
	started() {
		this.clock().start();
		this.policies.start();
		this.freshness.start();
	},
	async stopped() {
		this.freshness.stop();
		this.policies.stop();
		await this.slaClock?.stop();
	},
};

export default SagaServiceSchema;
