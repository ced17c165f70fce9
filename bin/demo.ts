import { randomUUID } from "node:crypto";
import cliProgress from "cli-progress";
import { parseDemoOptions } from "./demo/demo-options.ts";
import { sampleOrder } from "./demo/order-factory.ts";
import { releaseOrders, pollUntil } from "./demo/order-pump.ts";
import { collectSummary, formatSummary } from "./demo/summary.ts";
import { startEmbedded } from "./demo/embedded-platform.ts";
import { startDistributed } from "./demo/distributed-platform.ts";
import type { DemoPlatform } from "./demo/platform.ts";
import { ALL_SERVICES } from "./service-catalogue.ts";

async function totalBacklog(platform: DemoPlatform): Promise<number> {
	const perService = await Promise.all(ALL_SERVICES.map((name) => platform.broker.call<Array<{ backlog: number }>>(`${name}.streamBacklog`)));
	return perService.flat().reduce((sum, s) => sum + s.backlog, 0);
}

/**
 * `npm run demo`: the whole platform with its partner simulators, a batch of orders pushed
 * through the governed API, a progress bar while they flow, and a summary at the end.
 */
async function main(): Promise<number> {
	const options = parseDemoOptions(process.argv.slice(2));
	const say = (line: string) => process.stderr.write(`${line}\n`);
	say(`Starting Waybill (${options.distributed ? "distributed: one process per service over NATS and Redis" : "embedded: one process, no servers"})...`);
	const platform: DemoPlatform = options.distributed
		? await startDistributed({ ...options, log: say })
		: await startEmbedded(options);

	const bar = new cliProgress.SingleBar(
		{ format: " {bar} {value}/{total} invoiced | released {released} | delivered {delivered} | {duration}s", stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
		cliProgress.Presets.shades_classic,
	);
	const runId = randomUUID().slice(0, 6);
	const orders = Array.from({ length: options.orders }, (_, i) => sampleOrder(runId, i + 1, { x12: options.x12 }));
	const startedAt = Date.now();
	let released = 0;
	bar.start(options.orders, 0, { released, delivered: 0 });
	try {
		const release = await releaseOrders(platform.gatewayUrl, orders, options.concurrency, () => bar.update({ released: ++released }));
		await pollUntil(async () => {
			const stats = await platform.broker.call<{ invoiced: number; delivered: number }, { stuckAfterMs: number }>("saga.stats", { stuckAfterMs: options.stuckAfterMs });
			bar.update(stats.invoiced, { delivered: stats.delivered, released });
			return stats.invoiced >= release.accepted;
		}, startedAt + options.timeoutMs);
		// Orders are invoiced before the last ERP milestone updates are delivered: let the streams drain.
		await pollUntil(async () => (await totalBacklog(platform)) === 0, Math.min(startedAt + options.timeoutMs, Date.now() + 30_000));
		bar.stop();
		const summary = await collectSummary(platform, { orders: options.orders, accepted: release.accepted, rejected: release.rejected.length, startedAt, stuckAfterMs: options.stuckAfterMs });
		for (const r of release.rejected.slice(0, 5)) say(`refused ${r.orderId}: ${r.status} ${r.detail}`);
		await platform.stop();
		if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
		else process.stdout.write(formatSummary(summary));
		return summary.stuck === 0 && summary.invoiced === summary.accepted && summary.ledgerVerified ? 0 : 1;
	} catch (e: unknown) {
		bar.stop();
		await platform.stop().catch(() => undefined);
		throw e;
	}
}

main().then(
	(code) => process.exit(code),
	(e: unknown) => {
		console.error(e instanceof Error ? `demo failed: ${e.message}` : e);
		process.exit(2);
	},
);
