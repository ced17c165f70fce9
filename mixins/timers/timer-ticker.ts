import { DEFAULT_FIRE_LIMIT, DEFAULT_LEASE_MS, type DurableTimers } from "./durable-timers.ts";
import type { TimerHandler } from "./timer-values.ts";

/** How late an SLA clock may fire: far below any deadline it watches, and an idle poll costs one call. */
export const DEFAULT_TICK_MS = 1_000;

export interface TimerTickerOptions<T> {
	timers: Pick<DurableTimers<T>, "fireDue">;
	handler: TimerHandler<T>;
	/**
	 * Every failure: a handler (with its timer id) or a whole run, such as a store outage (no id).
	 * The loop carries on after either; this is where they get logged.
	 */
	onError: (error: unknown, id?: string) => void;
	tickMs?: number;
	limit?: number;
	leaseMs?: number;
	/** Injected by tests; the store's scores are this clock's milliseconds. */
	now?: () => number;
}

/**
 * Runs fireDue every `tickMs` in one replica. A setTimeout chain rather than setInterval, so a
 * slow run (a slow handler, a store timing out) delays the next instead of overlapping it. A full
 * batch means a backlog, so the next run follows at once. The timer is unref'd: a ticker alone
 * never keeps the process alive.
 */
export class TimerTicker<T> {
	readonly #options: Required<Omit<TimerTickerOptions<T>, "timers" | "handler" | "onError">>;
	readonly #timers: TimerTickerOptions<T>["timers"];
	readonly #handler: TimerHandler<T>;
	readonly #onError: TimerTickerOptions<T>["onError"];
	#timeout: NodeJS.Timeout | undefined;
	#running: Promise<void> | undefined;
	#started = false;

	constructor(options: TimerTickerOptions<T>) {
		const { timers, handler, onError, tickMs = DEFAULT_TICK_MS, limit = DEFAULT_FIRE_LIMIT, leaseMs = DEFAULT_LEASE_MS, now = Date.now } = options;
		if (!Number.isSafeInteger(tickMs) || tickMs <= 0) throw new RangeError(`tickMs must be a positive integer; got ${tickMs}`);
		// Zero would count every run as a full batch and spin without pause.
		if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError(`limit must be a positive integer; got ${limit}`);
		this.#options = { tickMs, limit, leaseMs, now };
		this.#timers = timers;
		this.#handler = handler;
		this.#onError = onError;
	}

	/** The first run comes at once, so timers that fell due while no replica ran fire promptly. */
	start(): void {
		if (this.#started) return;
		this.#started = true;
		if (this.#running === undefined) this.#next(0);
	}

	/** No run starts after this; resolves once the run in progress, if any, has finished. */
	async stop(): Promise<void> {
		this.#started = false;
		clearTimeout(this.#timeout);
		this.#timeout = undefined;
		await this.#running;
	}

	#next(delayMs: number): void {
		this.#timeout = setTimeout(() => {
			this.#timeout = undefined;
			this.#running = this.#run();
		}, delayMs).unref();
	}

	async #run(): Promise<void> {
		const { limit, leaseMs, tickMs, now } = this.#options;
		let fired = 0;
		try {
			fired = await this.#timers.fireDue(now(), this.#handler, { limit, leaseMs, onError: (error, id) => this.#report(error, id) });
		} catch (error: unknown) {
			this.#report(error);
		}
		this.#running = undefined;
		if (this.#started) this.#next(fired >= limit ? 0 : tickMs);
	}

	/** A throwing error callback must not end the loop it reports on. */
	#report(error: unknown, id?: string): void {
		try {
			this.#onError(error, id);
		} catch {
			// Nothing left to tell; the next run goes ahead regardless.
		}
	}
}
