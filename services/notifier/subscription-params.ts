import { NOTIFIABLE_EVENT_TYPES } from "./subscription-filter.ts";

/** Request schemas of the subscription API (fastest-validator, checked by the broker before the action runs). */
const subscriptionId = { type: "string", min: 5, max: 64, pattern: /^sub_[A-Za-z0-9_-]+$/ } as const;
const deliveryId = { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ } as const;

export const subscribeParams = {
	url: { type: "url", max: 2048 },
	eventTypes: { type: "array", min: 1, max: NOTIFIABLE_EVENT_TYPES.length, items: { type: "enum", values: [...NOTIFIABLE_EVENT_TYPES] } },
	customerId: { type: "string", optional: true, min: 1, max: 128 },
	partner: { type: "string", optional: true, min: 1, max: 128 },
	description: { type: "string", optional: true, max: 500 },
} as const;

export const subscriptionParams = { id: subscriptionId } as const;

export const deliveriesParams = {
	id: subscriptionId,
	status: { type: "enum", values: ["pending", "delivered", "failed"], optional: true },
	limit: { type: "number", integer: true, min: 1, max: 1000, optional: true, convert: true },
} as const;

export const deliveryParams = { id: subscriptionId, deliveryId } as const;

export interface SubscribeParams {
	url: string;
	eventTypes: string[];
	customerId?: string;
	partner?: string;
	description?: string;
}
