import type { Baselines } from "./baselines.ts";
import type { InFlightLevel } from "./in-flight.ts";
import type { StepResult } from "./stepped-rates.ts";

export interface BenchResult extends Baselines {
	startedAt: string;
	node: string;
	machine: { cpus: number; memoryGiB: number };
	quick: boolean;
	/** Ledger entries one order makes end to end (measured in the warm-up): an event is one message the platform handled and recorded. */
	eventsPerOrder: number;
	steps: StepResult[];
	/** Committed events/s of the highest step that kept up. */
	e2eEventsPerSec: number;
	e2eOrdersPerSec: number;
	/** Committed events/s of the first step that did not keep up, when one was reached: what got through once saturated (it can be below the sustained rate). */
	saturatedEventsPerSec: number | undefined;
	ratioToJetStream: number;
	/** Raw ordered consumption over raw JetStream publish: the throughput ratio JetStream itself reaches when consumed as Waybill consumes, with no application work at all. */
	engineCeilingRatio: number;
	/** Sustained events/s over raw ordered consumption: how much of that ceiling the platform's own work leaves. */
	ratioToOrderedConsume: number;
	/** The step at half the sustained rate, whose latencies are the headline. */
	halfRate: StepResult | undefined;
	p50Ms: number;
	p95Ms: number;
	p99Ms: number;
	inFlight: InFlightLevel[];
	/** Why the in-flight measurement stopped, when it did. */
	inFlightError?: string;
	/** Redis bytes per order in flight at the highest level measured. */
	redisBytesPerOrder: number;
	targets: Record<string, { target: string; measured: string; met: boolean }>;
}

/** Growth from the first in-flight level to the last that still counts as none: measurement noise. */
const NO_GROWTH_TOLERANCE = 1.2;

export function targetsOf(result: Omit<BenchResult, "targets">): BenchResult["targets"] {
	const first = result.inFlight[0];
	const last = result.inFlight.at(-1);
	const latencyGrowth = first && last ? last.probeIngressToFact.p99 / Math.max(1, first.probeIngressToFact.p99) : Number.NaN;
	const memoryGrowth = first && last ? last.marginalRedisBytesPerOrder / Math.max(1, first.redisBytesPerOrder) : Number.NaN;
	return {
		throughput: { target: "e2e events/s >= 0.2 x raw JetStream publish/s (stretch 0.3)", measured: `${result.ratioToJetStream}`, met: result.ratioToJetStream >= 0.2 },
		latency: { target: "p99 ingress to ledger <= 50 ms at half the sustained rate", measured: `${result.p99Ms} ms`, met: result.halfRate !== undefined && result.p99Ms <= 50 },
		inFlightGrowth: {
			target: `no growth in p99 or Redis bytes per order from ${first?.ordersInFlight ?? "-"} to ${last?.ordersInFlight ?? "-"} in flight (within ${NO_GROWTH_TOLERANCE}x)`,
			measured: `p99 x${latencyGrowth.toFixed(2)}, bytes per added order x${memoryGrowth.toFixed(2)}`,
			met: latencyGrowth <= NO_GROWTH_TOLERANCE && memoryGrowth <= NO_GROWTH_TOLERANCE,
		},
	};
}
