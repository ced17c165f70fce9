import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { SagaStore } from "../../services/saga/saga.store.ts";
import type { OrderSaga } from "../../services/saga/order-saga.ts";

const saga = (orderId: string) => ({ orderId, createdAt: "2026-11-26T10:00:00.000Z", status: "released" }) as unknown as OrderSaga;

describe("saga store", () => {
	test("a process that dies between indexing a new order and saving it leaves no saved order out of the index", async () => {
		const store = new MemoryStore(`t-${randomUUID()}`);
		// The same store, with the process killed as it writes the saga.
		const crashing = new Proxy(store, {
			get: (target, name) => (name === "setVersioned" ? async () => { throw new Error("killed"); } : (Reflect.get(target, name) as (...a: unknown[]) => unknown).bind(target)),
		});
		await assert.rejects(new SagaStore(crashing).save(saga("SO-1"), 0), /killed/);
		const sagas = new SagaStore(store);
		assert.deepEqual(await sagas.orderIds(), ["SO-1"], "indexed before the save");
		assert.deepEqual(await sagas.all(), [], "an index entry without a saga is skipped");
		assert.equal(await sagas.save(saga("SO-1"), 0), true, "the redelivered release saves it");
		assert.deepEqual((await sagas.all()).map((s) => s.orderId), ["SO-1"]);
		await store.clear();
	});

	test("a save that loses the version race reports it, and the order is listed once", async () => {
		const store = new MemoryStore(`t-${randomUUID()}`);
		const sagas = new SagaStore(store);
		assert.equal(await sagas.save(saga("SO-2"), 0), true);
		assert.equal(await sagas.save(saga("SO-2"), 0), false);
		assert.deepEqual(await sagas.orderIds(), ["SO-2"]);
		await store.clear();
	});
});
