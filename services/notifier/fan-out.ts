import { CHANNELS, ERP_FACTS, type ChannelName, type Envelope, type SalesOrder } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { Deliveries } from "./deliveries.store.ts";
import type { Subscriptions } from "./subscriptions.store.ts";
import { facetsOf, isNotifiable, matches } from "./subscription-filter.ts";
import { newDelivery, sendMessage } from "./delivery-records.ts";

/** How long an order's customer is remembered for customer-filtered subscriptions. */
const CUSTOMER_TTL_MS = 90 * 86_400_000;
const customerKey = (orderId: string) => `notifier:order-customer:${orderId}`;

export interface FanOutDeps {
	store: Store;
	subscriptions: Subscriptions;
	deliveries: Deliveries;
	/** The order's customer from the saga, for orders released before the notifier saw them; undefined when unknown. */
	customerFromSaga(orderId: string): Promise<string | undefined>;
	publish(channel: ChannelName, envelope: Envelope): Promise<unknown>;
	now(): string;
}

/**
 * One fact from the events stream: a delivery recorded, then a send message published, for each
 * subscription whose filter it matches. Idempotent: a delivery's id derives from subscription and
 * fact, so a redelivered fact records nothing new and its send messages are dropped by the
 * stream's deduplication (or, later, ignored by the sender as settled). Returns the deliveries made.
 */
export async function fanOut(deps: FanOutDeps, fact: Envelope): Promise<number> {
	// Facts arrive in order per order: the release, which names the customer, comes before any milestone.
	if (fact.type === ERP_FACTS.ORDER_RELEASED) await rememberCustomer(deps.store, fact.data as SalesOrder);
	if (!isNotifiable(fact.type)) return 0;
	const candidates = await deps.subscriptions.forType(fact.type);
	if (candidates.length === 0) return 0;
	const facets = facetsOf(fact);
	if (facets.orderId && candidates.some((s) => s.customerId !== undefined)) {
		const customerId = await customerOf(deps, facets.orderId);
		if (customerId) facets.customerId = customerId;
	}
	const chosen = candidates.filter((s) => matches(s, facets));
	for (const subscription of chosen) {
		const delivery = newDelivery(subscription, fact, facets.orderId, deps.now());
		await deps.deliveries.record(delivery);
		// Published even when the record existed: the process that wrote it may have died before publishing.
		if (delivery.state === "pending") await deps.publish(CHANNELS.NOTIFICATIONS, sendMessage(delivery, 0, fact.traceparent));
	}
	return chosen.length;
}

async function rememberCustomer(store: Store, order: SalesOrder): Promise<void> {
	if (order?.orderId && order.customer?.id) await store.set(customerKey(order.orderId), order.customer.id, CUSTOMER_TTL_MS);
}

async function customerOf(deps: FanOutDeps, orderId: string): Promise<string | undefined> {
	const known = await deps.store.get<string>(customerKey(orderId));
	if (known) return known;
	const fromSaga = await deps.customerFromSaga(orderId);
	if (fromSaga) await deps.store.set(customerKey(orderId), fromSaga, CUSTOMER_TTL_MS);
	return fromSaga;
}
