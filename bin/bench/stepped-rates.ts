import type { SalesOrder } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { DemoPlatform } from "../demo/platform.ts";
import { ledgerEntriesBetween } from "./ledger-reader.ts";
import { ledgerLatencies, type LatencyReport } from "./ledger-latency.ts";
import { offerAtRate } from "./open-loop.ts";
import { cpuBetween, serverProcesses, snapshot } from "./process-cpu.ts";
import { waitForInvoices } from "./finished-orders.ts";
import { percentiles, type Percentiles } from "./percentiles.ts";

export interface StepResult {
	ordersPerSecond: number;
	/** Events (ledger entries) the offered orders bring, per second: orders/s times the events an order was measured to make. */
	offeredEventsPerSecond: number;
	/** Ledger entries committed per second while the load ran (after the warm-up of the step). */
	committedEventsPerSecond: number;
	accepted: number;
	refused: number;
	skipped: number;
	/** From the last release sent to the last of the step's orders invoiced; undefined when it did not drain in time. */
	drainMs: number | undefined;
	keptUp: boolean;
	httpMs: Percentiles;
	latency: LatencyReport;
	/** CPU seconds each process used per 1,000 events committed during the step and its drain. */
	cpuSecondsPer1000Events: Record<string, number>;
}

export interface StepPlan {
	stepMs: number;
	/** The first part of each step is left out of its rates and latencies: the queues fill to their steady level. */
	warmMs: number;
	/** How long finishing the step's orders may take before the step counts as saturated. */
	drainWithinMs: number;
	eventsPerOrder: number;
}

/**
 * A step kept up when the ledger took at least 90% of what was offered, no queue was building
 * (latency at the end of the step at most twice that at its start, or under 50 ms), and its
 * orders finished within 5 s of the load stopping.
 */
const KEPT_UP_DRAIN_MS = 5_000;
const KEPT_UP_SHARE = 0.9;
const KEPT_UP_GROWTH = 2;
const NEGLIGIBLE_MS = 50;

/**
 * One open-loop step at a fixed rate: release orders at `ordersPerSecond` for the step, wait for
 * them to finish, then read what the ledger recorded to measure throughput, latency and CPU.
 */
export async function runStep(
	platform: DemoPlatform,
	store: Store,
	ordersPerSecond: number,
	plan: StepPlan,
	nextOrder: () => SalesOrder,
	invoicedBefore: number,
): Promise<StepResult> {
	const processes = [...(platform.processes?.() ?? []), ...serverProcesses()];
	const cpuBefore = snapshot(processes);
	const started = Date.now();
	const offered = await offerAtRate(platform, ordersPerSecond, plan.stepMs, nextOrder);
	const loadEnded = Date.now();
	const drainMs = await waitForInvoices(platform.simulatorUrls.erp, invoicedBefore + offered.accepted, plan.drainWithinMs);
	const ended = Date.now();
	const cpu = cpuBetween(cpuBefore, snapshot(processes));
	const entries = await ledgerEntriesBetween(store, started, ended);
	const window = { fromMs: started + plan.warmMs, toMs: loadEnded };
	const committed = entries.filter((e) => {
		const at = Date.parse(e.recordedAt);
		return at >= window.fromMs && at <= window.toMs;
	}).length;
	const committedEventsPerSecond = Math.round((committed / (window.toMs - window.fromMs)) * 1000);
	const offeredEventsPerSecond = Math.round(ordersPerSecond * plan.eventsPerOrder);
	const latency = ledgerLatencies(entries, window, offered.sentAt);
	const queueSteady = latency.queueGrowth <= KEPT_UP_GROWTH || latency.ingressToFact.p50 < NEGLIGIBLE_MS;
	return {
		ordersPerSecond,
		offeredEventsPerSecond,
		committedEventsPerSecond,
		accepted: offered.accepted,
		refused: offered.refused,
		skipped: offered.skipped,
		drainMs,
		keptUp: offered.refused === 0 && offered.skipped === 0 && queueSteady && drainMs !== undefined && drainMs <= KEPT_UP_DRAIN_MS && committedEventsPerSecond >= KEPT_UP_SHARE * offeredEventsPerSecond,
		httpMs: percentiles(offered.httpMs),
		latency,
		cpuSecondsPer1000Events: Object.fromEntries([...cpu].map(([name, seconds]) => [name, entries.length ? Math.round((seconds / entries.length) * 1000 * 100) / 100 : 0])),
	};
}
