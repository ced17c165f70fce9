import { randomBytes } from "node:crypto";
import type { Store } from "../../mixins/store/store.ts";
import type { SubscriptionFilter } from "./subscription-filter.ts";
import { generateSecret } from "./webhook-signature.ts";
import type { ConfiguredSubscription } from "./notifier-settings.ts";

/** A subscriber's endpoint: what it wants (the filter), where to send it, and the secret to sign with. */
export interface Subscription extends SubscriptionFilter {
	id: string;
	url: string;
	secret: string;
	description?: string;
	/** Disabled after a 410 Gone or a delivery that ran out of attempts; re-enabled by the subscriber. */
	status: "active" | "disabled";
	disabledReason?: string;
	disabledAt?: string;
	/** Set by configuration (SLA_WEBHOOK_URL), not through the API: its URL may be private. */
	configured?: boolean;
	createdAt: string;
	updatedAt: string;
}

/** A subscription as the API shows it after creation: never with its secret. */
export type SubscriptionView = Omit<Subscription, "secret">;

export interface NewSubscription extends SubscriptionFilter {
	url: string;
	description?: string;
}

const key = (id: string) => `notifier:subscription:${id}`;
const ALL = "notifier:subscriptions";
const ofType = (type: string) => `notifier:subscriptions:type:${type}`;

export function viewOf(subscription: Subscription): SubscriptionView {
	const { secret: _secret, ...view } = subscription;
	return view;
}

/** Subscriptions in the store, indexed by event type so that a fact reads only the ones that may want it. */
export class Subscriptions {
	constructor(private readonly store: Store) {}

	/** A new subscription with a fresh id and secret; the caller shows the secret once. */
	async create(input: NewSubscription, now = new Date().toISOString()): Promise<Subscription> {
		const subscription: Subscription = {
			id: `sub_${randomBytes(12).toString("base64url")}`,
			url: input.url,
			secret: generateSecret(),
			eventTypes: [...new Set(input.eventTypes)],
			...(input.customerId ? { customerId: input.customerId } : {}),
			...(input.partner ? { partner: input.partner } : {}),
			...(input.description ? { description: input.description } : {}),
			status: "active",
			createdAt: now,
			updatedAt: now,
		};
		await this.save(subscription);
		return subscription;
	}

	/** The subscription configuration asks for, written over what is stored (its creation time kept). Idempotent. */
	async configure(config: ConfiguredSubscription, now = new Date().toISOString()): Promise<Subscription> {
		const existing = await this.get(config.id);
		const subscription: Subscription = {
			...(existing ?? { status: "active", createdAt: now }),
			id: config.id, url: config.url, secret: config.secret, eventTypes: config.eventTypes, description: config.description, configured: true, updatedAt: now,
		};
		await this.save(subscription);
		return subscription;
	}

	get(id: string): Promise<Subscription | undefined> {
		return this.store.get<Subscription>(key(id));
	}

	/** Every subscription, oldest first. */
	async list(): Promise<Subscription[]> {
		return this.load(await this.store.indexRange(ALL, -Infinity, Infinity));
	}

	/** The subscriptions (active or not) that asked for this event type. */
	async forType(type: string): Promise<Subscription[]> {
		return this.load(await this.store.indexRange(ofType(type), -Infinity, Infinity));
	}

	async setStatus(id: string, status: Subscription["status"], reason?: string, now = new Date().toISOString()): Promise<Subscription | undefined> {
		const current = await this.get(id);
		if (!current) return undefined;
		const { disabledReason: _r, disabledAt: _a, ...rest } = current;
		const next: Subscription = { ...rest, status, updatedAt: now, ...(status === "disabled" ? { disabledReason: reason ?? "disabled", disabledAt: now } : {}) };
		await this.store.set(key(id), next);
		return next;
	}

	/** True when there was one to remove. */
	async remove(id: string): Promise<boolean> {
		const current = await this.get(id);
		if (!current) return false;
		for (const type of current.eventTypes) await this.store.indexRemove(ofType(type), id);
		await this.store.indexRemove(ALL, id);
		await this.store.delete(key(id));
		return true;
	}

	private async save(subscription: Subscription): Promise<void> {
		const previous = await this.get(subscription.id);
		await this.store.set(key(subscription.id), subscription);
		const score = Date.parse(subscription.createdAt);
		for (const type of previous?.eventTypes ?? []) if (!subscription.eventTypes.includes(type)) await this.store.indexRemove(ofType(type), subscription.id);
		for (const type of subscription.eventTypes) await this.store.indexAdd(ofType(type), subscription.id, score);
		await this.store.indexAdd(ALL, subscription.id, score);
	}

	private async load(ids: string[]): Promise<Subscription[]> {
		if (ids.length === 0) return [];
		return (await this.store.getMany<Subscription>(ids.map(key))).filter((s): s is Subscription => s !== undefined);
	}
}
