import type { Store } from "../../mixins/store/store.ts";
import type { OrderSaga } from "./order-saga.ts";

const sagaKey = (orderId: string) => `saga:order:${orderId}`;
const ORDER_INDEX = "saga:orders";

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
	async save(saga: OrderSaga, expectedVersion: number): Promise<boolean> {
		if (expectedVersion === 0) await this.store.indexAdd(ORDER_INDEX, saga.orderId, Date.parse(saga.createdAt));
		return (await this.store.setVersioned(sagaKey(saga.orderId), saga, expectedVersion)) !== null;
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

	async all(limit?: number): Promise<OrderSaga[]> {
		const ids = await this.orderIds(limit);
		const sagas: OrderSaga[] = [];
		for (let i = 0; i < ids.length; i += 500) {
			const batch = await Promise.all(ids.slice(i, i + 500).map((id) => this.get(id)));
			for (const saga of batch) if (saga) sagas.push(saga);
		}
		return sagas;
	}
}
