import { setTimeout as sleep } from "node:timers/promises";
import type { ErpAction } from "./erp-scenario.ts";
import { callFor, needsOrder, type ErpOrder, type SentKind } from "./erp-requests.ts";

export interface ErpDriverOptions {
  /** Waybill's gateway, e.g. `http://127.0.0.1:3000`; may be set later with `setWaybillUrl`. */
  waybillUrl?: string;
  /** Pauses between attempts of one call; the last one repeats. */
  retryDelaysMs?: readonly number[];
  maxAttempts?: number;
  /** Where to say that a call failed; silent by default so test output stays clean. */
  log?: (line: string) => void;
  /** The ERP's API key for Waybill's governed API (scopes orders:write and orders:read); may be set later with `setWaybillUrl`. */
  apiKey?: string;
}

export const DEFAULT_DRIVER_RETRY_DELAYS_MS: readonly number[] = [100, 250, 500, 1000, 2000];
export const DEFAULT_DRIVER_MAX_ATTEMPTS = 10;
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface DriverStats {
  /** Attempts that failed and were tried again (5xx, 429, connection errors). */
  failures: number;
  /** Calls Waybill answered with a 4xx: not retried. */
  refused: number;
  /** Calls given up after the last attempt, or that could not be written (order unknown). */
  abandoned: number;
}

interface Answer {
  status: number;
  body: unknown;
}

/**
 * The ERP as a client of Waybill's governed API: cancellations, changes and returns, sent after
 * the status update that prompted them was answered. Calls of one order go one at a time, in
 * order; each carries an Idempotency-Key and is retried with backoff until Waybill takes it.
 */
export class ErpDriver {
  readonly stats: DriverStats = { failures: 0, refused: 0, abandoned: 0 };
  private readonly orders = new Map<string, ErpOrder>();
  private readonly sent = new Map<string, SentKind[]>();
  private readonly queued = new Set<string>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly controller = new AbortController();
  private waybillUrl: string | undefined;
  private apiKey: string | undefined;

  constructor(private readonly options: ErpDriverOptions = {}) {
    this.waybillUrl = options.waybillUrl;
    this.apiKey = options.apiKey;
  }

  setWaybillUrl(url: string, apiKey?: string): void {
    this.waybillUrl = url.replace(/\/+$/, "");
    if (apiKey !== undefined) this.apiKey = apiKey;
  }

  remember(order: ErpOrder): void {
    this.orders.set(order.orderId, structuredClone(order));
  }

  /** What Waybill accepted from the ERP for an order, in order. */
  sentFor(orderId: string): SentKind[] {
    return [...(this.sent.get(orderId) ?? [])];
  }

  sentByOrder(kind: SentKind): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [orderId, kinds] of this.sent) {
      const n = kinds.filter((k) => k === kind).length;
      if (n > 0) counts[orderId] = n;
    }
    return counts;
  }

  /** Queues the actions behind anything still pending for the order; an action already queued once is not queued again. */
  act(orderId: string, actions: ErpAction[]): void {
    for (const action of actions) {
      const once = `${orderId}\u0000${action.kind}\u0000${action.kind === "change" ? action.on : ""}`;
      if (this.controller.signal.aborted || this.queued.has(once)) continue;
      this.queued.add(once);
      const tail = (this.chains.get(orderId) ?? Promise.resolve()).then(() => this.perform(orderId, action));
      this.chains.set(orderId, tail);
      void tail.then(() => {
        if (this.chains.get(orderId) === tail) this.chains.delete(orderId);
      });
    }
  }

  /** Orders with calls still queued or under way. */
  pending(): number {
    return this.chains.size;
  }

  /** Resolves once every call queued so far was taken, refused or given up. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /** Drops pending calls and waits until no timer or request of ours is left. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.idle();
  }

  private async perform(orderId: string, action: ErpAction): Promise<void> {
    try {
      const order = this.orders.get(orderId) ?? (needsOrder(action) ? await this.fetchOrder(orderId) : undefined);
      if (needsOrder(action) && order === undefined) return this.giveUp(`cannot ${action.kind} ${orderId}: the order is not known`);
      const call = callFor(orderId, action, order);
      const answer = await this.request(call.method, call.path, call.idempotencyKey, call.body);
      if (answer === undefined) return this.giveUp(`gave up on ${call.method} ${call.path}`);
      if (answer.status >= 400) {
        this.stats.refused += 1;
        return this.log(`${call.method} ${call.path} refused: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      this.sent.set(orderId, [...(this.sent.get(orderId) ?? []), call.kind]);
    } catch (err: unknown) {
      if (!this.controller.signal.aborted) this.giveUp(`${action.kind} of ${orderId} failed: ${String(err)}`);
    }
  }

  /** The order as Waybill holds it, when the ERP was not told of it (it released the order elsewhere). */
  private async fetchOrder(orderId: string): Promise<ErpOrder | undefined> {
    const answer = await this.request("GET", `/api/v1/orders/${encodeURIComponent(orderId)}`);
    const order = (answer?.status === 200 ? (answer.body as { order?: ErpOrder }).order : undefined);
    if (order !== undefined) this.remember(order);
    return order;
  }

  private async request(method: string, path: string, idempotencyKey?: string, body?: unknown): Promise<Answer | undefined> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_DRIVER_RETRY_DELAYS_MS;
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_DRIVER_MAX_ATTEMPTS;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(delays[Math.min(attempt - 2, delays.length - 1)] ?? 0, undefined, { signal: this.controller.signal });
      const outcome = await this.attempt(method, path, idempotencyKey, body);
      if (typeof outcome !== "string" && !retryable(outcome)) return outcome;
      this.stats.failures += 1;
      this.log(`${method} ${path} attempt ${attempt} failed: ${typeof outcome === "string" ? outcome : `HTTP ${outcome.status}`}`);
    }
    return undefined;
  }

  private async attempt(method: string, path: string, idempotencyKey?: string, body?: unknown): Promise<Answer | string> {
    if (this.waybillUrl === undefined) return "no Waybill URL set";
    const signal = this.controller.signal;
    try {
      const res = await fetch(`${this.waybillUrl}${path}`, {
        method,
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}), ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      const text = await res.text();
      return { status: res.status, body: parsed(text) };
    } catch (err: unknown) {
      if (signal.aborted) throw err;
      return err instanceof Error ? err.message : String(err);
    }
  }

  private giveUp(line: string): void {
    this.stats.abandoned += 1;
    this.log(line);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/**
 * Worth another attempt: Waybill busy or down, or the first attempt of this key still running
 * there. A 404 too: the driver only acts on orders Waybill told it about, so "unknown order" means
 * Waybill sent the status update before it saved the order, and will know it in a moment.
 */
function retryable(answer: Answer): boolean {
  if (answer.status >= 500 || answer.status === 429 || answer.status === 408 || answer.status === 404) return true;
  const type = (answer.body as { type?: unknown } | undefined)?.type;
  return answer.status === 409 && typeof type === "string" && type.endsWith("/request-in-progress");
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
