import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";

import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import type { Store } from "../../mixins/store/store.ts";
import { DurableTimers } from "../../mixins/timers/durable-timers.ts";
import type { Timer } from "../../mixins/timers/timer-values.ts";

// CI provides Redis; an unreachable one must fail this file, never skip it.
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const LEASE_MS = 1_000;

interface Clock {
	orderId: string;
	clock: string;
}

type OpenStore = (prefix: string) => Promise<Store>;

/** A handler that stays inside until released: a slow or crashed process, under the test's control. */
function heldHandler(onEnter: () => void = () => {}) {
	let entered!: () => void;
	let release!: () => void;
	const inside = new Promise<void>((resolve) => (entered = resolve));
	const released = new Promise<void>((resolve) => (release = resolve));
	const handler = async () => {
		onEnter();
		entered();
		await released;
	};
	return { handler, inside, release };
}

/** Scores are whatever clock fireDue is given, so tests pass small numbers instead of sleeping. */
const dispatch = (orderId: string, dueAt: number): Timer<Clock> => ({ id: `dispatch:${orderId}`, dueAt, payload: { orderId, clock: "dispatch" } });

function timersContract(name: string, openStore: OpenStore): void {
	describe(`DurableTimers over ${name}`, () => {
		const opened: Store[] = [];
		let prefix: string;
		let timers: DurableTimers<Clock>;
		let fired: Array<Timer<Clock>>;
		const record = (timer: Timer<Clock>) => {
			fired.push(timer);
		};
		/** Another process on the same store: its own connection, its own DurableTimers. */
		const anotherProcess = async () => {
			const store = await openStore(prefix);
			opened.push(store);
			return new DurableTimers<Clock>(store, "sla");
		};

		beforeEach(async () => {
			prefix = `test-timers-${randomUUID()}`;
			fired = [];
			timers = await anotherProcess();
		});
		afterEach(async () => {
			await opened[0]?.clear();
			for (const store of opened.splice(0)) await store.close();
		});

		it("fires a timer once it is due and not before, then forgets it", async () => {
			await timers.schedule(dispatch("o-1", 1_000));
			assert.equal(await timers.fireDue(999, record), 0);
			assert.deepEqual(fired, []);
			assert.equal(await timers.fireDue(1_000, record), 1);
			assert.deepEqual(fired, [dispatch("o-1", 1_000)]);
			assert.equal(await timers.get("dispatch:o-1"), undefined);
			assert.equal(await timers.pending(), 0);
			assert.equal(await timers.fireDue(9_000, record), 0);
		});

		it("fires the earliest due timers first, at most limit per call", async () => {
			for (const [orderId, dueAt] of [["o-3", 30], ["o-1", 10], ["o-2", 20]] as const) await timers.schedule(dispatch(orderId, dueAt));
			assert.equal(await timers.fireDue(100, record, { limit: 2 }), 2);
			assert.equal(await timers.fireDue(100, record, { limit: 2 }), 1);
			assert.deepEqual(fired.map((t) => t.id), ["dispatch:o-1", "dispatch:o-2", "dispatch:o-3"]);
		});

		it("rescheduling an id replaces its due time and payload", async () => {
			await timers.schedule(dispatch("o-1", 100));
			await timers.schedule({ id: "dispatch:o-1", dueAt: 200, payload: { orderId: "o-1", clock: "extended" } });
			assert.equal(await timers.pending(), 1);
			assert.deepEqual(await timers.get("dispatch:o-1"), { id: "dispatch:o-1", dueAt: 200, payload: { orderId: "o-1", clock: "extended" } });
			assert.equal(await timers.fireDue(150, record), 0);
			assert.equal(await timers.fireDue(200, record), 1);
			assert.deepEqual(fired, [{ id: "dispatch:o-1", dueAt: 200, payload: { orderId: "o-1", clock: "extended" } }]);
		});

		it("scheduling the same timer twice leaves one timer that fires once", async () => {
			await timers.schedule(dispatch("o-1", 100));
			await timers.schedule(dispatch("o-1", 100));
			assert.equal(await timers.pending(), 1);
			assert.equal(await timers.fireDue(100, record), 1);
			assert.equal(await timers.fireDue(100 + LEASE_MS * 60, record), 0);
			assert.deepEqual(fired, [dispatch("o-1", 100)]);
		});

		it("two racing schedules of one id leave one timer, which fires once as get() shows it", async () => {
			const other = await anotherProcess();
			await Promise.all([timers.schedule(dispatch("o-1", 100)), other.schedule({ ...dispatch("o-1", 200), payload: { orderId: "o-1", clock: "other" } })]);
			const kept = await timers.get("dispatch:o-1");
			assert.equal(await timers.fireDue(1_000, record), 1);
			assert.deepEqual(fired, [kept]);
			assert.equal(await timers.pending(), 0, "the loser's entry was dropped, not left behind");
		});

		it("a cancelled timer never fires, and cancelling it again reports nothing to cancel", async () => {
			await timers.schedule(dispatch("o-1", 100));
			await timers.schedule(dispatch("o-2", 100));
			assert.equal(await timers.cancel("dispatch:o-1"), true);
			assert.equal(await timers.cancel("dispatch:o-1"), false);
			assert.equal(await timers.get("dispatch:o-1"), undefined);
			assert.equal(await timers.pending(), 1);
			assert.equal(await timers.fireDue(10_000, record), 1);
			assert.deepEqual(fired, [dispatch("o-2", 100)]);
		});

		it("a restarted process on the same store sees the pending timers and fires them", async () => {
			await timers.schedule(dispatch("o-1", 100));
			await timers.schedule(dispatch("o-2", 5_000));
			const restarted = await anotherProcess();
			assert.equal(await restarted.pending(), 2);
			assert.deepEqual(await restarted.get("dispatch:o-2"), dispatch("o-2", 5_000));
			assert.equal(await restarted.fireDue(1_000, record), 1);
			assert.deepEqual(fired, [dispatch("o-1", 100)]);
			assert.equal(await new DurableTimers(opened[1]!, "other").pending(), 0, "another timer set shares nothing");
		});

		it("two processes firing concurrently fire each of 200 timers exactly once", async () => {
			const orderIds = Array.from({ length: 200 }, (_, i) => `o-${i}`);
			await Promise.all(orderIds.map((orderId, i) => timers.schedule(dispatch(orderId, i))));
			const other = await anotherProcess();
			const counts = { first: 0, second: 0 };
			const slowly = async (timer: Timer<Clock>) => {
				await nextTurn();
				fired.push(timer);
			};
			const drain = async (instance: DurableTimers<Clock>, who: keyof typeof counts) => {
				let n: number;
				while ((n = await instance.fireDue(1_000, slowly, { limit: 15, leaseMs: 60_000 })) > 0) counts[who] += n;
			};
			await Promise.all([drain(timers, "first"), drain(other, "second")]);
			assert.equal(fired.length, 200);
			assert.deepEqual(fired.map((t) => t.payload.orderId).toSorted(), orderIds.toSorted());
			assert.equal(counts.first + counts.second, 200);
			assert.ok(counts.first > 0 && counts.second > 0, `both processes fired some: ${JSON.stringify(counts)}`);
			assert.equal(await timers.pending(), 0);
		});

		it("a handler that throws leaves its timer to fire again once the lease ends", async () => {
			await timers.schedule(dispatch("o-1", 100));
			const errors: Array<[string, string]> = [];
			const failing = () => {
				throw new Error("partner down");
			};
			const onError = (error: unknown, id: string) => errors.push([id, (error as Error).message]);
			assert.equal(await timers.fireDue(100, failing, { leaseMs: LEASE_MS, onError }), 0);
			assert.deepEqual(errors, [["dispatch:o-1", "partner down"]]);
			assert.deepEqual(await timers.get("dispatch:o-1"), dispatch("o-1", 100));
			assert.equal(await timers.fireDue(100 + LEASE_MS - 1, record), 0, "still leased");
			assert.equal(await timers.fireDue(100 + LEASE_MS, record), 1);
			assert.deepEqual(fired, [dispatch("o-1", 100)]);
		});

		it("without onError, failed handlers are thrown together once the rest of the batch has fired", async () => {
			await timers.schedule(dispatch("o-1", 100));
			await timers.schedule(dispatch("o-2", 100));
			const failOne = (timer: Timer<Clock>) => {
				if (timer.payload.orderId === "o-1") throw new Error("partner down");
				record(timer);
			};
			await assert.rejects(timers.fireDue(100, failOne), (error: unknown) => {
				assert.ok(error instanceof AggregateError);
				assert.match(error.message, /1 of 2 timers failed: dispatch:o-1/);
				return true;
			});
			assert.deepEqual(fired, [dispatch("o-2", 100)]);
			assert.equal(await timers.pending(), 1);
		});

		it("a timer whose firing never completed (a crash) fires again in another process after the lease", async () => {
			await timers.schedule(dispatch("o-1", 100));
			const sequence: string[] = [];
			const crashed = heldHandler(() => sequence.push("first process fires"));
			const stuck = timers.fireDue(100, crashed.handler, { leaseMs: LEASE_MS });
			await crashed.inside;

			const survivor = await anotherProcess();
			assert.equal(await survivor.fireDue(100 + LEASE_MS - 1, record), 0, "not while the lease runs");
			assert.equal(await survivor.fireDue(100 + LEASE_MS, () => void sequence.push("survivor fires")), 1);
			assert.equal(await survivor.pending(), 0);

			// The first process coming back late completes harmlessly.
			crashed.release();
			assert.equal(await stuck, 1);
			assert.deepEqual(sequence, ["first process fires", "survivor fires"]);
			assert.equal(await timers.get("dispatch:o-1"), undefined);
		});

		it("a reschedule while the timer is firing survives the firing", async () => {
			await timers.schedule(dispatch("o-1", 100));
			const other = await anotherProcess();
			const reschedule = async (timer: Timer<Clock>) => {
				record(timer);
				await other.schedule({ id: timer.id, dueAt: 5_000, payload: { orderId: "o-1", clock: "re-allocated" } });
			};
			assert.equal(await timers.fireDue(100, reschedule), 1);
			assert.deepEqual(await timers.get("dispatch:o-1"), { id: "dispatch:o-1", dueAt: 5_000, payload: { orderId: "o-1", clock: "re-allocated" } });
			assert.equal(await timers.pending(), 1);
			assert.equal(await timers.fireDue(4_999, record), 0);
			assert.equal(await timers.fireDue(5_000, record), 1);
			assert.deepEqual(fired.map((t) => [t.dueAt, t.payload.clock]), [[100, "dispatch"], [5_000, "re-allocated"]]);
		});

		it("a reschedule while firing survives even when it keeps the same due time and payload", async () => {
			await timers.schedule(dispatch("o-1", 100));
			const sameAgain = async (timer: Timer<Clock>) => {
				record(timer);
				if (fired.length === 1) await timers.schedule(dispatch("o-1", 100));
			};
			assert.equal(await timers.fireDue(100, sameAgain), 1);
			assert.equal(await timers.pending(), 1);
			assert.equal(await timers.fireDue(100, sameAgain), 1);
			assert.equal(await timers.pending(), 0);
		});

		it("a timer cancelled while firing does not fire again", async () => {
			await timers.schedule(dispatch("o-1", 100));
			const cancelling = async (timer: Timer<Clock>) => {
				record(timer);
				assert.equal(await timers.cancel(timer.id), true);
			};
			assert.equal(await timers.fireDue(100, cancelling), 1);
			assert.equal(await timers.pending(), 0);
			assert.equal(await timers.fireDue(100 + LEASE_MS * 60, record), 0);
			assert.equal(fired.length, 1);
		});

		it("a timer cancelled and scheduled anew while an old firing runs late keeps the new one", async () => {
			await timers.schedule(dispatch("o-1", 100));
			const slow = heldHandler();
			const late = timers.fireDue(100, slow.handler, { leaseMs: LEASE_MS });
			await slow.inside;
			assert.equal(await timers.cancel("dispatch:o-1"), true);
			await timers.schedule(dispatch("o-1", 100));
			slow.release();
			assert.equal(await late, 1);
			assert.deepEqual(await timers.get("dispatch:o-1"), dispatch("o-1", 100));
			assert.equal(await timers.fireDue(100, record), 1);
		});

		it("refuses a timer without an id, a due time that is not epoch milliseconds, and a bad lease", async () => {
			await assert.rejects(timers.schedule({ id: "", dueAt: 1, payload: { orderId: "o", clock: "c" } }), TypeError);
			await assert.rejects(timers.schedule({ id: "t", dueAt: Number.NaN, payload: { orderId: "o", clock: "c" } }), RangeError);
			await assert.rejects(timers.fireDue(100, record, { leaseMs: 0 }), RangeError);
			assert.throws(() => new DurableTimers(opened[0]!, "sla:nested"), RangeError);
			assert.equal(await timers.pending(), 0);
		});
	});
}

timersContract("MemoryStore", async (prefix) => new MemoryStore(prefix));

timersContract("RedisStore", async (prefix) => {
	const store = new RedisStore({ url: REDIS_URL, prefix });
	try {
		await store.ready();
	} catch (error) {
		// Otherwise ioredis keeps reconnecting and the test process never exits.
		await store.close();
		throw error;
	}
	return store;
});
