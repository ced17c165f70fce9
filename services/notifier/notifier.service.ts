import type { Context, ServiceSettingSchema } from "moleculer";
import { CHANNELS, GROUPS, NotFoundError, isNotFound, type ChannelName, type Envelope } from "../../canonical/index.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { SLA_SUBSCRIPTION_ID, notifierSettings, type NotifierSettings } from "./notifier-settings.ts";
import { Subscriptions, viewOf, type Subscription } from "./subscriptions.store.ts";
import { Deliveries, summaryOf } from "./deliveries.store.ts";
import { WebhookClient } from "./webhook.client.ts";
import { fanOut, type FanOutDeps } from "./fan-out.ts";
import { attemptDelivery, type AttemptDeps } from "./delivery-attempt.ts";
import { replayDelivery } from "./replay.ts";
import { assertWebhookUrl } from "./url-policy.ts";
import type { DeliverWebhook } from "./delivery-records.ts";
import { deliveriesParams, deliveryParams, subscribeParams, subscriptionParams, type SubscribeParams } from "./subscription-params.ts";

/**
 * Only a ceiling: the notifier counts a delivery's HTTP attempts itself and dead-letters it past
 * NOTIFIER_MAX_ATTEMPTS. This stops a message that keeps failing before any request (store down).
 */
const STREAM_ATTEMPTS_CEILING = 1_000;

interface NotifierVars {
	settings: NotifierSettings;
	client: WebhookClient;
}
type NotifierMethods = DurableStreamsMethods & StoreMethods & {
	subscriptions(): Subscriptions;
	deliveries(): Deliveries;
	fanOutDeps(): FanOutDeps;
	attemptDeps(): AttemptDeps;
	publisher(): (channel: ChannelName, envelope: Envelope) => Promise<unknown>;
	requireSubscription(id: string): Promise<Subscription>;
};
type Meta = { $statusCode?: number; $responseHeaders?: Record<string, string> };
type ById = { id: string };
type ByDelivery = { id: string; deliveryId: string };

/**
 * Status notifications: subscribers (customer portals, support systems, the operators' SLA
 * endpoint) receive Waybill's milestones and alerts as signed Standard Webhooks. Each delivery is
 * recorded, then sent through the durable notifications stream, retried with backoff by its
 * redelivery, and kept with its state for listing and replay.
 */
const NotifierServiceSchema: StreamingServiceSchema<ServiceSettingSchema, NotifierMethods, NotifierVars> = {
	name: "notifier",
	mixins: [StoreMixin(), DurableStreamsMixin()],
	// created() reads the settings, SLA_WEBHOOK_SECRET among them: none may reach other nodes' INFO packets.
	settings: { $secureSettings: ["sla"] },

	streams: {
		/** Facts to subscribers: a delivery per matching subscription, recorded, then queued. Idempotent per fact and subscription. */
		facts: {
			channel: CHANNELS.EVENTS,
			group: GROUPS.NOTIFIER,
			async handler(envelope: Envelope) {
				await fanOut(this.fanOutDeps(), envelope);
			},
		},
		/** One attempt of one webhook; in order per subscriber. Idempotent: a settled or superseded delivery is not sent again. */
		webhooks: {
			channel: CHANNELS.NOTIFICATIONS,
			group: GROUPS.NOTIFIER,
			maxAttempts: STREAM_ATTEMPTS_CEILING,
			async handler(envelope: Envelope) {
				await attemptDelivery(this.attemptDeps(), envelope.data as DeliverWebhook);
			},
		},
	},

	actions: {
		/** Subscribes a URL to event types (optionally one customer's or partner's). 201 with the secret, shown this once. */
		subscribe: {
			params: subscribeParams,
			async handler(ctx: Context<SubscribeParams, Meta>) {
				const url = assertWebhookUrl(ctx.params.url, this.settings.allowPrivateUrls);
				const { eventTypes, customerId, partner, description } = ctx.params;
				const subscription = await this.subscriptions().create({ url: url.href, eventTypes, customerId, partner, description });
				ctx.meta.$statusCode = 201;
				ctx.meta.$responseHeaders = { Location: `/api/v1/subscriptions/${subscription.id}` };
				return { ...viewOf(subscription), secret: subscription.secret };
			},
		},
		/** Every subscription, oldest first, without secrets. */
		subscriptions: {
			async handler() {
				return (await this.subscriptions().list()).map(viewOf);
			},
		},
		/** One subscription, without its secret; 404 for an unknown id. */
		getSubscription: {
			params: subscriptionParams,
			async handler(ctx: Context<ById>) {
				return viewOf(await this.requireSubscription(ctx.params.id));
			},
		},
		/** Removes a subscription and its deliveries; sends still queued for it are dropped. 204. */
		unsubscribe: {
			params: subscriptionParams,
			async handler(ctx: Context<ById, Meta>) {
				if (!(await this.subscriptions().remove(ctx.params.id))) throw new NotFoundError("subscription", ctx.params.id);
				await this.deliveries().forget(ctx.params.id);
				ctx.meta.$statusCode = 204;
				return null;
			},
		},
		/** Sends to a subscription disabled by a 410 or a delivery that ran out of attempts again (deliveries failed meanwhile stay failed: replay them). */
		enableSubscription: {
			params: subscriptionParams,
			async handler(ctx: Context<ById>) {
				await this.requireSubscription(ctx.params.id);
				return viewOf((await this.subscriptions().setStatus(ctx.params.id, "active"))!);
			},
		},
		/** A subscription's deliveries, newest first, with state, attempts and last status or error; `status` filters. */
		deliveries: {
			params: deliveriesParams,
			async handler(ctx: Context<ById & { status?: "pending" | "delivered" | "failed"; limit?: number }>) {
				await this.requireSubscription(ctx.params.id);
				const found = await this.deliveries().list(ctx.params.id, { state: ctx.params.status, limit: ctx.params.limit ?? 100 });
				return found.map(summaryOf);
			},
		},
		/** One delivery with the payload it sends. */
		getDelivery: {
			params: deliveryParams,
			async handler(ctx: Context<ByDelivery>) {
				const found = await this.deliveries().get(ctx.params.deliveryId);
				if (!found || found.value.subscriptionId !== ctx.params.id) throw new NotFoundError("webhook delivery", ctx.params.deliveryId);
				const { body, ...rest } = found.value;
				return { ...rest, payload: JSON.parse(body) as unknown };
			},
		},
		/** Sends a delivered or failed delivery again, same webhook-id; 202 once queued durably, 409 while it is still pending. */
		replayDelivery: {
			params: deliveryParams,
			async handler(ctx: Context<ByDelivery, Meta>) {
				await this.requireSubscription(ctx.params.id);
				const replayed = await replayDelivery({ deliveries: this.deliveries(), publish: this.publisher(), now: () => new Date().toISOString() }, ctx.params.id, ctx.params.deliveryId);
				ctx.meta.$statusCode = 202;
				return summaryOf(replayed);
			},
		},
		/** Circuit state per subscriber host this node has called. */
		circuits: {
			handler() {
				return this.client.circuits();
			},
		},
	},

	methods: {
		subscriptions() {
			return new Subscriptions(this.store());
		},
		deliveries() {
			return new Deliveries(this.store(), this.settings.retentionMs);
		},
		publisher() {
			return (channel: ChannelName, envelope: Envelope) => this.publishMessage(channel, envelope);
		},
		fanOutDeps(): FanOutDeps {
			return {
				store: this.store(),
				subscriptions: this.subscriptions(),
				deliveries: this.deliveries(),
				publish: this.publisher(),
				now: () => new Date().toISOString(),
				customerFromSaga: async (orderId: string) => {
					try {
						const saga = await this.broker.call<{ order?: { customer?: { id?: string } } }, { orderId: string }>("saga.getOrder", { orderId });
						return saga.order?.customer?.id;
					} catch (e: unknown) {
						if (isNotFound(e)) return undefined;
						throw e;
					}
				},
			};
		},
		attemptDeps(): AttemptDeps {
			return { deliveries: this.deliveries(), subscriptions: this.subscriptions(), client: this.client, settings: this.settings, now: () => new Date() };
		},
		async requireSubscription(id: string) {
			const subscription = await this.subscriptions().get(id);
			if (!subscription) throw new NotFoundError("subscription", id);
			return subscription;
		},
	},

	created() {
		this.settings = notifierSettings();
		this.client = new WebhookClient(this.settings.policy);
	},
	/** The configured SLA subscription follows SLA_WEBHOOK_URL: written when set, removed when unset. */
	async started() {
		if (this.settings.sla) {
			await this.subscriptions().configure(this.settings.sla);
			this.logger.info(`SLA alerts go to ${new URL(this.settings.sla.url).host} (subscription ${this.settings.sla.id})`);
		} else if ((await this.subscriptions().get(SLA_SUBSCRIPTION_ID))?.configured) {
			await this.subscriptions().remove(SLA_SUBSCRIPTION_ID);
		}
	},
};

export default NotifierServiceSchema;
