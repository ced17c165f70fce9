import type { ServerResponse } from "node:http";
import { DEFAULT_FAULT_PROBABILITY, DEFAULT_HOLD_MS, DEFAULT_RETRY_AFTER_SECONDS, type ApiFaultSettings, type ApiFaultState } from "./fault-settings.ts";

/** What one faulted request meets. */
export type Fault = { mode: "error500" } | { mode: "rate-limit"; retryAfterSeconds: number } | { mode: "timeout"; holdMs: number };

/**
 * The partner API's misbehaviour: which fault requests meet, for how long, and the requests a
 * timeout fault is holding, so clearing the fault or stopping the server can end them.
 */
export class ApiFaults {
  private current: ApiFaultState = settle({ mode: "none" });
  private expiry: NodeJS.Timeout | undefined;
  /** Each entry answers one held request; a held request must never outlive its fault. */
  private readonly held = new Set<() => void>();
  private served = 0;

  get faultsServed(): number {
    return this.served;
  }

  state(): ApiFaultState {
    return { ...this.current };
  }

  set(settings: ApiFaultSettings): ApiFaultState {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    this.current = settle(settings);
    if (this.current.mode !== "timeout") this.releaseHeld();
    if (this.current.durationMs !== undefined) {
      this.expiry = setTimeout(() => this.set({ mode: "none" }), this.current.durationMs);
      // A fault left to expire must not keep the process alive on its own.
      this.expiry.unref();
    }
    return this.state();
  }

  /** The fault this request meets, if any; a fault returned here is counted as served. */
  pick(): Fault | undefined {
    const { mode, probability, retryAfterSeconds, holdMs } = this.current;
    if (mode === "none" || Math.random() >= probability) return undefined;
    this.served += 1;
    if (mode === "error500") return { mode };
    if (mode === "rate-limit") return { mode, retryAfterSeconds };
    return { mode, holdMs };
  }

  /** Leaves a request unanswered until holdMs passed or the fault ends, then calls `answer`. */
  hold(res: ServerResponse, holdMs: number, answer: () => void): void {
    const forget = (): void => {
      clearTimeout(timer);
      this.held.delete(end);
    };
    const end = (): void => {
      forget();
      if (!res.writableEnded && !res.destroyed) answer();
    };
    const timer = setTimeout(end, holdMs);
    this.held.add(end);
    // A client that gave up needs no answer, and its timer must not linger.
    res.once("close", forget);
  }

  /** Back to healthy, ending held requests and the expiry timer: a stopped server keeps none. */
  clear(): void {
    this.set({ mode: "none" });
  }

  private releaseHeld(): void {
    for (const end of [...this.held]) end();
  }
}

/** The full state for a change, with defaults filled in; a "none" fault has nothing to expire. */
function settle(settings: ApiFaultSettings): ApiFaultState {
  const state: ApiFaultState = {
    mode: settings.mode,
    probability: settings.probability ?? DEFAULT_FAULT_PROBABILITY,
    retryAfterSeconds: settings.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    holdMs: settings.holdMs ?? DEFAULT_HOLD_MS,
  };
  if (settings.durationMs === undefined || settings.mode === "none") return state;
  return { ...state, durationMs: settings.durationMs, expiresAt: new Date(Date.now() + settings.durationMs).toISOString() };
}
