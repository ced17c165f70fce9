import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchResult } from "./bench-result.ts";
import { ORDERED_CONSUME } from "./ordered-consume-shape.ts";
import { latencyChartSvg } from "./latency-chart.ts";

const n = (v: number | undefined) => (v === undefined ? "-" : v.toLocaleString("en-US"));

/** The human-readable table: baselines, every step, per-hop latency and CPU of the headline step, in-flight levels, targets. */
export function markdownReport(r: BenchResult): string {
	const lines = [
		`# Waybill benchmark, ${r.startedAt}`,
		"",
		`Distributed mode: one process per service and per partner simulator, NATS JetStream and Redis, all on this machine (${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB, Node ${r.node})${r.quick ? "; **quick run**: too short to mean anything about speed" : ""}.`,
		"",
		"## Raw engines",
		"",
		"| engine | per second |",
		"|---|---|",
		`| NATS core publish-subscribe (${r.payloadBytes} B) | ${n(r.rawNatsPubSubPerSec)} messages |`,
		`| JetStream async publish with message ids (${r.payloadBytes} B, ${r.rawJetStreamWindow} in flight) | ${n(r.rawJetStreamPublishPerSec)} messages |`,
		`| JetStream consumed as Waybill does (${r.payloadBytes} B, ${ORDERED_CONSUME.groups} groups x ${ORDERED_CONSUME.partitions} partitions, one unacked each), published and acked by every group | ${n(r.rawOrderedConsumePerSec)} messages |`,
		`| Moleculer remote calls over NATS (64 in flight) | ${n(r.rawMoleculerCallsPerSec)} calls |`,
		"",
		"## End to end, open loop, stepped",
		"",
		`An event is one message Waybill handled and recorded in the ledger (an order makes ${r.eventsPerOrder}). Latency: ingress (release sent, webhook stored) to the ledger commit of the fact it became.`,
		"",
		"| orders/s offered | events/s offered | events/s committed | kept up | drain s | queue growth | p50 ms | p95 ms | p99 ms | to last consequence p99 ms | HTTP p99 ms |",
		"|---|---|---|---|---|---|---|---|---|---|---|",
		...r.steps.map((s) => `| ${s.ordersPerSecond} | ${n(s.offeredEventsPerSecond)} | ${n(s.committedEventsPerSecond)} | ${s.keptUp ? "yes" : "**no**"} | ${s.drainMs === undefined ? "timeout" : (s.drainMs / 1000).toFixed(1)} | x${s.latency.queueGrowth} | ${s.latency.ingressToFact.p50} | ${s.latency.ingressToFact.p95} | ${s.latency.ingressToFact.p99} | ${s.latency.ingressToLastConsequence.p99} | ${s.httpMs.p99} |`),
		"",
		`Sustained: **${n(r.e2eEventsPerSec)} events/s** (${r.e2eOrdersPerSec} orders/s); once saturated ${n(r.saturatedEventsPerSec)} events/s got through; **${r.ratioToJetStream}x** raw JetStream publish, ${r.ratioToOrderedConsume}x raw ordered consumption (which is itself ${r.engineCeilingRatio}x raw publish: the ceiling of any platform that consumes as Waybill does). At half the sustained rate: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 **${r.p99Ms} ms**.`,
	];
	const headline = r.halfRate ?? r.steps.at(-1);
	if (headline) {
		lines.push("", `## Per hop, at ${headline.ordersPerSecond} orders/s`, "", "| hop | count | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|");
		for (const [hop, p] of Object.entries(headline.latency.hops)) lines.push(`| ${hop} | ${n(p.count)} | ${p.p50} | ${p.p95} | ${p.p99} |`);
		const top = [...r.steps].reverse().find((s) => s.keptUp) ?? headline;
		lines.push("", `## CPU seconds per 1,000 events, at ${top.ordersPerSecond} orders/s`, "", "| process | CPU s / 1,000 events |", "|---|---|");
		for (const [name, seconds] of Object.entries(top.cpuSecondsPer1000Events).sort(([, a], [, b]) => b - a)) lines.push(`| ${name} | ${seconds} |`);
	}
	lines.push("", "## Orders in flight", "", "| in flight | Redis bytes per order | per order added since the level before | probe p50 ms | probe p99 ms | fill minutes |", "|---|---|---|---|---|---|");
	for (const level of r.inFlight) lines.push(`| ${n(level.ordersInFlight)} | ${n(level.redisBytesPerOrder)} | ${n(level.marginalRedisBytesPerOrder)} | ${level.probeIngressToFact.p50} | ${level.probeIngressToFact.p99} | ${level.fillMinutes} |`);
	if (r.inFlightError) lines.push("", `The in-flight measurement stopped: ${r.inFlightError}`);
	lines.push("", "## Targets", "", "| target | measured | met |", "|---|---|---|");
	for (const t of Object.values(r.targets)) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`);
	return `${lines.join("\n")}\n`;
}

/** Writes results.json, results.md and latency-vs-throughput.svg into a fresh folder under `root`; returns the folder. */
export function writeResults(root: string, result: BenchResult): string {
	const folder = join(root, result.startedAt.replace(/[:.]/g, "-"));
	mkdirSync(folder, { recursive: true });
	writeFileSync(join(folder, "results.json"), `${JSON.stringify(result, null, 2)}\n`);
	writeFileSync(join(folder, "results.md"), markdownReport(result));
	writeFileSync(join(folder, "latency-vs-throughput.svg"), latencyChartSvg(result.steps, `Waybill ${chartSubtitle(result)}: latency vs throughput`));
	return folder;
}

const chartSubtitle = (r: BenchResult) => (r.quick ? "quick run" : `${r.machine.cpus} cores`);
