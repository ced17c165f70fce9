import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";

import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { DurableTimers } from "../../mixins/timers/durable-timers.ts";
import { TimerTicker } from "../../mixins/timers/timer-ticker.ts";
import type { FireOptions, Timer } from "../../mixins/timers/timer-values.ts";

const TICK_MS = 1_000;
const LIMIT = 5;

/** A stand-in for DurableTimers whose runs the test ends by hand; it records every call. */
class FakeTimers {
	readonly calls: number[] = [];
	running = 0;
	mostAtOnce = 0;
	readonly #runs: Array<{ options: FireOptions; end: (fired: number | Error) => void }> = [];

	fireDue(now: number, _handler: unknown, options: FireOptions = {}): Promise<number> {
		this.calls.push(now);
		this.mostAtOnce = Math.max(this.mostAtOnce, ++this.running);
		return new Promise<number>((resolve, reject) => {
			this.#runs.push({ options, end: (fired) => (fired instanceof Error ? reject(fired) : resolve(fired)) });
		}).finally(() => this.running--);
	}

	get open(): number {
		return this.#runs.length;
	}

	/** Ends the oldest open run with a count of fired timers, or fails it with an error. */
	end(fired: number | Error): void {
		this.#runs.shift()!.end(fired);
	}

	reportHandlerFailure(error: Error, id: string): void {
		this.#runs[0]!.options.onError?.(error, id);
	}
}

/** Lets the ticker's awaits complete; only setTimeout is mocked, so a real turn of the loop passes. */
const settle = () => nextTurn();

describe("TimerTicker", () => {
	let fake: FakeTimers;
	let errors: Array<[string, string | undefined]>;
	let ticker: TimerTicker<unknown>;
	let clock: number;

	const startTicker = (onError = (error: unknown, id?: string) => void errors.push([(error as Error).message, id])) => {
		ticker = new TimerTicker({ timers: fake, handler: () => {}, onError, tickMs: TICK_MS, limit: LIMIT, now: () => clock });
		ticker.start();
	};

	beforeEach(() => {
		mock.timers.enable({ apis: ["setTimeout"] });
		fake = new FakeTimers();
		errors = [];
		clock = 50_000;
	});
	afterEach(async () => {
		mock.timers.reset();
		const stopping = ticker.stop();
		while (fake.open > 0) fake.end(0);
		await stopping;
	});

	it("runs at once on start, then every tickMs, with the clock it was given", async () => {
		startTicker();
		mock.timers.tick(0);
		assert.deepEqual(fake.calls, [50_000]);
		fake.end(0);
		await settle();
		clock = 51_000;
		mock.timers.tick(TICK_MS - 1);
		assert.equal(fake.calls.length, 1);
		mock.timers.tick(1);
		assert.deepEqual(fake.calls, [50_000, 51_000]);
	});

	it("never starts a run while the previous one is still going", async () => {
		startTicker();
		mock.timers.tick(0);
		mock.timers.tick(TICK_MS * 10);
		assert.equal(fake.calls.length, 1);
		fake.end(0);
		await settle();
		mock.timers.tick(TICK_MS);
		assert.equal(fake.calls.length, 2);
		assert.equal(fake.mostAtOnce, 1);
	});

	it("runs again at once after a full batch, to drain a backlog", async () => {
		startTicker();
		mock.timers.tick(0);
		fake.end(LIMIT);
		await settle();
		mock.timers.tick(0);
		assert.equal(fake.calls.length, 2);
		fake.end(LIMIT - 1);
		await settle();
		mock.timers.tick(0);
		assert.equal(fake.calls.length, 2, "a partial batch waits for the next tick");
	});

	it("reports a failed run, such as a store outage, and keeps ticking", async () => {
		startTicker();
		mock.timers.tick(0);
		fake.end(new Error("Connection is closed."));
		await settle();
		mock.timers.tick(TICK_MS);
		assert.equal(fake.calls.length, 2);
		assert.deepEqual(errors, [["Connection is closed.", undefined]]);
	});

	it("passes each handler failure on with its timer id", async () => {
		startTicker();
		mock.timers.tick(0);
		fake.reportHandlerFailure(new Error("partner down"), "dispatch:o-1");
		fake.end(0);
		await settle();
		assert.deepEqual(errors, [["partner down", "dispatch:o-1"]]);
	});

	it("keeps ticking when the error callback itself throws", async () => {
		startTicker(() => {
			throw new Error("logger broken");
		});
		mock.timers.tick(0);
		fake.end(new Error("Connection is closed."));
		await settle();
		mock.timers.tick(TICK_MS);
		assert.equal(fake.calls.length, 2);
	});

	it("stop waits for the run in progress, and no run starts after it", async () => {
		startTicker();
		mock.timers.tick(0);
		let stopped = false;
		const stopping = ticker.stop().then(() => (stopped = true));
		await settle();
		assert.equal(stopped, false);
		fake.end(0);
		await stopping;
		mock.timers.tick(TICK_MS * 10);
		assert.equal(fake.calls.length, 1);
	});

	it("refuses a tick or a limit that would spin", () => {
		assert.throws(() => new TimerTicker({ timers: fake, handler: () => {}, onError: () => {}, tickMs: 0 }), RangeError);
		assert.throws(() => new TimerTicker({ timers: fake, handler: () => {}, onError: () => {}, limit: 0 }), RangeError);
		ticker = new TimerTicker({ timers: fake, handler: () => {}, onError: () => {} });
	});
});

describe("TimerTicker over DurableTimers", () => {
	const prefix = `test-ticker-${randomUUID()}`;
	afterEach(async () => {
		mock.timers.reset();
		await new MemoryStore(prefix).clear();
	});

	it("fires the timers that are due and leaves the rest", async () => {
		mock.timers.enable({ apis: ["setTimeout"] });
		const timers = new DurableTimers<{ orderId: string }>(new MemoryStore(prefix), "sla");
		await timers.schedule({ id: "dispatch:o-1", dueAt: 900, payload: { orderId: "o-1" } });
		await timers.schedule({ id: "dispatch:o-2", dueAt: 2_000, payload: { orderId: "o-2" } });
		const fired: Array<Timer<{ orderId: string }>> = [];
		const ticker = new TimerTicker({ timers, handler: (timer) => void fired.push(timer), onError: assert.ifError, now: () => 1_000 });
		ticker.start();
		mock.timers.tick(0);
		for (let turn = 0; turn < 10 && fired.length === 0; turn++) await settle();
		await ticker.stop();
		assert.deepEqual(fired, [{ id: "dispatch:o-1", dueAt: 900, payload: { orderId: "o-1" } }]);
		assert.equal(await timers.pending(), 1);
	});
});
