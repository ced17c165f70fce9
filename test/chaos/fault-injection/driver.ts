import type { SalesOrder } from "../../../canonical/index.ts";
import { sleep } from "./log.ts";

/** One request may hang on a dying gateway; give up on that attempt, not on the order. */
const ATTEMPT_TIMEOUT_MS = 20_000;
/** An order the gateway will not take for this long (every attempt 5xx or refused) is reported, not retried forever. */
const GIVE_UP_AFTER_MS = 5 * 60_000;

export interface Refusal {
	orderId: string;
	status: number;
	detail: string;
}

/**
 * Releases orders through the governed API the way an ERP integration would: each with its own
 * Idempotency-Key, retried on network errors, 5xx and 429 (after Retry-After, else an
 * exponential backoff), and on 409 request-in-progress, until the gateway answers 2xx. Retries are safe: the gateway stores a
 * release once per order. A 4xx other than 429 is a refusal, which must not happen to these
 * valid orders, and fails the suite.
 */
export class OrderDriver {
	/** Order id to the time its 202 arrived. */
	readonly accepted = new Map<string, number>();
	readonly refused: Refusal[] = [];
	readonly unreleased: string[] = [];
	retries = 0;
	settled = 0;
	private next = 0;
	private startedAt = 0;

	constructor(
		private readonly gatewayUrl: string,
		/** Sent as `Authorization: Bearer`: a key with scope orders:write. */
		private readonly apiKey: string,
		private readonly orders: SalesOrder[],
		private readonly concurrency: number,
		private readonly ratePerSecond: number,
	) {}

	get total(): number {
		return this.orders.length;
	}

	async run(): Promise<void> {
		this.startedAt = Date.now();
		await Promise.all(Array.from({ length: Math.min(this.concurrency, this.orders.length) }, () => this.worker()));
	}

	private async worker(): Promise<void> {
		while (this.next < this.orders.length) {
			const index = this.next++;
			// Paced: order i leaves no earlier than i / rate seconds into the run.
			const slot = this.startedAt + (index * 1000) / this.ratePerSecond;
			if (slot > Date.now()) await sleep(slot - Date.now());
			await this.release(this.orders[index]!);
			this.settled++;
		}
	}

	private async release(order: SalesOrder): Promise<void> {
		const giveUpAt = Date.now() + GIVE_UP_AFTER_MS;
		for (let attempt = 1; ; attempt++) {
			const outcome = await this.attempt(order);
			if (outcome.status >= 200 && outcome.status < 300) {
				this.accepted.set(order.orderId, Date.now());
				return;
			}
			// 409 request-in-progress: a first attempt with this key is still running, or died with the
			// gateway and holds the key until its pending marker expires; the answer says to retry.
			const inProgress = outcome.status === 409 && outcome.detail.includes("/problems/request-in-progress");
			const retryable = outcome.status === 0 || outcome.status >= 500 || outcome.status === 429 || inProgress;
			if (!retryable) {
				this.refused.push({ orderId: order.orderId, status: outcome.status, detail: outcome.detail.slice(0, 300) });
				return;
			}
			if (Date.now() > giveUpAt) {
				this.unreleased.push(order.orderId);
				return;
			}
			this.retries++;
			const backoff = Math.min(5_000, 200 * 2 ** Math.min(attempt - 1, 5));
			await sleep(outcome.retryAfterMs ?? backoff + Math.random() * 0.2 * backoff);
		}
	}

	private async attempt(order: SalesOrder): Promise<{ status: number; detail: string; retryAfterMs?: number }> {
		try {
			const response = await fetch(`${this.gatewayUrl}/api/v1/orders`, {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${this.apiKey}`, "idempotency-key": `release-${order.orderId}` },
				body: JSON.stringify(order),
				signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
			});
			const detail = await response.text();
			const retryAfter = Number(response.headers.get("retry-after"));
			return { status: response.status, detail, ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
		} catch (e: unknown) {
			return { status: 0, detail: (e as Error).message };
		}
	}
}
