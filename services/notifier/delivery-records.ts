import { NOTIFIER_COMMANDS, catalogueEntry, createEnvelope, deterministicId, type Envelope } from "../../canonical/index.ts";
import { withAttempt, type AttemptRecord, type Delivery } from "./deliveries.store.ts";
import type { Subscription } from "./subscriptions.store.ts";

/** What the notifications stream carries: which delivery to attempt, and for which replay. */
export interface DeliverWebhook {
	deliveryId: string;
	subscriptionId: string;
	eventType: string;
	replay: number;
	orderId?: string;
}

/** The webhook body, Standard Webhooks style: the fact's type, its event time and its data. */
export function webhookBody(fact: Envelope): string {
	return JSON.stringify({ type: fact.type, timestamp: fact.time, data: fact.data });
}

/** A new delivery of a fact to a subscriber; its id is derived from both, so a fact handled twice is one delivery. */
export function newDelivery(subscription: Subscription, fact: Envelope, orderId: string | undefined, at: string): Delivery {
	const id = deterministicId(`${subscription.id}|${fact.id}`);
	const delivery: Delivery = {
		id, webhookId: `msg_${id}`, subscriptionId: subscription.id, eventType: fact.type, eventId: fact.id, correlationId: fact.correlationid,
		...(orderId ? { orderId } : {}), ...(fact.traceparent ? { traceparent: fact.traceparent } : {}),
		body: webhookBody(fact), state: "pending", attempts: 0, replays: 0, createdAt: at, updatedAt: at, history: [],
	};
	// A disabled subscription still gets the record, failed, so the subscriber can replay it once the endpoint is back.
	return subscription.status === "disabled" ? failed(delivery, at, `subscription disabled: ${subscription.disabledReason ?? "disabled"}`) : delivery;
}

/** The message that asks for one attempt (and its retries) of a delivery; on the subscriber's partition, so its webhooks go in order. */
export function sendMessage(delivery: Delivery, replay: number, traceparent?: string): Envelope<DeliverWebhook> {
	return createEnvelope<DeliverWebhook>({
		type: NOTIFIER_COMMANDS.DELIVER_WEBHOOK,
		source: "waybill/notifier",
		subject: delivery.subscriptionId,
		correlationId: delivery.correlationId,
		causationId: delivery.eventId,
		idempotencyKey: `webhook:${delivery.id}:${replay}`,
		schemaVersion: catalogueEntry(NOTIFIER_COMMANDS.DELIVER_WEBHOOK)!.version,
		...(traceparent ? { traceparent } : {}),
		data: { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, eventType: delivery.eventType, replay, ...(delivery.orderId ? { orderId: delivery.orderId } : {}) },
	});
}

/** Pending again, for replay number `replay`: attempts and history carry on, the outcome is cleared. */
export function reopened(delivery: Delivery, replay: number, at: string): Delivery {
	const { failedAt: _f, deliveredAt: _d, nextAttemptAt: _n, ...rest } = delivery;
	return { ...rest, state: "pending", replays: replay, updatedAt: at };
}

export function delivered(delivery: Delivery, attempt: AttemptRecord): Delivery {
	const { lastError: _e, nextAttemptAt: _n, ...rest } = withAttempt(delivery, attempt);
	return { ...rest, state: "delivered", attempts: delivery.attempts + 1, lastStatus: attempt.status, deliveredAt: attempt.at, updatedAt: attempt.at };
}

/** One more failed attempt; `nextAttemptAt` when it will be retried, none when it will not. */
export function attemptFailed(delivery: Delivery, attempt: AttemptRecord, nextAttemptAt?: string): Delivery {
	const { lastStatus: _s, nextAttemptAt: _n, ...rest } = withAttempt(delivery, attempt);
	const tried: Delivery = { ...rest, attempts: delivery.attempts + 1, lastError: attempt.error, updatedAt: attempt.at, ...(attempt.status ? { lastStatus: attempt.status } : {}) };
	return nextAttemptAt ? { ...tried, state: "pending", nextAttemptAt } : { ...tried, state: "failed", failedAt: attempt.at };
}

/** Failed without an attempt (the subscription is gone or disabled). */
export function failed(delivery: Delivery, at: string, reason: string): Delivery {
	const { nextAttemptAt: _n, ...rest } = delivery;
	return { ...rest, state: "failed", lastError: reason, failedAt: at, updatedAt: at };
}
