import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { startEmbedded } from "./demo/embedded-platform.ts";
import { startDistributed } from "./demo/distributed-platform.ts";
import { sampleOrder } from "./demo/order-factory.ts";
import { pollUntil, releaseOrders } from "./demo/order-pump.ts";
import type { DemoPlatform } from "./demo/platform.ts";

/**
 * `npm run bench`: throughput and order-to-invoice latency of the order-to-delivery flow with
 * partners answering instantly, and the process's peak memory. Prints one JSON line.
 */
const { values } = parseArgs({
	options: { orders: { type: "string", default: "1000" }, concurrency: { type: "string", default: "32" }, distributed: { type: "boolean", default: false } },
});
const orders = Number(values.orders);
const concurrency = Number(values.concurrency);

function percentile(sorted: number[], p: number): number {
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

async function latencies(platform: DemoPlatform, ids: string[]): Promise<number[]> {
	const out: number[] = [];
	for (let i = 0; i < ids.length; i += 50) {
		const batch = await Promise.all(
			ids.slice(i, i + 50).map((orderId) => platform.broker.call<{ createdAt: string; timeline: Array<{ status?: string; recordedAt: string }> }, { orderId: string }>("saga.getOrder", { orderId })),
		);
		for (const saga of batch) {
			const invoiced = saga.timeline.find((t) => t.status === "invoiced");
			if (invoiced) out.push(Date.parse(invoiced.recordedAt) - Date.parse(saga.createdAt));
		}
	}
	return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
	let peakRss = 0;
	const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
	const platform = values.distributed
		? await startDistributed({ stepDelayMs: 0, transporter: process.env.TRANSPORTER || "nats://127.0.0.1:4222", redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379", keep: false, log: (l) => process.stderr.write(`${l}\n`) })
		: await startEmbedded({ stepDelayMs: 0 });
	const runId = randomUUID().slice(0, 6);
	const batch = Array.from({ length: orders }, (_, i) => sampleOrder(runId, i + 1));
	const rssBefore = process.memoryUsage().rss;
	const started = Date.now();
	const released = await releaseOrders(platform, batch, concurrency, () => undefined);
	const releasedMs = Date.now() - started;
	// Counted where a user would look, at the ERP: polling saga.stats would read every order's state and slow the run it measures.
	const invoicesAtErp = async () => ((await (await fetch(`${platform.simulatorUrls.erp}/_sim/stats`)).json()) as { invoices: number }).invoices;
	const finished = await pollUntil(async () => (await invoicesAtErp()) >= released.accepted, started + 600_000, 200);
	const durationMs = Date.now() - started;
	const sorted = await latencies(platform, batch.map((o) => o.orderId));
	const ledger = await platform.broker.call<{ entries: number }>("ledger.stats");
	await platform.stop();
	clearInterval(sampler);
	const result = {
		mode: platform.mode,
		orders,
		accepted: released.accepted,
		finished,
		durationMs,
		releaseRatePerSecond: Math.round((released.accepted / releasedMs) * 1000),
		ordersPerSecond: Math.round((released.accepted / durationMs) * 1000 * 10) / 10,
		messagesPerSecond: Math.round((ledger.entries / durationMs) * 1000),
		orderToInvoiceMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
		ledgerEntries: ledger.entries,
		rssMb: { before: Math.round(rssBefore / 2 ** 20), peak: Math.round(peakRss / 2 ** 20) },
		node: process.version,
	};
	process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
	() => process.exit(0),
	(e: unknown) => {
		console.error(e);
		process.exit(1);
	},
);
