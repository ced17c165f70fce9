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
	exceptions: number;
}

const FINISHED: ReadonlySet<OrderStatus> = new Set([ORDER_STATUS.INVOICED, ORDER_STATUS.CLOSED]);
const EXCEPTION_STATES: ReadonlySet<OrderStatus> = new Set([ORDER_STATUS.SHORT, ORDER_STATUS.DELIVERY_FAILED, ORDER_STATUS.RETURNING]);

export function summarise(sagas: OrderSaga[], now: number, stuckAfterMs: number): SagaStats {
	const stats: SagaStats = { orders: sagas.length, byStatus: {}, delivered: 0, invoiced: 0, inFlight: 0, stuck: 0, stuckOrders: [], exceptions: 0 };
	for (const saga of sagas) {
		stats.byStatus[saga.status] = (stats.byStatus[saga.status] ?? 0) + 1;
		if (rankOf(saga.status) >= rankOf(ORDER_STATUS.DELIVERED) && saga.status !== ORDER_STATUS.CANCELLED && saga.status !== ORDER_STATUS.RETURNING && saga.status !== ORDER_STATUS.RETURNED) stats.delivered++;
		if (FINISHED.has(saga.status)) stats.invoiced++;
		if (EXCEPTION_STATES.has(saga.status)) stats.exceptions++;
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
