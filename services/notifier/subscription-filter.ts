import { WAYBILL_FACTS, type Envelope } from "../../canonical/index.ts";

/** The facts a subscriber may ask for: Waybill's own milestones and alerts, never raw partner traffic. */
export const NOTIFIABLE_EVENT_TYPES = [
	WAYBILL_FACTS.ORDER_STATUS_CHANGED,
	WAYBILL_FACTS.SLA_AT_RISK,
	WAYBILL_FACTS.SLA_BREACHED,
	WAYBILL_FACTS.EXCEPTION_OPENED,
	WAYBILL_FACTS.EXCEPTION_RESOLVED,
	WAYBILL_FACTS.CS_CASE_ALERTED,
	WAYBILL_FACTS.PARTNER_DEGRADED,
	WAYBILL_FACTS.PARTNER_RECOVERED,
] as const;

export type NotifiableEventType = (typeof NOTIFIABLE_EVENT_TYPES)[number];

const NOTIFIABLE: ReadonlySet<string> = new Set(NOTIFIABLE_EVENT_TYPES);

export function isNotifiable(type: string): type is NotifiableEventType {
	return NOTIFIABLE.has(type);
}

/** What a subscription asks for: every filter given must match (event types always are). */
export interface SubscriptionFilter {
	eventTypes: string[];
	customerId?: string;
	partner?: string;
}

/** What the notifier knows about one fact when it matches subscriptions against it. */
export interface FactFacets {
	type: string;
	orderId?: string;
	partner?: string;
	/** The order's customer, when the fact concerns an order whose customer is known. */
	customerId?: string;
}

/** The order and partner a fact names: its data's orderId (its subject is the order too), the envelope's or data's partner. */
export function facetsOf(envelope: Envelope): FactFacets {
	const data = (envelope.data ?? {}) as { orderId?: unknown; partner?: unknown };
	const orderId = typeof data.orderId === "string" ? data.orderId : undefined;
	const partner = envelope.partner ?? (typeof data.partner === "string" ? data.partner : undefined);
	return { type: envelope.type, ...(orderId ? { orderId } : {}), ...(partner ? { partner } : {}) };
}

/** True when every filter the subscription sets matches the fact. A customer filter never matches a fact without a known customer. */
export function matches(filter: SubscriptionFilter, fact: FactFacets): boolean {
	return filter.eventTypes.includes(fact.type)
		&& (filter.customerId === undefined || filter.customerId === fact.customerId)
		&& (filter.partner === undefined || filter.partner === fact.partner);
}
