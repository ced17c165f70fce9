import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

import { isRetryable, isStoreUnavailable, ORDER_STATUS } from "../../canonical/index.ts";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import { createRedisConnection } from "../../mixins/store/redis-connection.ts";
import { createStore } from "../../mixins/store/store-factory.ts";
import { SagaStore } from "../../services/saga/saga.store.ts";
import type { OrderSaga } from "../../services/saga/order-saga.ts";
import { freePort } from "../helpers/private-nats.ts";
import { clusterUnavailable, PrivateRedisCluster } from "../helpers/private-redis-cluster.ts";

const run = promisify(execFile);

/** The suites that run against whatever REDIS_URL names: here, the private cluster. */
const SUITES = ["test/unit/store.contract.spec.ts", "test/unit/ledger.store.spec.ts", "test/unit/durable-timers.spec.ts"];

const unavailable = clusterUnavailable();

describe("the store on a Redis Cluster of three masters", { skip: unavailable }, () => {
	let cluster: PrivateRedisCluster;
	const opened: RedisStore[] = [];
	const open = async (prefix = `test-cluster-${randomUUID()}`) => {
		const store = new RedisStore({ url: cluster.url, prefix });
		opened.push(store);
		await store.ready();
		return store;
	};

	before(async () => {
		cluster = await PrivateRedisCluster.start();
	});
	after(async () => {
		for (const store of opened) {
			await store.clear();
			await store.close();
		}
		await cluster?.destroy();
	});

	for (const suite of SUITES) {
		it(`passes ${suite} with REDIS_URL on the cluster, without a CROSSSLOT anywhere`, async () => {
			// Unset, the child would report to this runner in its internal format instead of as text.
			const { NODE_TEST_CONTEXT: _, ...env } = process.env;
			const result = await run(process.execPath, ["--import", "tsx", "--test", suite], { env: { ...env, REDIS_URL: cluster.url }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }).then(
				({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
				(e: { stdout?: string; stderr?: string; message: string }) => ({ ok: false, output: `${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}` }),
			);
			assert.doesNotMatch(result.output, /CROSSSLOT/);
			assert.ok(result.ok, result.output.slice(-4_000));
			assert.match(result.output, /ℹ fail 0/);
		});
	}

	it("spreads one store's keys over every master, reads them back in one call and clears them from all", async () => {
		const store = await open();
		const keys = Array.from({ length: 90 }, (_, i) => (i % 3 ? `k-${i}` : `{SO-${i}}:k`));
		for (const [i, key] of keys.entries()) await store.set(key, i);
		const perMaster = async () => Promise.all(cluster.ports.map(async (port) => Number((await run("redis-cli", ["-p", String(port), "dbsize"])).stdout.trim())));
		assert.ok((await perMaster()).every((n) => n > 0), "every master holds some of them");
		assert.deepEqual(await store.getMany(keys), keys.map((_, i) => i));
		await store.clear();
		assert.deepEqual(await perMaster(), [0, 0, 0]);
	});

	it("puts an order's keys in one slot, and the ledger's head, entries and seen markers in another", async () => {
		const redis = createRedisConnection(cluster.url);
		try {
			const slot = (key: string) => redis.cluster("KEYSLOT", `waybill:${key}`);
			const order = await Promise.all(["saga:order:{SO-1}", "order-owner:{SO-1}"].map(slot));
			const ledger = await Promise.all(["{ledger}:head", "{ledger}:entry:1", "{ledger}:entry:99", "{ledger}:seen:events:m-1"].map(slot));
			assert.equal(new Set(order).size, 1);
			assert.equal(new Set(ledger).size, 1);
			assert.notEqual(order[0], await slot("saga:order:{SO-2}"), "two orders are free to live apart");
		} finally {
			redis.disconnect();
		}
	});

	it("saves, reloads and lists a saga under its order's hash tag", async () => {
		const sagas = new SagaStore(await open());
		const saga = { orderId: "SO-C1", createdAt: "2026-11-26T10:00:00.000Z", statusAt: "2026-11-26T10:00:00.000Z", status: ORDER_STATUS.RELEASED } as unknown as OrderSaga;
		assert.equal(await sagas.save(saga, 0), true);
		assert.equal(await sagas.save(saga, 0), false, "the version race still holds");
		assert.deepEqual((await sagas.all()).map((s) => s.orderId), ["SO-C1"]);
		assert.deepEqual(await sagas.openOrderIds(10), ["SO-C1"]);
	});
});

describe("a Redis Cluster store with no node reachable", () => {
	it("fails a command with a retryable STORE_UNAVAILABLE error instead of queueing it for good", async () => {
		const store = createStore({ redisUrl: `redis-cluster://127.0.0.1:${await freePort()}`, prefix: `t-down-${randomUUID()}` });
		try {
			const error = await store.get("anything").then(() => undefined, (e: unknown) => e);
			assert.ok(isStoreUnavailable(error), String(error));
			assert.equal(isRetryable(error), true);
			assert.match(String((error as Error).message), /not reachable/);
		} finally {
			await store.close();
		}
	});
});
