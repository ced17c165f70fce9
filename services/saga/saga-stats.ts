import { ORDER_STATUS, isTerminal, rankOf, type OrderStatus } from "../../canonical/index.ts";
import type { OrderSaga } from "./order-saga.ts";

export interface SagaStats {
	orders: number;
	byStatus: Partial<Record<OrderStatus, number>>;
	/** Delivered, or past it (invoiced, closed). */
	delivered: number;
	invoiced: number;
	/** Not finished, and moved within the stuck threshold. */
	inFlight: number;
	/** Not finished, and nothing happened for longer than the threshold. */
	stuck: number;
	stuckOrders: string[];
	/** Orders sitting in an exception state now. */
	exceptions: number;
	/** Orders a warehouse picked short. */
	shortPicks: number;
	/** Orders shipped in more than one shipment (several warehouses or parcels). */
	splitShipments: number;
	/** Orders with backordered lines, and the units backordered. */
	backordered: number;
	backorderedUnits: number;
	/** Failed delivery attempts, and orders that were re-attempted. */
	failedAttempts: number;
	reattempted: number;
	returned: number;
	cancelled: number;
	creditNotes: number;
	slaAtRisk: number;
	slaBreaches: number;
}

const FINISHED: ReadonlySet<OrderStatus> = new Set([ORDER_STATUS.INVOICED, ORDER_STATUS.CLOSED]);
const EXCEPTION_STATES: ReadonlySet<OrderStatus> = new Set([ORDER_STATUS.SHORT, ORDER_STATUS.DELIVERY_FAILED, ORDER_STATUS.REATTEMPT, ORDER_STATUS.RETURNING]);

export function summarise(sagas: OrderSaga[], now: number, stuckAfterMs: number): SagaStats {
	const stats: SagaStats = {
		orders: sagas.length, byStatus: {}, delivered: 0, invoiced: 0, inFlight: 0, stuck: 0, stuckOrders: [], exceptions: 0,
		shortPicks: 0, splitShipments: 0, backordered: 0, backorderedUnits: 0, failedAttempts: 0, reattempted: 0, returned: 0, cancelled: 0, creditNotes: 0, slaAtRisk: 0, slaBreaches: 0,
	};
	for (const saga of sagas) {
		stats.byStatus[saga.status] = (stats.byStatus[saga.status] ?? 0) + 1;
		if (rankOf(saga.status) >= rankOf(ORDER_STATUS.DELIVERED) && saga.status !== ORDER_STATUS.CANCELLED && saga.status !== ORDER_STATUS.RETURNING && saga.status !== ORDER_STATUS.RETURNED) stats.delivered++;
		if (FINISHED.has(saga.status)) stats.invoiced++;
		if (EXCEPTION_STATES.has(saga.status)) stats.exceptions++;
		countFlows(stats, saga);
		if (FINISHED.has(saga.status) || isTerminal(saga.status)) continue;
		if (now - Date.parse(saga.updatedAt) > stuckAfterMs) {
			stats.stuck++;
			if (stats.stuckOrders.length < 20) stats.stuckOrders.push(saga.orderId);
		} else {
			stats.inFlight++;
		}
	}
	return stats;
}

function countFlows(stats: SagaStats, saga: OrderSaga): void {
	if (saga.lines.some((l) => l.picked < l.allocated && l.picked > 0) || saga.timeline.some((t) => t.status === ORDER_STATUS.SHORT)) stats.shortPicks++;
	if (saga.shipments.length > 1) stats.splitShipments++;
	const backordered = saga.lines.reduce((sum, l) => sum + l.backordered, 0);
	if (backordered > 0) stats.backordered++;
	stats.backorderedUnits += backordered;
	const deliveries = Object.values(saga.deliveries);
	stats.failedAttempts += deliveries.reduce((sum, d) => sum + d.failures.length, 0);
	if (deliveries.some((d) => d.attempt > 1)) stats.reattempted++;
	if (saga.status === ORDER_STATUS.RETURNED) stats.returned++;
	if (saga.status === ORDER_STATUS.CANCELLED) stats.cancelled++;
	stats.creditNotes += saga.credits.length;
	stats.slaAtRisk += saga.sla.atRisk.length;
	stats.slaBreaches += saga.sla.breached.length;
}
