import { after, before, describe, it, mock } from "node:test";
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

/** A message from a partner, for the partner and time indexes. */
function fromPartner(orderId: string, n: number, partner: string) {
	return createEnvelope({
		type: ERP_COMMANDS.UPDATE_ORDER_STATUS,
		source: "test",
		subject: orderId,
		data: { orderId, status: "released", at: new Date().toISOString() },
		schemaVersion: 1,
		idempotencyKey: `${orderId}:${partner}:${n}`,
		partner,
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

		it("records a message two writers hold at once only once, whichever wins the race for the head", async () => {
			// A redelivery after ack_wait can hand one message to a second pod while the first still commits it.
			const podA = new LedgerStore(store);
			const podB = new LedgerStore(store);
			const before = await podA.size();
			for (let round = 0; round < 20; round++) {
				const shared = message(`SO-race-${round}`, 1);
				const results = await Promise.all([
					podA.append("events", shared),
					podB.append("events", shared),
					podA.append("events", message(`SO-race-${round}`, 2)),
					podB.append("events", message(`SO-race-${round}`, 3)),
				]);
				assert.equal(results.slice(0, 2).filter(Boolean).length, 1, `round ${round}: the shared message was recorded ${results.slice(0, 2).filter(Boolean).length} times`);
			}
			assert.equal(await podA.size(), before + 60);
			assert.equal((await podB.verify()).ok, true);
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

		it("answers by partner and by recorded time, newest first and bounded, and by correlation id within a time range", async () => {
			const ledger = new LedgerStore(store);
			const t0 = Date.parse("2031-03-01T10:00:00.000Z");
			const minute = 60_000;
			mock.timers.enable({ apis: ["Date"], now: t0 });
			try {
				for (let i = 0; i < 6; i++) {
					mock.timers.setTime(t0 + i * minute);
					await ledger.append("commands-erp", fromPartner(`SO-Q-${i % 2}`, i, i % 3 === 0 ? "p-a" : "p-b"));
				}
				// Two entries of the same millisecond come back in ledger order.
				mock.timers.setTime(t0 + 6 * minute);
				await Promise.all([ledger.append("commands-erp", fromPartner("SO-Q-T", 1, "p-t")), ledger.append("commands-erp", fromPartner("SO-Q-T", 2, "p-t"))]);
			} finally {
				mock.timers.reset();
			}
			const window = { from: t0, to: t0 + 10 * minute };
			const byPartner = await ledger.query({ partner: "p-a", ...window, limit: 10 });
			assert.deepEqual(byPartner.entries.map((e) => [e.subject, e.recordedAt]), [["SO-Q-1", new Date(t0 + 3 * minute).toISOString()], ["SO-Q-0", new Date(t0).toISOString()]]);
			assert.equal(byPartner.truncated, false);

			const byTime = await ledger.query({ from: t0 + minute, to: t0 + 4 * minute, limit: 2 });
			assert.deepEqual(byTime.entries.map((e) => e.recordedAt), [t0 + 4 * minute, t0 + 3 * minute].map((t) => new Date(t).toISOString()));
			assert.equal(byTime.truncated, true);

			const sameMs = await ledger.query({ partner: "p-t", ...window, limit: 10 });
			assert.deepEqual(sameMs.entries.map((e) => e.seq), [...sameMs.entries.map((e) => e.seq)].sort((a, b) => b - a));
			assert.equal(sameMs.entries.length, 2);

			const order = await ledger.query({ correlationId: "SO-Q-0", from: t0 + minute, to: t0 + 10 * minute, limit: 10 });
			assert.deepEqual(order.entries.map((e) => e.recordedAt), [t0 + 4 * minute, t0 + 2 * minute].map((t) => new Date(t).toISOString()));
			assert.deepEqual((await ledger.query({ partner: "p-a", from: t0 + 7 * minute, limit: 10 })).entries, []);
		});

		it("indexes an entry whose indexes a crash lost once its message is redelivered", async () => {
			// The pod dies after the commit, as it writes the indexes.
			const crashing = new Proxy(store, {
				get: (target, name) => (name === "indexAdd" ? async () => { throw new Error("killed"); } : (Reflect.get(target, name) as (...a: unknown[]) => unknown).bind(target)),
			});
			const lost = fromPartner("SO-CRASH", 1, "p-crash");
			await assert.rejects(new LedgerStore(crashing).append("events", lost), /killed/);
			const restarted = new LedgerStore(store);
			assert.deepEqual((await restarted.query({ partner: "p-crash", limit: 10 })).entries, []);
			assert.equal(await restarted.append("events", lost), undefined, "recorded once");
			assert.deepEqual((await restarted.query({ partner: "p-crash", limit: 10 })).entries.map((e) => e.messageId), [lost.id]);
			assert.deepEqual((await restarted.byCorrelation("SO-CRASH")).map((e) => e.messageId), [lost.id]);
		});

		it("names the first entry that was altered, removed or reordered", async () => {
			const ledger = new LedgerStore(store);
			const total = await ledger.size();
			const key = (seq: number) => `{ledger}:entry:${seq}`;
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
