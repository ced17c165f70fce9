import type { ServiceBroker } from "moleculer";
import { ERP_FACTS, MAIN_CHAIN_STATUSES, ORDER_STATUS, WAYBILL_FACTS, rankOf, type ExceptionCase } from "../../canonical/index.ts";
import { METRIC, secondsBetween } from "../../mixins/metrics/waybill-metrics.ts";
import type { FactIntent, OrderSaga, StatusChange } from "./order-saga.ts";
import type { SagaStore } from "./saga.store.ts";

/** What the saga tells its metrics; called once per fact or change the stream stored for the first time. */
export interface SagaObserver {
	statusChanged(saga: OrderSaga, change: Omit<StatusChange, "n">): void;
	factRaised(saga: OrderSaga, fact: FactIntent): void;
	caseResolved(exceptionCase: ExceptionCase): void;
}

const DISPATCHED = rankOf(ORDER_STATUS.DISPATCHED);

/** The business SLAs as Prometheus series (see mixins/metrics/waybill-metrics.ts for names and buckets). */
export function sagaMetrics(broker: ServiceBroker): SagaObserver {
	const metrics = broker.metrics;
	return {
		statusChanged(saga, change) {
			// The first time the order reaches dispatched or beyond (a fast carrier may skip straight to out for delivery).
			const first = change.from !== undefined && rankOf(change.from) < DISPATCHED && MAIN_CHAIN_STATUSES.has(change.to) && rankOf(change.to) >= DISPATCHED && change.to !== ORDER_STATUS.CLOSED;
			const seconds = first ? secondsBetween(releasedAt(saga), change.at) : undefined;
			if (seconds !== undefined) metrics.observe(METRIC.ORDER_TO_DISPATCH, seconds, { ...placeOf(saga), service_level: saga.order.serviceLevel });
		},
		factRaised(saga, fact) {
			const counter = fact.type === WAYBILL_FACTS.SLA_AT_RISK ? METRIC.SLA_AT_RISK : fact.type === WAYBILL_FACTS.SLA_BREACHED ? METRIC.SLA_BREACHED : undefined;
			const sla = (fact.data as { sla?: unknown }).sla;
			if (counter && typeof sla === "string") metrics.increment(counter, { sla, warehouse: placeOf(saga).warehouse });
		},
		caseResolved(c) {
			const seconds = secondsBetween(c.openedAt, c.resolvedAt);
			if (seconds !== undefined) metrics.observe(METRIC.EXCEPTION_RESOLUTION, seconds, { kind: c.kind, owner: c.owner });
		},
	};
}

/**
 * The delivery status freshness gauges: open orders, and the age of the newest status of the
 * least fresh one. Read from the store on a timer (METRICS_REFRESH_MS, 15 s): every saga replica
 * reports the same values, so aggregate with max.
 */
export class FreshnessGauge {
	private timer?: NodeJS.Timeout;

	constructor(
		private readonly broker: ServiceBroker,
		private readonly sagas: () => SagaStore,
		private readonly everyMs = Number(process.env.METRICS_REFRESH_MS) || 15_000,
	) {}

	start(): void {
		if (!this.broker.metrics.isEnabled() || this.timer) return;
		void this.refresh();
		this.timer = setInterval(() => void this.refresh(), this.everyMs);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	async refresh(now = Date.now()): Promise<void> {
		try {
			const { open, stalest } = await this.sagas().stalestOpen();
			this.broker.metrics.set(METRIC.ORDERS_IN_FLIGHT, open);
			this.broker.metrics.set(METRIC.STATUS_AGE_MAX, stalest ? Math.max(0, (now - Date.parse(stalest.statusAt)) / 1000) : 0);
		} catch (e: unknown) {
			this.broker.logger.warn("could not read order freshness for metrics", { error: (e as Error).message });
		}
	}
}

function releasedAt(saga: OrderSaga): string | undefined {
	return (saga.timeline.find((t) => t.type === ERP_FACTS.ORDER_RELEASED) ?? saga.timeline[0])?.at;
}

/** The first warehouse and last-mile provider of the order: bounded label values from configuration. */
function placeOf(saga: OrderSaga): { warehouse: string; provider: string } {
	return { warehouse: Object.values(saga.fulfillments)[0]?.warehouse ?? "none", provider: Object.values(saga.deliveries)[0]?.partner ?? "none" };
}
