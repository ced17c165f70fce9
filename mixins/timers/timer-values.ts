/** The timer types and the checks on them, shared by DurableTimers and the ticker. */
export interface Timer<T> {
	id: string;
	/** Epoch milliseconds. */
	dueAt: number;
	/** Stored as JSON: a Date comes back as its ISO string, as from any store value. */
	payload: T;
}

/** Called once per due timer; must be idempotent, since a timer may fire more than once. */
export type TimerHandler<T> = (timer: Timer<T>) => Promise<void> | void;

export interface FireOptions {
	/** Most timers claimed (and handled concurrently) in one call. */
	limit?: number;
	/** A claimed timer is not handed out again before `now + leaseMs`. */
	leaseMs?: number;
	/** Each failed handler or store call, with the timer's id; the other timers carry on. */
	onError?: (error: unknown, id: string) => void;
}

/** Checked before any write, so a bad timer fails the caller instead of a later fireDue. */
export function checkTimer(timer: Timer<unknown>): void {
	if (typeof timer.id !== "string" || timer.id === "") throw new TypeError(`timer id must be a non-empty string; got ${String(timer.id)}`);
	if (!Number.isSafeInteger(timer.dueAt)) throw new RangeError(`timer ${timer.id}: dueAt must be epoch milliseconds; got ${timer.dueAt}`);
}

export function checkFireOptions(now: number, leaseMs: number): void {
	if (!Number.isSafeInteger(now)) throw new RangeError(`now must be epoch milliseconds; got ${now}`);
	if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) throw new RangeError(`leaseMs must be a positive integer; got ${leaseMs}`);
}
