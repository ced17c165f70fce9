/** How far back a partner's error rate looks, and how finely: 30 buckets of 10 s. */
export const OUTCOME_WINDOW_MS = 5 * 60_000;
const BUCKET_MS = 10_000;
const BUCKETS = OUTCOME_WINDOW_MS / BUCKET_MS;

export interface RecentOutcomes {
	windowMs: number;
	calls: number;
	failures: number;
}

/**
 * Calls to one partner and how many failed, over the last few minutes: a ring of time buckets,
 * so memory is fixed and reading is a sum of 30 numbers, however busy the partner is.
 */
export class OutcomeWindow {
	private readonly starts = new Array<number>(BUCKETS).fill(-1);
	private readonly calls = new Array<number>(BUCKETS).fill(0);
	private readonly failures = new Array<number>(BUCKETS).fill(0);

	record(failed: boolean, now = Date.now()): void {
		const start = now - (now % BUCKET_MS);
		const i = Math.floor(start / BUCKET_MS) % BUCKETS;
		if (this.starts[i] !== start) {
			this.starts[i] = start;
			this.calls[i] = 0;
			this.failures[i] = 0;
		}
		this.calls[i]!++;
		if (failed) this.failures[i]!++;
	}

	snapshot(now = Date.now()): RecentOutcomes {
		let calls = 0;
		let failures = 0;
		for (let i = 0; i < BUCKETS; i++) {
			if (this.starts[i]! <= now - OUTCOME_WINDOW_MS) continue;
			calls += this.calls[i]!;
			failures += this.failures[i]!;
		}
		return { windowMs: OUTCOME_WINDOW_MS, calls, failures };
	}
}
