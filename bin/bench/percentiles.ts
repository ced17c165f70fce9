export interface Percentiles {
	count: number;
	p50: number;
	p95: number;
	p99: number;
	max: number;
}

/** Nearest-rank percentiles, in the unit given, rounded to 0.1. */
export function percentiles(values: number[]): Percentiles {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0);
	const round = (n: number) => Math.round(n * 10) / 10;
	return { count: sorted.length, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted.at(-1) ?? 0) };
}
