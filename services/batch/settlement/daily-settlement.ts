import { DateTime } from "luxon";
import { DurableTimers } from "../../../mixins/timers/durable-timers.ts";
import { TimerTicker } from "../../../mixins/timers/timer-ticker.ts";
import type { Store } from "../../../mixins/store/store.ts";

const TIMER_ID = "daily";
/** A daily run need not start to the second: the store is asked every 10 s, not every second. */
const TICK_MS = 10_000;
/** A run of several days' thousands of facts may take a while before its lease lapses. */
const LEASE_MS = 10 * 60_000;

/** The next `runAt` (HH:mm in `timeZone`) after `now`. */
export function nextRunAt(now: number, timeZone: string, runAt: { hour: number; minute: number }): number {
	const today = DateTime.fromMillis(now, { zone: timeZone }).set({ hour: runAt.hour, minute: runAt.minute, second: 0, millisecond: 0 });
	return (today.toMillis() > now ? today : today.plus({ days: 1 })).toMillis();
}

/** The days a run at `now` settles: `lookbackDays` days back from yesterday, oldest first. */
export function daysToSettle(now: number, timeZone: string, lookbackDays: number): string[] {
	const today = DateTime.fromMillis(now, { zone: timeZone }).startOf("day");
	return Array.from({ length: lookbackDays }, (_, i) => today.minus({ days: lookbackDays - i }).toISODate()!);
}

/**
 * The daily settlement: a durable timer (one replica fires it, a crash fires it again after its
 * lease; runs are idempotent), which settles yesterday and the days before it that
 * SETTLEMENT_LOOKBACK_DAYS names (their late facts), then arms itself for the next day.
 */
export class DailySettlement {
	private readonly timers: DurableTimers<Record<string, never>>;
	private readonly ticker: TimerTicker<Record<string, never>>;

	constructor(
		store: Store,
		private readonly settings: { timeZone: string; runAt: { hour: number; minute: number }; lookbackDays: number },
		run: (day: string) => Promise<unknown>,
		onError: (error: unknown) => void,
	) {
		this.timers = new DurableTimers(store, "settlement");
		this.ticker = new TimerTicker({
			timers: this.timers,
			tickMs: TICK_MS,
			leaseMs: LEASE_MS,
			onError,
			handler: async () => {
				for (const day of daysToSettle(Date.now(), settings.timeZone, settings.lookbackDays)) await run(day);
				await this.arm();
			},
		});
	}

	/** Arms the timer unless it is (a replica starting must not push back a run that is due). */
	async start(): Promise<void> {
		if (!(await this.timers.get(TIMER_ID))) await this.arm();
		this.ticker.start();
	}

	stop(): Promise<void> {
		return this.ticker.stop();
	}

	/** When the next daily run is due (epoch ms), if armed. */
	async next(): Promise<number | undefined> {
		return (await this.timers.get(TIMER_ID))?.dueAt;
	}

	private arm(): Promise<void> {
		return this.timers.schedule({ id: TIMER_ID, dueAt: nextRunAt(Date.now(), this.settings.timeZone, this.settings.runAt), payload: {} });
	}
}
