import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { isRetryable } from "../../canonical/index.ts";
import { LaneGate, laneGateSettingsFromEnv } from "../../mixins/streams/lane-gate.ts";

const settings = { maxInFlight: 2, yieldAbove: 10, sampleEveryMs: 5, maxPauseMs: 60_000 };

/** Work that records when it ran and how many ran beside it. */
function tracker() {
	let running = 0;
	const log: Array<{ name: string; alongside: number }> = [];
	const work = (name: string, ms = 10) => async () => {
		running++;
		log.push({ name, alongside: running });
		await sleep(ms);
		running--;
		return name;
	};
	return { log, work };
}

describe("the lane gate: batch work yields to operational work", () => {
	test("runs batch work in arrival order, never more than maxInFlight at once", async () => {
		const gate = new LaneGate(async () => 0, settings);
		const { log, work } = tracker();
		const done = await Promise.all(["a", "b", "c", "d", "e"].map((n) => gate.run(work(n))));
		assert.deepEqual(done, ["a", "b", "c", "d", "e"]);
		assert.deepEqual(log.map((l) => l.name), ["a", "b", "c", "d", "e"]);
		assert.ok(log.every((l) => l.alongside <= 2), JSON.stringify(log));
	});

	test("holds batch work while the operational backlog is above the threshold, and starts it once the backlog drains", async () => {
		let backlog = 50;
		const gate = new LaneGate(async () => backlog, settings);
		const { log, work } = tracker();
		const running = gate.run(work("chunk"));
		await sleep(60);
		assert.deepEqual(log, [], "nothing starts while operations queue");
		assert.ok(gate.state().paused > 0);
		backlog = 3;
		assert.equal(await running, "chunk");
		assert.equal(gate.state().operationalBacklog, 3);
	});

	test("under sustained operational load, lets one message through per maxPauseMs, alone: the batch slows to a trickle but never starves", async () => {
		const gate = new LaneGate(async () => 1_000, { ...settings, maxPauseMs: 40 });
		const { log, work } = tracker();
		const started: number[] = [];
		const t0 = Date.now();
		await Promise.all(["a", "b", "c"].map((n) => gate.run(async () => (started.push(Date.now() - t0), work(n, 5)()))));
		assert.deepEqual(log.map((l) => [l.name, l.alongside]), [["a", 1], ["b", 1], ["c", 1]]);
		assert.equal(gate.state().starvedStarts, 3);
		assert.ok(started[1]! - started[0]! >= 35 && started[2]! - started[1]! >= 35, `one per pause: started at ${started.join(", ")} ms`);
	});

	test("on close, refuses the work still waiting with a retryable error (redelivered later) and lets the work under way finish", async () => {
		let backlog = 0;
		const gate = new LaneGate(async () => backlog, { ...settings, maxInFlight: 1 });
		const { work } = tracker();
		const first = gate.run(work("under way", 30));
		await sleep(1);
		backlog = 100;
		const second = assert.rejects(gate.run(work("waiting")), (e) => isRetryable(e));
		await sleep(10);
		gate.close();
		assert.equal(await first, "under way");
		await second;
		await assert.rejects(gate.run(work("late")), (e) => isRetryable(e));
	});

	test("decides on the last reading when the broker cannot say how much operational work waits", async () => {
		let fail = false;
		const gate = new LaneGate(async () => {
			if (fail) throw new Error("broker unreachable");
			return 0;
		}, settings);
		const { work } = tracker();
		await gate.run(work("a"));
		fail = true;
		await sleep(10);
		assert.equal(await gate.run(work("b")), "b");
	});

	test("reads its settings from the environment, refusing what is not an integer", () => {
		assert.deepEqual(laneGateSettingsFromEnv({ BATCH_MAX_IN_FLIGHT: "3", BATCH_YIELD_BACKLOG: "0", BATCH_YIELD_SAMPLE_MS: "100", BATCH_MAX_PAUSE_MS: "5000" }), { maxInFlight: 3, yieldAbove: 0, sampleEveryMs: 100, maxPauseMs: 5_000 });
		assert.deepEqual(laneGateSettingsFromEnv({}), { maxInFlight: 1, yieldAbove: 0, sampleEveryMs: 100, maxPauseMs: 30_000 });
		assert.throws(() => laneGateSettingsFromEnv({ BATCH_MAX_IN_FLIGHT: "0" }), /BATCH_MAX_IN_FLIGHT/);
	});
});
