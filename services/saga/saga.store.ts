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

	/** False when another writer got there first: reload and apply again. */
	async save(saga: OrderSaga, expectedVersion: number): Promise<boolean> {
		const version = await this.store.setVersioned(sagaKey(saga.orderId), saga, expectedVersion);
		if (version === null) return false;
		if (expectedVersion === 0) await this.store.indexAdd(ORDER_INDEX, saga.orderId, Date.parse(saga.createdAt));
		return true;
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
