import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { targetsOf, type BenchResult } from "../../bin/bench/bench-result.ts";
import type { InFlightLevel } from "../../bin/bench/in-flight.ts";
import { latencyChartSvg } from "../../bin/bench/latency-chart.ts";
import type { Percentiles } from "../../bin/bench/percentiles.ts";
import { markdownReport } from "../../bin/bench/report.ts";
import type { StepResult } from "../../bin/bench/stepped-rates.ts";

const spread = (p50: number, p95: number, p99: number, count = 100): Percentiles => ({ count, p50, p95, p99, max: p99 });

function step(ordersPerSecond: number, committedEventsPerSecond: number, toFact: Percentiles, keptUp: boolean, more: Partial<StepResult> = {}): StepResult {
	return {
		ordersPerSecond,
		offeredEventsPerSecond: ordersPerSecond * 10,
		committedEventsPerSecond,
		accepted: ordersPerSecond * 20,
		refused: 0,
		skipped: 0,
		drainMs: keptUp ? 1_200 : undefined,
		keptUp,
		httpMs: spread(2, 5, 8),
		latency: { ingressToFact: toFact, ingressToLastConsequence: spread(20, 50, 60), hops: {}, queueGrowth: 1.1 },
		cpuSecondsPer1000Events: {},
		...more,
	};
}

describe("latencyChartSvg", () => {
	const steps = [step(25, 248, spread(12, 30, 45), true), step(50, 497, spread(15, 40, 60), true), step(100, 700, spread(400, 900, 2_500), false)];
	const svg = latencyChartSvg(steps, `Waybill <quick> & "co"`);
	const polylines = [...svg.matchAll(/<polyline [^>]*stroke="([^"]+)"[^>]*points="([^"]*)"\/>/g)].map(([, colour, points]) => ({
		colour: colour!,
		points: points!.split(" ").map((pair) => pair.split(",").map(Number) as [number, number]),
	}));

	it("is one standalone SVG element of self-closing shapes and text", () => {
		const lines = svg.split("\n");
		assert.match(lines[0]!, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*>$/);
		assert.equal(lines.at(-1), "</svg>");
		for (const line of lines.slice(1, -1)) assert.match(line, /^<(\w+) [^<>]*\/>$|^<text [^<>]*>[^<>]*<\/text>$/, line);
		assert.ok(svg.includes("Waybill &lt;quick&gt; &amp; &quot;co&quot;"));
	});

	it("draws one line per percentile with one point per step, in order of throughput", () => {
		assert.equal(polylines.length, 3);
		assert.equal(new Set(polylines.map((p) => p.colour)).size, 3);
		for (const line of polylines) {
			assert.equal(line.points.length, steps.length);
			const xs = line.points.map(([x]) => x);
			assert.deepEqual(xs, [...xs].sort((a, b) => a - b));
		}
		const [p50, , p99] = polylines;
		for (let i = 0; i < steps.length; i++) assert.ok(p99!.points[i]![1] < p50!.points[i]![1], "higher latency is drawn higher up");
		assert.equal([...svg.matchAll(/<circle /g)].length, 3 * steps.length);
	});

	it("draws the saturated step hollow in every series", () => {
		const hollow = [...svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)" [^>]*fill="white"/g)];
		assert.equal(hollow.length, 3);
		const saturatedX = polylines[0]!.points[2]![0];
		for (const [, cx] of hollow) assert.equal(Number(cx), saturatedX);
	});
});

function inFlightLevel(ordersInFlight: number, redisBytesPerOrder: number, marginalRedisBytesPerOrder: number, probeP99: number, fillMinutes = 1): InFlightLevel {
	return { ordersInFlight, redisBytesPerOrder, marginalRedisBytesPerOrder, probeIngressToFact: spread(probeP99 / 4, probeP99 / 2, probeP99), fillMinutes };
}

function benchWithoutTargets(more: Partial<BenchResult> = {}): Omit<BenchResult, "targets"> {
	const half = step(25, 248, spread(12, 30, 45), true, {
		latency: { ingressToFact: spread(12, 30, 45), ingressToLastConsequence: spread(20, 50, 60), hops: { "inbound → mapper → events": spread(3, 5, 9, 400) }, queueGrowth: 1.1 },
	});
	return {
		rawNatsPubSubPerSec: 900_000,
		rawJetStreamPublishPerSec: 3_300,
		rawJetStreamWindow: 128,
		rawOrderedConsumePerSec: 3_000,
		rawMoleculerCallsPerSec: 20_000,
		payloadBytes: 1_024,
		startedAt: "2025-03-01T10:00:00.000Z",
		node: "v24.0.0",
		machine: { cpus: 2, memoryGiB: 8 },
		quick: false,
		eventsPerOrder: 10,
		steps: [
			half,
			step(50, 497, spread(15, 40, 60), true, { drainMs: 2_300, cpuSecondsPer1000Events: { gateway: 0.5, mapper: 1.5, saga: 0.9 } }),
			step(100, 700, spread(400, 900, 2_500), false, { latency: { ingressToFact: spread(400, 900, 2_500), ingressToLastConsequence: spread(500, 1_000, 3_000), hops: {}, queueGrowth: 3.4 } }),
		],
		e2eEventsPerSec: 497,
		e2eOrdersPerSec: 50,
		saturatedEventsPerSec: 700,
		ratioToJetStream: 0.15,
		engineCeilingRatio: 0.9,
		ratioToOrderedConsume: 0.17,
		halfRate: half,
		p50Ms: 12,
		p95Ms: 30,
		p99Ms: 45,
		inFlight: [inFlightLevel(1_000, 2_048, 2_048, 40, 0.5), inFlightLevel(10_000, 2_100, 2_200, 44, 4.5)],
		redisBytesPerOrder: 2_100,
		...more,
	};
}

describe("targetsOf", () => {
	const met = (more: Partial<BenchResult>) => {
		const targets = targetsOf(benchWithoutTargets(more));
		return { throughput: targets.throughput!.met, latency: targets.latency!.met, inFlightGrowth: targets.inFlightGrowth!.met };
	};

	it("meets the throughput target from exactly 0.2 times raw JetStream publish", () => {
		assert.equal(met({ ratioToJetStream: 0.2 }).throughput, true);
		assert.equal(met({ ratioToJetStream: 0.19 }).throughput, false);
	});

	it("meets the latency target only with a p99 of at most 50 ms measured at half the sustained rate", () => {
		assert.equal(met({ p99Ms: 50 }).latency, true);
		assert.equal(met({ p99Ms: 50.1 }).latency, false);
		assert.equal(met({ p99Ms: 10, halfRate: undefined }).latency, false);
	});

	it("compares the last in-flight level with the first, p99 and bytes per added order, within 1.2x", () => {
		const within = targetsOf(benchWithoutTargets({ inFlight: [inFlightLevel(1_000, 2_000, 2_000, 40), inFlightLevel(5_000, 2_100, 2_100, 44), inFlightLevel(10_000, 2_200, 2_400, 48)] }));
		assert.deepEqual(within.inFlightGrowth, {
			target: "no growth in p99 or Redis bytes per order from 1000 to 10000 in flight (within 1.2x)",
			measured: "p99 x1.20, bytes per added order x1.20",
			met: true,
		});
		assert.equal(met({ inFlight: [inFlightLevel(1_000, 2_000, 2_000, 40), inFlightLevel(10_000, 2_000, 2_000, 60)] }).inFlightGrowth, false);
		assert.equal(met({ inFlight: [inFlightLevel(1_000, 2_000, 2_000, 40), inFlightLevel(10_000, 2_600, 2_600, 40)] }).inFlightGrowth, false);
		assert.equal(met({ inFlight: [] }).inFlightGrowth, false);
	});
});

describe("markdownReport", () => {
	const bench = benchWithoutTargets();
	const report = markdownReport({ ...bench, targets: targetsOf(bench) });
	const lines = report.split("\n");

	it("has a row for every step, saturated ones marked and without a drain time", () => {
		assert.ok(lines.includes("| 25 | 250 | 248 | yes | 1.2 | x1.1 | 12 | 30 | 45 | 60 | 8 |"));
		assert.ok(lines.includes("| 50 | 500 | 497 | yes | 2.3 | x1.1 | 15 | 40 | 60 | 60 | 8 |"));
		assert.ok(lines.includes("| 100 | 1,000 | 700 | **no** | timeout | x3.4 | 400 | 900 | 2500 | 3000 | 8 |"));
	});

	it("shows the hops of the half-rate step and the CPU of the highest step that kept up, busiest first", () => {
		assert.ok(lines.includes("## Per hop, at 25 orders/s"));
		assert.ok(lines.includes("| inbound → mapper → events | 400 | 3 | 5 | 9 |"));
		assert.ok(lines.includes("## CPU seconds per 1,000 events, at 50 orders/s"));
		const cpu = lines.filter((line) => /^\| (gateway|mapper|saga) \|/.test(line));
		assert.deepEqual(cpu, ["| mapper | 1.5 |", "| saga | 0.9 |", "| gateway | 0.5 |"]);
	});

	it("puts the platform beside the engine consumed as Waybill consumes it", () => {
		assert.ok(lines.includes("| JetStream consumed as Waybill does (1024 B, 3 groups x 8 partitions, one unacked each), published and acked by every group | 3,000 messages |"));
		assert.ok(report.includes("0.17x raw ordered consumption (which is itself 0.9x raw publish"));
	});

	it("has a row for every in-flight level", () => {
		assert.ok(lines.includes("| 1,000 | 2,048 | 2,048 | 10 | 40 | 0.5 |"));
		assert.ok(lines.includes("| 10,000 | 2,100 | 2,200 | 11 | 44 | 4.5 |"));
	});

	it("lists every target with whether it was met", () => {
		assert.ok(lines.includes("| e2e events/s >= 0.2 x raw JetStream publish/s (stretch 0.3) | 0.15 | **no** |"));
		assert.ok(lines.includes("| p99 ingress to ledger <= 50 ms at half the sustained rate | 45 ms | yes |"));
		assert.ok(lines.includes("| no growth in p99 or Redis bytes per order from 1000 to 10000 in flight (within 1.2x) | p99 x1.10, bytes per added order x1.07 | yes |"));
	});
});
