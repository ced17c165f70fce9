import { parseArgs } from "node:util";

/** Every kind of fault the schedule knows; `--faults` picks a subset (for working on one at a time). */
export const FAULT_KINDS = ["kill", "kill-many", "nats", "redis", "lastmile-api", "poison"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
	orders: number;
	concurrency: number;
	/** Orders released per second: spreads the release over the run so faults hit it, not only the backlog. */
	rate: number;
	timeoutMs: number;
	faults: FaultKind[];
	/** Pause between one fault's recovery and the next fault. */
	faultGapMs: number;
	stepDelayMs: number;
	seed: number;
	/** Keep the log directory even when the run passes. */
	keepLogs: boolean;
}

const USAGE = `usage: run.ts [--orders N] [--concurrency N] [--rate ORDERS_PER_S] [--timeout-ms N]
  [--faults all|none|${FAULT_KINDS.join(",")}] [--fault-gap-ms N] [--step-delay-ms N] [--seed N] [--keep-logs]`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
	if (value === undefined) return fallback;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer\n${USAGE}`);
	return n;
}

function faultKinds(value: string | undefined): FaultKind[] {
	if (value === undefined || value === "all") return [...FAULT_KINDS];
	if (value === "none" || value === "") return [];
	const kinds = value.split(",").map((s) => s.trim());
	const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
	if (unknown.length) throw new Error(`unknown fault kind(s) ${unknown.join(", ")}\n${USAGE}`);
	return kinds as FaultKind[];
}

export function parseChaosOptions(argv: string[]): ChaosOptions {
	const { values } = parseArgs({
		args: argv,
		options: {
			orders: { type: "string" },
			concurrency: { type: "string" },
			rate: { type: "string" },
			"timeout-ms": { type: "string" },
			faults: { type: "string" },
			"fault-gap-ms": { type: "string" },
			"step-delay-ms": { type: "string" },
			seed: { type: "string" },
			"keep-logs": { type: "boolean" },
		},
	});
	return {
		orders: positiveInt("orders", values.orders, 2000),
		concurrency: Math.max(1, positiveInt("concurrency", values.concurrency, 12)),
		rate: Math.max(1, positiveInt("rate", values.rate, 15)),
		timeoutMs: positiveInt("timeout-ms", values["timeout-ms"], 20 * 60_000),
		faults: faultKinds(values.faults),
		faultGapMs: positiveInt("fault-gap-ms", values["fault-gap-ms"], 4_000),
		stepDelayMs: positiveInt("step-delay-ms", values["step-delay-ms"], 20),
		seed: positiveInt("seed", values.seed, Date.now() % 1_000_000),
		keepLogs: values["keep-logs"] ?? false,
	};
}

/** A small seeded PRNG (mulberry32): a failing run's fault choices can be replayed with `--seed`. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
