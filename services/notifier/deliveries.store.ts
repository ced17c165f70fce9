import type { Store, Versioned } from "../../mixins/store/store.ts";

export type DeliveryState = "pending" | "delivered" | "failed";

/** One HTTP attempt (or one refused before any request: an open circuit). */
export interface AttemptRecord {
	at: string;
	status?: number;
	error?: string;
}

/** One fact for one subscriber: what was sent (exactly these bytes, every attempt), and how it went. */
export interface Delivery {
	id: string;
	/** The Standard Webhooks `webhook-id`: the same for every retry and replay, so the receiver can deduplicate. */
	webhookId: string;
	subscriptionId: string;
	eventType: string;
	/** The fact's envelope id, and its correlation id (the order): the send messages carry both, for the ledger's trace. */
	eventId: string;
	correlationId: string;
	orderId?: string;
	/** The fact's trace context: each attempt sends the subscriber a `traceparent` of the same trace. */
	traceparent?: string;
	body: string;
	state: DeliveryState;
	/** HTTP attempts over the delivery's life, replays included. */
	attempts: number;
	/** Replays asked for; a send message carrying a lower number is superseded. */
	replays: number;
	lastStatus?: number;
	lastError?: string;
	lastAttemptAt?: string;
	nextAttemptAt?: string;
	deliveredAt?: string;
	failedAt?: string;
	createdAt: string;
	updatedAt: string;
	/** The latest attempts, oldest first. */
	history: AttemptRecord[];
}

/** A delivery as listed: without the body (GET of one delivery shows it). */
export type DeliverySummary = Omit<Delivery, "body">;

const HISTORY_KEPT = 20;
const PRUNE_BATCH = 100;
const key = (id: string) => `notifier:delivery:${id}`;
// Scored by minus the creation time: ascending order is newest first.
const ofSubscription = (subscriptionId: string) => `notifier:deliveries:${subscriptionId}`;

export function summaryOf(delivery: Delivery): DeliverySummary {
	const { body: _body, ...summary } = delivery;
	return summary;
}

export function withAttempt(delivery: Delivery, attempt: AttemptRecord): Delivery {
	return { ...delivery, lastAttemptAt: attempt.at, history: [...delivery.history, attempt].slice(-HISTORY_KEPT) };
}

/**
 * Delivery records, versioned: the send handler and the replay action may write the same one, and
 * neither may lose the other's write. Kept `retentionMs` after creation, pruned as new ones come.
 */
export class Deliveries {
	constructor(private readonly store: Store, private readonly retentionMs: number) {}

	/** Writes a new delivery unless it exists (a fact handled again); true when this call wrote it. */
	async record(delivery: Delivery): Promise<boolean> {
		const written = await this.store.setVersioned(key(delivery.id), delivery, 0);
		if (written === null) return false;
		const created = Date.parse(delivery.createdAt);
		await this.store.indexAdd(ofSubscription(delivery.subscriptionId), delivery.id, -created);
		await this.prune(delivery.subscriptionId, created);
		return true;
	}

	get(id: string): Promise<Versioned<Delivery> | undefined> {
		return this.store.getVersioned<Delivery>(key(id));
	}

	/** Null when someone else wrote it since `version` was read. */
	update(delivery: Delivery, version: number): Promise<number | null> {
		return this.store.setVersioned(key(delivery.id), delivery, version);
	}

	/** A subscription's deliveries, newest first, optionally in one state. */
	async list(subscriptionId: string, filter: { state?: DeliveryState; limit: number }): Promise<Delivery[]> {
		const found: Delivery[] = [];
		const ids = await this.store.indexRange(ofSubscription(subscriptionId), -Infinity, Infinity, filter.state ? 10_000 : filter.limit);
		// Versioned records are not plain values: read in parallel batches rather than with getMany.
		for (let i = 0; i < ids.length && found.length < filter.limit; i += 100) {
			const batch = await Promise.all(ids.slice(i, i + 100).map((id) => this.get(id)));
			for (const entry of batch) {
				const d = entry?.value;
				if (d && (!filter.state || d.state === filter.state) && found.length < filter.limit) found.push(d);
			}
		}
		return found;
	}

	/** Removes every delivery of a subscription (it was deleted). */
	async forget(subscriptionId: string): Promise<void> {
		for (;;) {
			const ids = await this.store.indexRange(ofSubscription(subscriptionId), -Infinity, Infinity, PRUNE_BATCH);
			if (ids.length === 0) return;
			await this.drop(subscriptionId, ids);
		}
	}

	private async prune(subscriptionId: string, now: number): Promise<void> {
		const expired = await this.store.indexRange(ofSubscription(subscriptionId), -(now - this.retentionMs), Infinity, PRUNE_BATCH);
		await this.drop(subscriptionId, expired);
	}

	private async drop(subscriptionId: string, ids: string[]): Promise<void> {
		for (const id of ids) {
			await this.store.delete(key(id));
			await this.store.indexRemove(ofSubscription(subscriptionId), id);
		}
	}
}
