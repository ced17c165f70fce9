import { randomUUID } from "node:crypto";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDistributed } from "./demo/distributed-platform.ts";
import { sampleOrder } from "./demo/order-factory.ts";
import { releaseOrders } from "./demo/order-pump.ts";
import type { DemoPlatform } from "./demo/platform.ts";
import { RedisStore } from "../mixins/store/redis.store.ts";
import { measureBaselines } from "./bench/baselines.ts";
import { targetsOf, type BenchResult } from "./bench/bench-result.ts";
import { waitForInvoices } from "./bench/finished-orders.ts";
import { measureInFlight } from "./bench/in-flight.ts";
import { ledgerCountBetween } from "./bench/ledger-reader.ts";
import { markdownReport, writeResults } from "./bench/report.ts";
import { runStep, type StepPlan, type StepResult } from "./bench/stepped-rates.ts";

/**
 * `npm run bench`: Waybill in distributed mode on this machine (a process per service and per
 * partner simulator, NATS JetStream, Redis) against the raw engines measured in the same run.
 * Open-loop load at stepped rates until saturation, a step at half the sustained rate for the
 * headline latencies, then orders held in flight level by level. Writes results.json, results.md
 * and a latency-versus-throughput chart to a folder under bench-results/; `--json` prints the
 * result as one JSON object on the last line. `--quick` is a short run that keeps the benchmark
 * working in CI: its figures mean nothing about speed.
 */
const { values } = parseArgs({
	options: {
		quick: { type: "boolean", default: false },
		json: { type: "boolean", default: false },
		rates: { type: "string" },
		"step-seconds": { type: "string" },
		"in-flight": { type: "string" },
		"results-dir": { type: "string", default: "bench-results" },
	},
});
const quick = values.quick;
const numbers = (list: string | undefined, fallback: number[]) => (list ? list.split(",").map(Number) : fallback);
const rates = numbers(values.rates, quick ? [2, 4] : [2, 4, 6, 8, 10, 12, 15, 18, 22, 26, 30, 35, 40, 50, 60, 75, 90, 110, 130, 160, 200]);
const stepMs = Number(values["step-seconds"] ?? (quick ? 6 : 20)) * 1000;
const inFlightLevels = numbers(values["in-flight"], quick ? [100, 300] : [10_000, 100_000]);
const natsUrl = process.env.TRANSPORTER || "nats://127.0.0.1:4222";
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const ratio = (part: number, whole: number) => Math.round((part / whole) * 1000) / 1000;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// Rate limits are a policy per client, not a capacity: the benchmark is one client offering the load of many.
process.env.API_RATE_LIMIT_PER_SECOND ??= "1000000";
process.env.WEBHOOK_RATE_LIMIT_PER_SECOND ??= "1000000";

async function startPlatform(stepDelayMs: number): Promise<{ platform: DemoPlatform; store: RedisStore }> {
	const platform = await startDistributed({ stepDelayMs, transporter: natsUrl, redisUrl, keep: false, log });
	return { platform, store: new RedisStore({ url: redisUrl, prefix: platform.namespace }) };
}

/** Stepped open-loop load until a step does not keep up, then one at half the sustained rate. */
async function throughputAndLatency(runId: string) {
	const { platform, store } = await startPlatform(0);
	let n = 0;
	const nextOrder = () => sampleOrder(runId, ++n);
	try {
		const warmOrders = quick ? 10 : 60;
		const warmStarted = Date.now();
		await releaseOrders(platform, Array.from({ length: warmOrders }, nextOrder), 8, () => undefined);
		if ((await waitForInvoices(platform.simulatorUrls.erp, warmOrders, 120_000)) === undefined) throw new Error("the warm-up orders did not finish within 2 minutes");
		const eventsPerOrder = Math.round((await ledgerCountBetween(store, warmStarted, Date.now())) / warmOrders);
		log(`warm-up: ${warmOrders} orders, ${eventsPerOrder} events (ledger entries) per order`);
		const plan: StepPlan = { stepMs, warmMs: Math.min(5_000, stepMs / 4), drainWithinMs: quick ? 60_000 : 120_000, eventsPerOrder };
		const steps: StepResult[] = [];
		let invoiced = warmOrders;
		const step = async (rate: number) => {
			const result = await runStep(platform, store, rate, plan, nextOrder, invoiced);
			invoiced += result.accepted;
			// An order that had not finished when the step gave up waiting still will: count it before the next step.
			if (result.drainMs === undefined) await waitForInvoices(platform.simulatorUrls.erp, invoiced, 600_000);
			log(`${rate} orders/s: ${result.committedEventsPerSecond} of ${result.offeredEventsPerSecond} events/s committed, p99 ${result.latency.ingressToFact.p99} ms, ${result.keptUp ? "kept up" : "saturated"}`);
			return result;
		};
		for (const rate of rates) {
			const result = await step(rate);
			steps.push(result);
			if (!result.keptUp) break;
		}
		const sustained = [...steps].reverse().find((s) => s.keptUp);
		const halfRate = await step(Math.max(0.5, Math.round(((sustained?.ordersPerSecond ?? rates[0]!) / 2) * 2) / 2));
		return { steps, sustained, halfRate, eventsPerOrder };
	} finally {
		await store.close();
		await platform.stop();
	}
}

/** Orders held by the partners (they accept and wait hours between steps), filled level by level. */
async function ordersInFlight(runId: string) {
	const { platform, store } = await startPlatform(6 * 3_600_000);
	let n = 0;
	try {
		return await measureInFlight(platform, store, redisUrl, inFlightLevels, () => sampleOrder(`${runId}h`, ++n), { ordersPerSecond: quick ? 5 : 10, ms: quick ? 4_000 : 15_000 }, log);
	} finally {
		await store.close();
		await platform.stop();
	}
}

async function main(): Promise<void> {
	const startedAt = new Date().toISOString();
	const runId = randomUUID().slice(0, 6);
	const baselines = await measureBaselines(natsUrl, quick ? 1_000 : 5_000, join(".waybill", `bench-${runId}`), log);
	const load = await throughputAndLatency(runId);
	// A failure here still leaves the throughput and latency results written, with the reason.
	let inFlightError: string | undefined;
	const inFlight = await ordersInFlight(runId).catch((e: unknown) => {
		inFlightError = e instanceof Error ? e.message : String(e);
		log(`orders in flight: ${inFlightError}`);
		return [];
	});
	const e2eEventsPerSec = load.sustained?.committedEventsPerSecond ?? 0;
	const saturated = load.steps.find((s) => !s.keptUp);
	const partial: Omit<BenchResult, "targets"> = {
		startedAt,
		node: process.version,
		machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
		quick,
		...baselines,
		eventsPerOrder: load.eventsPerOrder,
		steps: load.steps,
		e2eEventsPerSec,
		e2eOrdersPerSec: load.sustained?.ordersPerSecond ?? 0,
		saturatedEventsPerSec: saturated?.committedEventsPerSecond,
		ratioToJetStream: ratio(e2eEventsPerSec, baselines.rawJetStreamPublishPerSec),
		engineCeilingRatio: ratio(baselines.rawOrderedConsumePerSec, baselines.rawJetStreamPublishPerSec),
		ratioToOrderedConsume: ratio(e2eEventsPerSec, baselines.rawOrderedConsumePerSec),
		halfRate: load.halfRate,
		p50Ms: load.halfRate.latency.ingressToFact.p50,
		p95Ms: load.halfRate.latency.ingressToFact.p95,
		p99Ms: load.halfRate.latency.ingressToFact.p99,
		inFlight,
		...(inFlightError ? { inFlightError } : {}),
		redisBytesPerOrder: inFlight.at(-1)?.redisBytesPerOrder ?? 0,
	};
	const result: BenchResult = { ...partial, targets: targetsOf(partial) };
	const folder = writeResults(values["results-dir"], result);
	log(`results in ${folder}/`);
	process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : markdownReport(result));
}

main().then(
	() => process.exit(0),
	(e: unknown) => {
		console.error(e);
		process.exit(1);
	},
);
