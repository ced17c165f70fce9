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
import { applyScenario } from "./demo/scenario-mix.ts";
import type { SagaStats } from "../services/saga/saga-stats.ts";

/** Every order reached an end (invoiced, cancelled or returned) or stopped moving, and nothing is still on its way. */
async function settled(platform: DemoPlatform, accepted: number, stuckAfterMs: number, onStats: (stats: SagaStats) => void): Promise<boolean> {
	const erp = (await (await fetch(`${platform.simulatorUrls.erp}/_sim/stats`)).json()) as { waybillCallsPending?: number };
	if ((erp.waybillCallsPending ?? 0) > 0 || (await totalBacklog(platform)) > 0) return false;
	const stats = await platform.broker.call<SagaStats, { stuckAfterMs: number }>("saga.stats", { stuckAfterMs });
	onStats(stats);
	return stats.invoiced + stats.cancelled + stats.returned + stats.stuck >= accepted && stats.inFlight === 0;
}

/** Where each stuck order stopped and why, and what was dead-lettered: the first things an operator would look at. */
async function explainStuck(platform: DemoPlatform, orderIds: string[], say: (line: string) => void): Promise<void> {
	for (const orderId of orderIds) {
		const order = await platform.broker.call<{ status: string; timeline: Array<{ type: string; note?: string; status?: string }> }, { orderId: string }>("saga.getOrder", { orderId });
		say(`stuck ${orderId} at ${order.status}; last: ${order.timeline.slice(-4).map((t) => `${t.type}${t.status ? ` → ${t.status}` : ""}${t.note ? ` (${t.note})` : ""}`).join(" | ")}`);
	}
	const letters = await platform.broker.call<Array<{ messageType?: string; orderId: string; error: { type: string; message: string } }>, { limit: number }>("gateway.deadLetters", { limit: 10 });
	for (const l of letters.slice(0, 10)) say(`dead letter ${l.messageType ?? "?"} of ${l.orderId}: ${l.error.type}: ${l.error.message.slice(0, 200)}`);
}

async function totalBacklog(platform: DemoPlatform): Promise<number> {
	const perService = await Promise.all(ALL_SERVICES.map((name) => platform.broker.call<Array<{ backlog: number }>>(`${name}.streamBacklog`)));
	return perService.flat().reduce((sum, s) => sum + s.backlog, 0);
}

/** --serve: the platform stays up for the control tower (and the API) until Ctrl-C or SIGTERM, then stops as usual. */
async function serveUntilStopped(platform: DemoPlatform, say: (line: string) => void): Promise<void> {
	say(`Serving: control tower at ${platform.gatewayUrl}/control-tower, API at ${platform.gatewayUrl}/api/v1 (described at /api/v1/openapi.json). Ctrl-C to stop.`);
	const operator = await issueKey(platform, { name: "demo operator", role: "operator" });
	say(`Operator API key for this run (the control tower asks for it; it dies with the run): ${operator}`);
	await new Promise<void>((resolve) => {
		process.once("SIGINT", resolve);
		process.once("SIGTERM", resolve);
	});
	say("Stopping...");
	await platform.stop();
}

/** Issues an API key with the run's admin key, as an administrator would (POST /ops/api-keys). */
async function issueKey(platform: DemoPlatform, request: { name: string; role: string }): Promise<string> {
	const response = await fetch(`${platform.gatewayUrl}/ops/api-keys`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${platform.apiKey}` }, body: JSON.stringify(request) });
	if (response.status !== 201) throw new Error(`could not issue the ${request.name} key: ${response.status} ${await response.text()}`);
	return ((await response.json()) as { key: string }).key;
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
	await applyScenario(options.scenario, platform.simulatorUrls);
	say(`Control tower: ${platform.gatewayUrl}/control-tower${options.serve ? "" : " (add --serve to keep it up after the run)"}`);

	const bar = new cliProgress.SingleBar(
		{ format: " {bar} {value}/{total} settled | released {released} | delivered {delivered} | exceptions {exceptions} | {duration}s", stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
		cliProgress.Presets.shades_classic,
	);
	const runId = randomUUID().slice(0, 6);
	const orders = Array.from({ length: options.orders }, (_, i) => sampleOrder(runId, i + 1, { x12: options.x12 }));
	const startedAt = Date.now();
	let released = 0;
	bar.start(options.orders, 0, { released, delivered: 0, exceptions: 0 });
	try {
		const release = await releaseOrders(platform, orders, options.concurrency, () => bar.update({ released: ++released }));
		const show = (stats: SagaStats) => bar.update(stats.invoiced + stats.cancelled + stats.returned, { delivered: stats.delivered, released, exceptions: stats.exceptions });
		// Settled twice in a row: an ERP reaction to a last status update (a return) may still be on its way in.
		let quietChecks = 0;
		await pollUntil(async () => {
			quietChecks = (await settled(platform, release.accepted, options.stuckAfterMs, show)) ? quietChecks + 1 : 0;
			return quietChecks >= 2;
		}, startedAt + options.timeoutMs, 500);
		bar.stop();
		const summary = await collectSummary(platform, { orders: options.orders, accepted: release.accepted, rejected: release.rejected.length, startedAt, stuckAfterMs: options.stuckAfterMs });
		for (const r of release.rejected.slice(0, 5)) say(`refused ${r.orderId}: ${r.status} ${r.detail}`);
		await explainStuck(platform, summary.stuckOrders.slice(0, 5), say);
		if (!options.serve) await platform.stop();
		if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
		else process.stdout.write(formatSummary(summary));
		if (options.serve) await serveUntilStopped(platform, say);
		return summary.stuck === 0 && summary.inFlight === 0 && summary.ledgerVerified ? 0 : 1;
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
