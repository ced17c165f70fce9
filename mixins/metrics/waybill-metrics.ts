import type { ServiceBroker } from "moleculer";

/**
 * Waybill's own Prometheus series, registered once per broker (every service that uses durable
 * streams registers them; the first one wins, so embedded mode keeps one series per name).
 * Labels are bounded sets: channels, consumer groups, partners, warehouses, providers, service
 * levels, SLA names, case kinds and error types. Never an order id.
 */
export const METRIC = {
	/** Messages a consumer group handled and acked, per channel and group. */
	MESSAGES_PROCESSED: "waybill.stream.messages.processed.total",
	/** Failed handling attempts (each redelivery counts), per channel, group and error type. */
	MESSAGES_FAILED: "waybill.stream.messages.failed.total",
	/** From the stream storing a message (its publish) to its handler finishing, seconds. */
	HOP_LATENCY: "waybill.stream.hop.latency.seconds",
	/** Messages stored but not yet acked, per channel and group (refreshed by the gateway). */
	STREAM_BACKLOG: "waybill.stream.backlog",
	/** Messages on the dead-letter stream, replayed or not (refreshed by the gateway). */
	DEAD_LETTERS: "waybill.dead-letters.depth",
	/** 0 closed, 1 half-open, 2 open, 3 isolated; per system and partner. */
	CIRCUIT_STATE: "waybill.partner.circuit.state",
	/** Order released (event time) to first dispatched (event time), seconds. */
	ORDER_TO_DISPATCH: "waybill.sla.order-to-dispatch.seconds",
	/** Age of the newest status of the order whose status is oldest, among orders in flight, seconds. */
	STATUS_AGE_MAX: "waybill.sla.status-age.max.seconds",
	/** Orders in flight (not invoiced, closed, cancelled or returned). */
	ORDERS_IN_FLIGHT: "waybill.orders.in-flight",
	/** Exception case opened to resolved, seconds. */
	EXCEPTION_RESOLUTION: "waybill.sla.exception-resolution.seconds",
	/** SLA at-risk and breached raises, per SLA. */
	SLA_AT_RISK: "waybill.sla.at-risk.total",
	SLA_BREACHED: "waybill.sla.breached.total",
} as const;

/** Circuit states as the gauge reports them (cockatiel numbers them differently). */
export const CIRCUIT_GAUGE = { closed: 0, "half-open": 1, open: 2, isolated: 3 } as const;

const HOP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
/** Seconds to two days: a demo dispatches in seconds, a warehouse in hours. */
const BUSINESS_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800];

const DEFINITIONS = [
	{ type: "counter", name: METRIC.MESSAGES_PROCESSED, labelNames: ["channel", "group"], description: "Messages handled and acked" },
	{ type: "counter", name: METRIC.MESSAGES_FAILED, labelNames: ["channel", "group", "error_type"], description: "Failed handling attempts" },
	{ type: "histogram", name: METRIC.HOP_LATENCY, labelNames: ["channel", "group"], buckets: HOP_BUCKETS, description: "Stream stored to handled, seconds" },
	{ type: "gauge", name: METRIC.STREAM_BACKLOG, labelNames: ["channel", "group"], description: "Messages not yet acked by the group" },
	{ type: "gauge", name: METRIC.DEAD_LETTERS, labelNames: [], description: "Messages on the dead-letter stream" },
	{ type: "gauge", name: METRIC.CIRCUIT_STATE, labelNames: ["system", "partner"], description: "Circuit: 0 closed, 1 half-open, 2 open, 3 isolated" },
	{ type: "histogram", name: METRIC.ORDER_TO_DISPATCH, labelNames: ["warehouse", "provider", "service_level"], buckets: BUSINESS_BUCKETS, description: "Order released to dispatched, seconds" },
	{ type: "gauge", name: METRIC.STATUS_AGE_MAX, labelNames: [], description: "Oldest newest-status among orders in flight, seconds" },
	{ type: "gauge", name: METRIC.ORDERS_IN_FLIGHT, labelNames: [], description: "Orders not yet finished" },
	{ type: "histogram", name: METRIC.EXCEPTION_RESOLUTION, labelNames: ["kind", "owner"], buckets: BUSINESS_BUCKETS, description: "Exception case opened to resolved, seconds" },
	{ type: "counter", name: METRIC.SLA_AT_RISK, labelNames: ["sla", "warehouse"], description: "SLAs raised at risk" },
	{ type: "counter", name: METRIC.SLA_BREACHED, labelNames: ["sla", "warehouse"], description: "SLAs breached" },
] as const;

/** Idempotent; a no-op when the broker's metrics are off (the registry then ignores every update). */
export function registerWaybillMetrics(broker: ServiceBroker): void {
	if (!broker.metrics.isEnabled()) return;
	for (const definition of DEFINITIONS) {
		if (broker.metrics.hasMetric(definition.name)) continue;
		// Moleculer's register is overloaded per type; the definitions above are checked by hand.
		broker.metrics.register({ ...definition, labelNames: [...definition.labelNames], ...("buckets" in definition ? { buckets: [...definition.buckets] } : {}) } as never);
	}
}

/** Seconds between two ISO times, or undefined when either is missing or unreadable. */
export function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
	if (!from || !to) return undefined;
	const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
	return Number.isFinite(seconds) ? Math.max(0, seconds) : undefined;
}
