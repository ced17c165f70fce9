import { addressSchema, idSchema, isoTime, lineQuantitySchema } from "./entities/common.ts";

/** What partners report beside the order flow: a shop's view of its fulfillments, a carrier's freight bill. */
const orderRef = { orderId: idSchema } as const;

/** A fulfillment as the shop or ERP sees it: its status, parcels and lines, in the partner's words, normalised. */
export const fulfillmentReportedSchema = {
	$$strict: "remove",
	...orderRef,
	fulfillmentId: idSchema,
	/** What the report is: a fulfillment requested of a location, a fulfillment made, or a tracking event on one. */
	stage: { type: "enum", values: ["requested", "fulfilled", "tracking", "cancelled"] },
	/** The partner's status word, lower-case: open, success, in_transit, delivered... */
	status: { type: "string", min: 1, max: 64 },
	location: { type: "string", optional: true, max: 128 },
	carrier: { type: "string", optional: true, max: 128 },
	trackingNumbers: { type: "array", optional: true, max: 100, items: { type: "string", min: 1, max: 128 } },
	lines: { type: "array", optional: true, max: 500, items: lineQuantitySchema },
	shipTo: { ...addressSchema, optional: true },
	message: { type: "string", optional: true, max: 500 },
	at: isoTime,
} as const;

/** A carrier's freight bill: charges per shipment, in the carrier's currency. */
export const freightInvoicedSchema = {
	$$strict: "remove",
	...orderRef,
	invoiceNumber: idSchema,
	carrier: { type: "string", min: 1, max: 64 },
	billOfLading: { type: "string", optional: true, max: 128 },
	shipmentId: { ...idSchema, optional: true },
	currency: { type: "string", pattern: /^[A-Z]{3}$/ },
	total: { type: "number", min: 0 },
	weight: { type: "object", optional: true, props: { value: { type: "number", min: 0 }, unit: { type: "string", max: 8 } } },
	charges: {
		type: "array",
		max: 200,
		items: { type: "object", props: { code: { type: "string", min: 1, max: 16 }, description: { type: "string", optional: true, max: 200 }, amount: { type: "number" } } },
	},
	at: isoTime,
} as const;
