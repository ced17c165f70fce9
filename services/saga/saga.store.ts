import { ORDER_STATUS, isTerminal, type OrderStatus } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { OrderSaga } from "./order-saga.ts";

/** The order id as hash tag: on a Redis Cluster an order's keys share a slot (redis.store.ts). */
const sagaKey = (orderId: string) => `saga:order:{${orderId}}`;
const ORDER_INDEX = "saga:orders";
/** Orders not finished, by release time: what the control tower reads instead of every order. */
const OPEN_INDEX = "saga:orders:open";
/** Orders not finished, by the event time of their current status: the first is the least fresh (the freshness gauge). */
const FRESHNESS_INDEX = "saga:orders:open:by-status-time";

/** Still moving: not invoiced, closed, cancelled or returned (an invoiced order that comes back as a return opens again). */
export function isOpenStatus(status: OrderStatus): boolean {
	return !isTerminal(status) && status !== ORDER_STATUS.INVOICED;
}

/** Saga state per order, written with optimistic concurrency so two consumers can never interleave. */
export class SagaStore {
	constructor(private readonly store: Store) {}

	load(orderId: string) {
		return this.store.getVersioned<OrderSaga>(sagaKey(orderId));
	}

	/**
	 * False when another writer got there first: reload and apply again. A new order is indexed
	 * before it is saved: a crash between the two then leaves an index entry without a saga (which
	 * readers skip, and the redelivered release fills), never a saga the index does not list.
	 */
	async save(saga: OrderSaga, expectedVersion: number, previousStatus?: OrderStatus): Promise<boolean> {
		const released = Date.parse(saga.createdAt);
		if (expectedVersion === 0) await this.store.indexAdd(ORDER_INDEX, saga.orderId, released);
		// The open index follows status changes only, with the same crash rule: added before the
		// save, removed after it, so it may list an order that finished (readers check), never miss one.
		const changed = saga.status !== previousStatus;
		if (changed && isOpenStatus(saga.status)) await this.store.indexAdd(OPEN_INDEX, saga.orderId, released);
		const statusAt = Date.parse(saga.statusAt);
		if (changed && isOpenStatus(saga.status) && Number.isFinite(statusAt)) await this.store.indexAdd(FRESHNESS_INDEX, saga.orderId, statusAt);
		const saved = (await this.store.setVersioned(sagaKey(saga.orderId), saga, expectedVersion)) !== null;
		if (saved && changed && !isOpenStatus(saga.status)) await this.store.indexRemove(OPEN_INDEX, saga.orderId);
		if (saved && changed && !isOpenStatus(saga.status)) await this.store.indexRemove(FRESHNESS_INDEX, saga.orderId);
		return saved;
	}

	async get(orderId: string): Promise<OrderSaga | undefined> {
		return (await this.load(orderId))?.value;
	}

	/** Remembers which order a carrier tracking code belongs to (from the WMS's manifest). */
	async rememberTracking(trackingCode: string, orderId: string): Promise<void> {
		await this.store.set(`saga:tracking:${trackingCode}`, orderId);
	}

	orderByTracking(trackingCode: string): Promise<string | undefined> {
		return this.store.get<string>(`saga:tracking:${trackingCode}`);
	}

	/** Order ids by release time, oldest first. */
	orderIds(limit = 100_000): Promise<string[]> {
		return this.store.indexRange(ORDER_INDEX, 0, Number.MAX_SAFE_INTEGER, limit);
	}

	/**
	 * How many orders are open, and the open order whose status is the oldest (for the freshness
	 * gauge). An entry left for an order that finished (a crash after the save) is dropped here.
	 */
	async stalestOpen(): Promise<{ open: number; stalest?: OrderSaga }> {
		for (let tries = 0; tries < 10; tries++) {
			const [orderId] = await this.store.indexRange(FRESHNESS_INDEX, -Infinity, Infinity, 1);
			const saga = orderId === undefined ? undefined : await this.get(orderId);
			if (!saga || isOpenStatus(saga.status)) return { open: await this.store.indexSize(FRESHNESS_INDEX), ...(saga ? { stalest: saga } : {}) };
			await this.store.indexRemove(FRESHNESS_INDEX, orderId!);
		}
		return { open: await this.store.indexSize(FRESHNESS_INDEX) };
	}

	/** Orders not finished, oldest release first, at most `limit`. */
	openOrderIds(limit: number): Promise<string[]> {
		return this.store.indexRange(OPEN_INDEX, 0, Number.MAX_SAFE_INTEGER, limit);
	}

	/** How many orders the open index lists (one that finished may still be counted after a crash). */
	openOrderCount(): Promise<number> {
		return this.store.indexSize(OPEN_INDEX);
	}

	/** Orders released at or after `since` (epoch ms), oldest first, at most `limit`. */
	orderIdsSince(since: number, limit: number): Promise<string[]> {
		return this.store.indexRange(ORDER_INDEX, since, Number.MAX_SAFE_INTEGER, limit);
	}

	async all(limit?: number): Promise<OrderSaga[]> {
		return this.many(await this.orderIds(limit));
	}

	/** The sagas of these orders, skipping ids without one. */
	async many(ids: string[]): Promise<OrderSaga[]> {
		const sagas: OrderSaga[] = [];
		for (let i = 0; i < ids.length; i += 500) {
			const batch = await Promise.all(ids.slice(i, i + 500).map((id) => this.get(id)));
			for (const saga of batch) if (saga) sagas.push(saga);
		}
		return sagas;
	}
}
