import { addressSchema, idSchema, isoTime, lineQuantitySchema, optionalIsoTime, windowSchema } from "./entities/common.ts";
import { salesOrderLineSchema } from "./entities/sales-order.ts";
import { proofOfDeliverySchema } from "./entities/delivery-job.ts";
import { shipmentPackageSchema } from "./entities/shipment.ts";
import { ORDER_STATUS } from "./order-status.ts";

/** Data schemas of the facts and commands that are not a whole entity. */
const orderRef = { orderId: idSchema } as const;

export const fulfillmentRefSchema = {
	$$strict: "remove",
	...orderRef,
	fulfillmentOrderId: { ...idSchema, optional: true },
	warehouse: { ...idSchema, optional: true },
	partnerRef: { type: "string", optional: true, max: 128 },
} as const;

export const warehouseProgressSchema = {
	...fulfillmentRefSchema,
	lines: {
		type: "array",
		optional: true,
		items: { ...lineQuantitySchema, props: { ...lineQuantitySchema.props, qtyPicked: { type: "number", integer: true, min: 0, optional: true }, qtyAllocated: { type: "number", integer: true, min: 0, optional: true } } },
	},
	packages: { type: "array", optional: true, items: shipmentPackageSchema },
} as const;

export const orderUpdatedSchema = {
	$$strict: "remove",
	...orderRef,
	/** Names this change request: the refusal or the updates it causes refer to it. */
	changeId: idSchema,
	changes: {
		type: "object",
		props: {
			shipTo: { ...addressSchema, optional: true },
			requestedWindow: windowSchema,
			lines: { type: "array", optional: true, items: salesOrderLineSchema },
		},
	},
} as const;

export const orderCancelledSchema = { $$strict: "remove", ...orderRef, reason: { type: "string", max: 500 } } as const;

export const inventoryAdjustedSchema = {
	$$strict: "remove",
	sku: { type: "string", min: 1, max: 64 },
	warehouse: idSchema,
	delta: { type: "number", integer: true },
	reason: { type: "string", optional: true, max: 200 },
	onHand: { type: "number", integer: true, optional: true },
	/** Units of the SKU reserved for orders at this warehouse after the adjustment. */
	allocated: { type: "number", integer: true, min: 0, optional: true },
	/** Orders whose reservation the adjustment broke, when the WMS names them. */
	affectedOrders: { type: "array", optional: true, max: 1000, items: idSchema },
	at: isoTime,
} as const;

export const warehouseExceptionSchema = {
	$$strict: "remove",
	orderId: { ...idSchema, optional: true },
	warehouse: idSchema,
	/** damaged-stock, carrier-no-show, wave-blocked, or a partner's own code (see the policies' warehouseExceptions). */
	code: { type: "string", min: 1, max: 64 },
	description: { type: "string", max: 1000 },
	/** Lines affected (damaged stock): what can no longer ship. */
	lines: { type: "array", optional: true, items: lineQuantitySchema },
} as const;

export const returnReceivedSchema = {
	$$strict: "remove",
	...orderRef,
	rma: idSchema,
	lines: { type: "array", items: lineQuantitySchema },
	disposition: { type: "string", optional: true, max: 32 },
} as const;

/** Every last-mile fact: the platform owns route, ETA, attempts and proof of delivery. */
export const deliveryEventSchema = {
	$$strict: "remove",
	...orderRef,
	partnerRef: { type: "string", min: 1, max: 128 },
	deliveryJobId: { ...idSchema, optional: true },
	trackingUrl: { type: "string", optional: true, max: 512 },
	driver: { type: "string", optional: true, max: 128 },
	eta: optionalIsoTime,
	reason: { type: "string", optional: true, max: 500 },
	location: { type: "object", optional: true, props: { lat: "number", lng: "number" } },
	proofOfDelivery: proofOfDeliverySchema,
	/** The return this event belongs to (a pickup or a return to the warehouse). */
	rma: { type: "string", optional: true, max: 128 },
	/** The order change an update answers. */
	changeId: { type: "string", optional: true, max: 128 },
} as const;

export const statusChangedSchema = {
	$$strict: "remove",
	...orderRef,
	from: { type: "enum", optional: true, values: Object.values(ORDER_STATUS) },
	to: { type: "enum", values: Object.values(ORDER_STATUS) },
	at: isoTime,
	cause: { type: "string", max: 128 },
} as const;

export const slaSchema = {
	$$strict: "remove",
	...orderRef,
	sla: { type: "string", max: 64 },
	dueAt: isoTime,
	at: isoTime,
} as const;

export const csCaseSchema = { $$strict: "remove", ...orderRef, reason: { type: "string", max: 500 } } as const;

/** A customer-service case Waybill asks the ERP's CRM to open. */
export const csCaseRaiseSchema = {
	$$strict: "remove",
	...orderRef,
	kind: { type: "string", min: 1, max: 64 },
	reason: { type: "string", max: 500 },
	caseId: { ...idSchema, optional: true },
} as const;

/** A change the ERP asked for that can no longer be applied, with the reason. */
export const orderChangeRefusalSchema = {
	$$strict: "remove",
	...orderRef,
	changeId: idSchema,
	fields: { type: "array", min: 1, items: "string" },
	reason: { type: "string", min: 1, max: 500 },
} as const;

/** A durable timer came due: which clock, when it was due. */
export const clockElapsedSchema = {
	$$strict: "remove",
	...orderRef,
	clock: { type: "string", min: 1, max: 64 },
	dueAt: isoTime,
	/** The exception case a resolution clock belongs to. */
	caseId: { ...idSchema, optional: true },
} as const;

export const reallocationRequiredSchema = {
	$$strict: "remove",
	...orderRef,
	warehouse: idSchema,
	sku: { type: "string", min: 1, max: 64 },
	reason: { type: "string", max: 500 },
	at: isoTime,
} as const;

export const partnerHealthSchema = {
	$$strict: "remove",
	system: { type: "string", max: 32 },
	partner: { type: "string", max: 128 },
	reason: { type: "string", optional: true, max: 500 },
	/** When this degradation began: names the episode, so its recovery closes the right case. */
	since: isoTime,
	at: isoTime,
} as const;

export const deadLetterSchema = {
	$$strict: false,
	channel: "string",
	group: "string",
	attempts: "number",
	firstAttemptAt: { ...isoTime, optional: true },
	failedAt: isoTime,
	error: { type: "object", props: { type: "string", message: "string" } },
	orderId: "string",
	partner: "string|optional",
	messageType: "string|optional",
	traceId: "string|optional",
	message: "any",
} as const;

export const messageReplayedSchema = {
	$$strict: "remove",
	deadLetterId: "string",
	originalId: "string",
	replayId: "string",
	channel: "string",
	edited: "boolean",
	/** sha256 of the corrected data, when an operator edited it: the edit itself is in the replayed message. */
	editedDigest: "string|optional",
	by: { type: "string", min: 1, max: 128 },
	at: isoTime,
} as const;

export const partnerMessageSchema = {
	$$strict: "remove",
	system: { type: "enum", values: ["erp", "wms", "lastmile"] },
	partner: { type: "string", min: 1, max: 64 },
	contentType: { type: "string", max: 128 },
	receivedAt: isoTime,
	headers: { type: "record", key: { type: "string" }, value: { type: "string" } },
	/** The raw body exactly as received (UTF-8), or empty with a payload reference. */
	body: { type: "string", max: 10_000_000 },
} as const;

export const orderStatusUpdateSchema = {
	$$strict: "remove",
	...orderRef,
	status: { type: "enum", values: Object.values(ORDER_STATUS) },
	at: isoTime,
	detail: { type: "string", optional: true, max: 500 },
} as const;

export const cancelFulfillmentSchema = { ...fulfillmentRefSchema, reason: { type: "string", max: 500 } } as const;

export const fulfillmentUpdateSchema = {
	...fulfillmentRefSchema,
	changeId: idSchema,
	shipTo: { ...addressSchema, optional: true },
	lines: { type: "array", optional: true, items: lineQuantitySchema },
} as const;

export const fulfillmentUpdatedSchema = { ...fulfillmentRefSchema, changeId: { ...idSchema, optional: true } } as const;

export const deliveryJobRefSchema = {
	$$strict: "remove",
	...orderRef,
	deliveryJobId: idSchema,
	partnerRef: { type: "string", optional: true, max: 128 },
	window: windowSchema,
	reason: { type: "string", optional: true, max: 500 },
	/** A new address for the stop (an order change). */
	address: { ...addressSchema, optional: true },
	changeId: { ...idSchema, optional: true },
	/** The attempt this command starts (re-attempts count from 2). */
	attempt: { type: "number", integer: true, min: 1, optional: true },
} as const;

export const backorderSchema = {
	$$strict: "remove",
	...orderRef,
	lines: { type: "array", min: 1, items: lineQuantitySchema },
	policy: { type: "enum", values: ["backorder", "cancel"] },
} as const;

export const inputRejectedSchema = {
	$$strict: "remove",
	channel: { type: "enum", values: ["http", "webhook", "edi"] },
	method: { type: "string", max: 16 },
	path: { type: "string", max: 2048 },
	system: { type: "string", optional: true, max: 32 },
	partner: { type: "string", optional: true, max: 128 },
	problemType: { type: "string", max: 64 },
	detail: { type: "string", max: 2000 },
	/** sha256 of the rejected body: proves what was refused without storing it. */
	bodyDigest: { type: "string", max: 64 },
	bodyBytes: { type: "number", integer: true, min: 0 },
} as const;

export const fieldConflictSchema = {
	$$strict: "remove",
	orderId: { type: "string", max: 256 },
	system: { type: "string", max: 32 },
	partner: { type: "string", max: 128 },
	factType: { type: "string", max: 128 },
	field: { type: "string", max: 128 },
	path: { type: "string", max: 512 },
	owners: { type: "array", items: "string" },
	/** The partner message whose field was refused. */
	messageId: { type: "string", max: 256 },
	at: isoTime,
} as const;
