/**
 * The simulator's own pauses between events (a late manifest, a return's transit time), keyed by
 * what they belong to so a cancel can drop them, and awaited by idle() like queued webhooks.
 */
export class WmsTimers {
  private readonly pending = new Map<string, Set<NodeJS.Timeout>>();
  private waiting: (() => void)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Runs `then` after `ms`, unless `key` is cancelled or the timers stopped first. */
  schedule(key: string, ms: number, then: () => void): void {
    const timers = this.pending.get(key) ?? new Set<NodeJS.Timeout>();
    this.pending.set(key, timers);
    const timer = setTimeout(() => {
      this.forget(key, timer);
      then();
    }, ms);
    timers.add(timer);
    this.count += 1;
  }

  cancel(key: string): void {
    for (const timer of this.pending.get(key) ?? []) {
      clearTimeout(timer);
      this.forget(key, timer);
    }
  }

  /** Resolves once no pause is pending (each has run or was cancelled). */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  stop(): void {
    for (const key of [...this.pending.keys()]) this.cancel(key);
  }

  private forget(key: string, timer: NodeJS.Timeout): void {
    const timers = this.pending.get(key);
    if (timers === undefined || !timers.delete(timer)) return;
    if (timers.size === 0) this.pending.delete(key);
    this.count -= 1;
    if (this.count > 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
