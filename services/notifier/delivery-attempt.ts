import {
	ConcurrentUpdateError, PartnerUnavailableError, WebhookUndeliverableError, asErrorLike, childTraceparent, isRetryable, retryAfterOf,
} from "../../canonical/index.ts";
import type { Versioned } from "../../mixins/store/store.ts";
import type { Deliveries, Delivery } from "./deliveries.store.ts";
import type { Subscription, Subscriptions } from "./subscriptions.store.ts";
import type { WebhookClient } from "./webhook.client.ts";
import type { NotifierSettings } from "./notifier-settings.ts";
import { attemptFailed, delivered, failed, reopened, type DeliverWebhook } from "./delivery-records.ts";
import { signedHeaders } from "./webhook-signature.ts";
import { hopTraceparent } from "../../mixins/tracing/hop-span.ts";

export interface AttemptDeps {
	deliveries: Deliveries;
	subscriptions: Subscriptions;
	client: Pick<WebhookClient, "post">;
	settings: Pick<NotifierSettings, "maxAttempts" | "backoffMs" | "allowPrivateUrls">;
	now(): Date;
}

/**
 * One attempt of one delivery, from the notifications stream. Resolves when the delivery is
 * settled for now (delivered, failed for good, or nothing to do); throws a retryable error with
 * the delay before the next attempt (the stream redelivers it then: the one retry layer), or
 * WebhookUndeliverableError once the attempts ran out (the stream dead-letters it). Idempotent:
 * a message for a settled or superseded delivery does nothing.
 */
export async function attemptDelivery(deps: AttemptDeps, message: DeliverWebhook): Promise<void> {
	const found = await deps.deliveries.get(message.deliveryId);
	// Pruned, or its subscription deleted with its deliveries.
	if (!found) return;
	let delivery = found.value;
	const at = deps.now();
	if (message.replay < delivery.replays) return;
	// A replay whose record update has not landed yet (or never will: the replaying process died): apply it here.
	if (message.replay > delivery.replays) delivery = reopened(delivery, message.replay, at.toISOString());
	else if (delivery.state !== "pending") return;

	const settle: Settle = (outcome) => settleOn(deps, message, { value: delivery, version: found.version }, outcome);
	const subscription = await deps.subscriptions.get(delivery.subscriptionId);
	if (!subscription) return settle((d) => failed(d, at.toISOString(), "subscription deleted"));
	// A replay is asked for by hand and goes out even to a disabled subscription; the rest wait for it to be enabled.
	if (subscription.status === "disabled" && message.replay === 0) return settle((d) => failed(d, at.toISOString(), `subscription disabled: ${subscription.disabledReason ?? "disabled"}`));

	let status: number;
	try {
		status = await deps.client.post({
			url: subscription.url,
			body: delivery.body,
			headers: withTrace(signedHeaders(subscription.secret, delivery.webhookId, delivery.body, at), delivery.traceparent),
			deliveryId: delivery.id,
			attempt: delivery.attempts + 1,
			allowPrivate: deps.settings.allowPrivateUrls || subscription.configured === true,
		});
	} catch (e: unknown) {
		return afterFailure(deps, settle, subscription, delivery, at, e);
	}
	return settle((d) => delivered(d, { at: at.toISOString(), status }));
}

type Settle = (outcome: (d: Delivery) => Delivery) => Promise<void>;

/** The fact's trace, continued by this attempt (the delivery's span, or a new one), for subscribers that trace. */
function withTrace<H extends object>(headers: H, traceparent?: string): H & { traceparent?: string } {
	const hop = hopTraceparent(traceparent);
	const child = hop && hop !== traceparent ? hop : traceparent ? childTraceparent(traceparent) : undefined;
	return child ? { ...headers, traceparent: child } : headers;
}

/** Final (any 4xx but 408 and 429, a refused address), retried after a delay, or given up once the attempts ran out. */
async function afterFailure(deps: AttemptDeps, settle: Settle, subscription: Subscription, delivery: Delivery, at: Date, e: unknown): Promise<void> {
	const err = asErrorLike(e);
	const answered = (err.data as { status?: unknown } | undefined)?.status;
	const record = { at: at.toISOString(), error: err.message ?? String(e), ...(typeof answered === "number" ? { status: answered } : {}) };
	const attempt = delivery.attempts + 1;
	if (!isRetryable(e)) {
		await settle((d) => attemptFailed(d, record));
		if (answered === 410) await deps.subscriptions.setStatus(subscription.id, "disabled", "the endpoint answered 410 Gone");
		return;
	}
	if (attempt >= deps.settings.maxAttempts) {
		await settle((d) => attemptFailed(d, record));
		// Spec: stop sending to an endpoint that keeps failing; its later deliveries are kept, failed, to replay.
		await deps.subscriptions.setStatus(subscription.id, "disabled", `delivery ${delivery.id} failed ${attempt} attempts: ${record.error}`);
		throw new WebhookUndeliverableError(delivery.id, record.error, attempt);
	}
	const delayMs = retryDelay(e, attempt, deps.settings.backoffMs);
	await settle((d) => attemptFailed(d, record, new Date(at.getTime() + delayMs).toISOString()));
	throw new PartnerUnavailableError(new URL(subscription.url).host, record.error, delayMs);
}

/** The receiver's Retry-After when it gave one (up to the longest step), else the step for this attempt; with up to 20% jitter. */
export function retryDelay(error: unknown, attempt: number, backoffMs: number[]): number {
	const longest = Math.max(...backoffMs);
	const asked = retryAfterOf(error);
	const base = asked !== undefined ? Math.min(asked, longest) : backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? longest;
	return Math.round(base * (1 + Math.random() * 0.2));
}

/**
 * Writes the attempt's outcome over the record it was based on. The one write it may land on top
 * of is the replay action reopening this very replay (it publishes before it writes, so the
 * attempt may have started first); anything else is news the attempt did not see: the stream
 * brings the message back, to be judged against it.
 */
async function settleOn(deps: AttemptDeps, message: DeliverWebhook, basis: Versioned<Delivery>, outcome: (d: Delivery) => Delivery): Promise<void> {
	let base = basis;
	for (let race = 0; race < 3; race++) {
		if ((await deps.deliveries.update(outcome(base.value), base.version)) !== null) return;
		const latest = await deps.deliveries.get(basis.value.id);
		const sameAttempt = latest && latest.value.replays === message.replay && latest.value.state === "pending" && latest.value.attempts === basis.value.attempts;
		if (!sameAttempt) break;
		base = latest;
	}
	throw new ConcurrentUpdateError(`notifier:delivery:${basis.value.id}`);
}
