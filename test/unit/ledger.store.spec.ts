import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createEnvelope, ERP_COMMANDS } from "../../canonical/index.ts";
import { LedgerStore } from "../../services/ledger/ledger.store.ts";
import type { LedgerEntry } from "../../services/ledger/ledger-entry.ts";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import type { Store } from "../../mixins/store/store.ts";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

function message(orderId: string, n: number) {
	return createEnvelope({
		type: ERP_COMMANDS.UPDATE_ORDER_STATUS,
		source: "test",
		subject: orderId,
		data: { orderId, status: "released", at: new Date().toISOString() },
		schemaVersion: 1,
		idempotencyKey: `${orderId}:${n}`,
	});
}

for (const [name, make] of [
	["in memory", (prefix: string) => new MemoryStore(prefix)],
	["on Redis", (prefix: string) => new RedisStore({ url: REDIS_URL, prefix })],
] as Array<[string, (prefix: string) => Store]>) {
	describe(`the hash-chained ledger ${name}`, () => {
		let store: Store;
		before(() => {
			store = make(`t-ledger-${randomUUID().slice(0, 8)}`);
		});
		after(async () => {
			await store.clear();
			await store.close();
		});

		it("chains concurrent appends from two writers into one unbroken, complete chain", async () => {
			const podA = new LedgerStore(store);
			const podB = new LedgerStore(store);
			const appends = Array.from({ length: 120 }, (_, i) => (i % 2 ? podA : podB).append("commands-erp", message(`SO-${i % 7}`, i)));
			const entries = (await Promise.all(appends)) as LedgerEntry[];
			assert.equal(entries.filter(Boolean).length, 120);
			assert.deepEqual([...new Set(entries.map((e) => e.seq))].sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => i + 1));
			assert.deepEqual(await podA.verify(), { ok: true, entries: 120 });
			const forOrder = await podB.byCorrelation("SO-3");
			assert.equal(forOrder.length, entries.filter((e) => e.subject === "SO-3").length);
			assert.deepEqual((await podA.countsByKind()).command, 120);
		});

		it("records a redelivered message once", async () => {
			const ledger = new LedgerStore(store);
			const before = await ledger.size();
			const again = message("SO-dup", 1);
			const [first, second] = await Promise.all([ledger.append("events", again), ledger.append("events", again)]);
			const third = await ledger.append("events", again);
			assert.ok(first);
			assert.equal(second, undefined);
			assert.equal(third, undefined);
			assert.equal(await ledger.size(), before + 1);
		});

		it("names the first entry that was altered, removed or reordered", async () => {
			const ledger = new LedgerStore(store);
			const total = await ledger.size();
			const key = (seq: number) => `ledger:entry:${seq}`;
			const original = (await store.get<LedgerEntry>(key(5)))!;

			await store.set(key(5), { ...original, type: "erp.invoice.post" });
			assert.deepEqual(await ledger.verify(), { ok: false, entries: total, brokenAt: 5, reason: "content altered" });

			await store.delete(key(5));
			assert.deepEqual(await ledger.verify(), { ok: false, entries: total, brokenAt: 5, reason: "entry missing" });

			const sixth = (await store.get<LedgerEntry>(key(6)))!;
			await store.set(key(5), { ...sixth, seq: 5 });
			await store.set(key(6), { ...original, seq: 6 });
			const reordered = await ledger.verify();
			assert.equal(reordered.ok, false);
			assert.equal(reordered.brokenAt, 5);

			await store.set(key(5), original);
			await store.set(key(6), sixth);
			assert.deepEqual(await ledger.verify(), { ok: true, entries: total });
		});
	});
}
