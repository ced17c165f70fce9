/** One outbound webhook to send: which delivery (its payload is kept with the delivery record), to which subscription. */
export const webhookDeliverySchema = {
	$$strict: "remove",
	deliveryId: { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ },
	subscriptionId: { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ },
	/** The fact being notified. */
	eventType: { type: "string", min: 3, max: 128 },
	/** 0 for the first send; each replay counts up and supersedes the sends before it. */
	replay: { type: "number", integer: true, min: 0 },
	orderId: { type: "string", optional: true, max: 256 },
} as const;
