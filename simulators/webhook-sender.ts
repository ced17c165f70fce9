import { setTimeout as sleep } from "node:timers/promises";
import type { WebhookChaos } from "./fault-settings.ts";
import { initialChaos, swapIndex } from "./webhook-chaos.ts";

/**
 * Options shared by the simulators that call back into Waybill (WMS and last-mile). The webhook
 * chaos settings (`duplicateWebhooks`, `outOfOrderProbability`) can be changed later through
 * `setFaults` or `POST /_sim/faults`.
 */
export interface WebhookSimOptions extends Partial<WebhookChaos> {
  /** Where webhooks go; may be left out and set later with `setCallbackUrl`. */
  callbackUrl?: string;
  secret: string;
  /** Pause before each event of a flow. */
  stepDelayMs?: number;
  /** Pauses between attempts of one delivery; the last one repeats. */
  retryDelaysMs?: readonly number[];
  maxAttempts?: number;
  /** Where to say that a delivery failed; silent by default so test output stays clean. */
  log?: (line: string) => void;
}

export const DEFAULT_STEP_DELAY_MS = 50;
/** Roughly what real partners do: quick retries first, then a steady slow cadence. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 500, 1000, 2000, 5000];
export const DEFAULT_MAX_ATTEMPTS = 20;
const ATTEMPT_TIMEOUT_MS = 10_000;

/** One webhook, serialised and signed once so every retry carries the same bytes and ids. */
export interface Delivery {
  id: string;
  body: string;
  headers: Record<string, string>;
  /** A partner that signs a timestamp signs each attempt anew: these headers are recomputed per attempt. */
  signAttempt?: () => Record<string, string>;
}

/** Builds an event when its turn comes, so `occurredAt` and state are those of sending time. */
export type Step = () => Delivery;

export interface WebhookStats {
  sent: number;
  failures: number;
  abandoned: number;
  /** Extra copies of deliveries that had already succeeded. */
  duplicates: number;
  /** Flows in which an event went out after its successor. */
  reordered: number;
}

interface Stream {
  controller: AbortController;
  tail: Promise<void>;
}

/**
 * Sends webhooks the way real partners do: retried with backoff until a 2xx, events of one
 * stream (one order or task) strictly one at a time, different streams concurrently. With chaos
 * set, it also does what sloppy partners do: sends a delivery again after it succeeded, and lets
 * an event overtake the one before it.
 */
export class WebhookSender {
  readonly stats: WebhookStats = { sent: 0, failures: 0, abandoned: 0, duplicates: 0, reordered: 0 };
  private readonly streams = new Map<string, Stream>();
  private callbackUrl: string | undefined;
  private stopped = false;
  private currentChaos: WebhookChaos;

  constructor(private readonly options: WebhookSimOptions) {
    this.callbackUrl = options.callbackUrl;
    this.currentChaos = initialChaos(options);
  }

  chaos(): WebhookChaos {
    return { ...this.currentChaos };
  }

  /** Duplicates change from the next delivery on; a swap is drawn as a flow starts, so one under way keeps its order. */
  setChaos(change: Partial<WebhookChaos>): void {
    this.currentChaos = initialChaos({ ...this.currentChaos, ...change });
  }

  setCallbackUrl(url: string): void {
    this.callbackUrl = url;
  }

  /** Queues a flow's events behind anything still pending for the same stream. */
  sequence(streamKey: string, steps: Step[]): void {
    if (this.stopped) return;
    let stream = this.streams.get(streamKey);
    if (stream === undefined) {
      stream = { controller: new AbortController(), tail: Promise.resolve() };
      this.streams.set(streamKey, stream);
    }
    const current = stream;
    const tail = current.tail.then(() => this.run(streamKey, steps, current.controller.signal));
    current.tail = tail;
    void tail.then(() => {
      if (current.tail === tail && this.streams.get(streamKey) === current) this.streams.delete(streamKey);
    });
  }

  /** Drops what is still pending for a stream, including a delivery being retried. */
  cancel(streamKey: string): void {
    this.streams.get(streamKey)?.controller.abort();
    this.streams.delete(streamKey);
  }

  /** Resolves once every queued event was delivered or given up. */
  async idle(): Promise<void> {
    while (this.streams.size > 0) await Promise.all([...this.streams.values()].map((s) => s.tail));
  }

  /** Stops every stream and waits until no timer or request of ours is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    const pending = [...this.streams.values()];
    for (const stream of pending) stream.controller.abort();
    this.streams.clear();
    await Promise.all(pending.map((s) => s.tail));
  }

  private async run(streamKey: string, steps: Step[], signal: AbortSignal): Promise<void> {
    const swapAt = swapIndex(steps.length, this.currentChaos.outOfOrderProbability);
    // The overtaken event: built in its turn, so its payload tells its own moment, sent late.
    let heldBack: Delivery | undefined;
    try {
      for (const [i, step] of steps.entries()) {
        await sleep(this.options.stepDelayMs ?? DEFAULT_STEP_DELAY_MS, undefined, { signal });
        const delivery = step();
        if (i === swapAt) {
          heldBack = delivery;
          continue;
        }
        if (!(await this.deliverInFlow(streamKey, delivery, signal))) return;
        if (heldBack === undefined) continue;
        this.stats.reordered += 1;
        const late = heldBack;
        heldBack = undefined;
        if (!(await this.deliverInFlow(streamKey, late, signal))) return;
      }
    } catch (err: unknown) {
      if (!signal.aborted) this.log(`stream ${streamKey} failed: ${String(err)}`);
    }
  }

  private async deliverInFlow(streamKey: string, delivery: Delivery, signal: AbortSignal): Promise<boolean> {
    if (await this.deliver(delivery, signal)) return true;
    // Later events would overtake the lost one, so the rest of the flow is dropped too.
    this.log(`gave up on ${streamKey}; dropping its remaining events`);
    return false;
  }

  private async deliver(delivery: Delivery, signal: AbortSignal): Promise<boolean> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(delays[Math.min(attempt - 2, delays.length - 1)] ?? 0, undefined, { signal });
      const outcome = await this.attempt(delivery, signal);
      if (outcome === "ok") {
        this.stats.sent += 1;
        await this.sendDuplicates(delivery, signal);
        return true;
      }
      this.stats.failures += 1;
      this.log(`delivery ${delivery.id} attempt ${attempt} failed: ${outcome}`);
    }
    this.stats.abandoned += 1;
    return false;
  }

  /**
   * The copies an over-eager partner sends after a success it did not trust: the same bytes,
   * signature and ids, each sent once, and their answers ignored, as the delivery already landed.
   */
  private async sendDuplicates(delivery: Delivery, signal: AbortSignal): Promise<void> {
    for (let copy = 2; copy <= this.currentChaos.duplicateWebhooks; copy++) {
      this.stats.duplicates += 1;
      const outcome = await this.attempt(delivery, signal);
      if (outcome !== "ok") this.log(`duplicate ${copy} of delivery ${delivery.id} failed: ${outcome}`);
    }
  }

  private async attempt(delivery: Delivery, signal: AbortSignal): Promise<"ok" | string> {
    const url = this.callbackUrl;
    if (url === undefined) return "no callback URL set";
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: delivery.signAttempt ? { ...delivery.headers, ...delivery.signAttempt() } : delivery.headers,
        body: delivery.body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      // Drain the body so the keep-alive socket can be reused.
      await res.arrayBuffer();
      return res.ok ? "ok" : `HTTP ${res.status}`;
    } catch (err: unknown) {
      if (signal.aborted) throw err;
      return err instanceof Error ? err.message : String(err);
    }
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
