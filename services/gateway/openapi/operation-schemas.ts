import { bookingRequestSchema, salesOrderSchema, strictVariant } from "../../../canonical/index.ts";
import type { ProblemTypeName } from "../../../canonical/errors/problem-catalogue.ts";
import { cancelBodySchema, changeBodySchema, returnBodySchema } from "../order-command-bodies.ts";
import type { JsonSchema } from "./json-schema.ts";

/**
 * What the OpenAPI document says about each action a route reaches, beyond what the action itself
 * declares. Parameters come from the action's own `params` (see declared-params.ts); a body that a
 * handler checks itself is named here by the very schema object it checks with, never a copy:
 * governed-API bodies are checked closed, with `strictVariant(schema)`, which is cached per schema,
 * so the call here returns the object the handler uses.
 */
export interface OperationSpec {
	tag: string;
	summary: string;
	description?: string;
	/** The body schema the handler validates with (assertMatches, validBody). */
	body?: object;
	/** SCHEMA_INVALID's status for that body: 400 for the order commands, 422 otherwise. */
	bodyInvalidStatus?: 400 | 422;
	/** The body is taken as raw bytes (partner webhooks): any format the partner speaks. */
	rawBody?: boolean;
	/** Query parameters a handler reads and checks in code, not through a schema. */
	handlerQuery?: Record<string, JsonSchema>;
	/** Honours Idempotency-Key: a repeat answers the first response with Idempotent-Replayed: true. */
	idempotent?: boolean;
	success: Success;
	/** Refusals particular to the operation; authentication, rate, schema, size and 5xx are added for all. */
	problems: ProblemTypeName[];
	/** Answers that are not problem+json (kept for partner compatibility). */
	otherResponses?: Record<string, Success & { status?: never }>;
}

export interface Success {
	status?: number;
	description: string;
	contentType?: string;
	schema?: JsonSchema;
	headers?: Record<string, string>;
}

const ANY_OBJECT: JsonSchema = { type: "object" };
const LIST: JsonSchema = { type: "array", items: ANY_OBJECT };
const ACCEPTED: Success = {
	status: 202,
	description: "Stored durably and accepted; the order's status URL shows its progress.",
	schema: {
		type: "object",
		properties: { orderId: { type: "string" }, status: { const: "accepted" }, statusUrl: { type: "string" }, changeId: { type: "string" }, rma: { type: "string" } },
		required: ["orderId", "status", "statusUrl"],
	},
	headers: { Location: "The order's status URL." },
};
const WRITE_REFUSALS: ProblemTypeName[] = ["NOT_FOUND", "IDEMPOTENCY_CONFLICT", "REQUEST_IN_PROGRESS", "OVERLOADED", "STREAM_UNAVAILABLE", "STORE_UNAVAILABLE"];
const ok = (description: string, schema: JsonSchema = ANY_OBJECT, more: Partial<Success> = {}): Success => ({ status: 200, description, schema, ...more });

export const OPERATIONS: Record<string, OperationSpec> = {
	"gateway.releaseOrder": {
		tag: "orders", summary: "Release an order", body: strictVariant(salesOrderSchema), bodyInvalidStatus: 422, idempotent: true, success: ACCEPTED,
		description: "The ERP owns the order. Stored durably before the 202; the same order id twice is one order.",
		problems: WRITE_REFUSALS.filter((p) => p !== "NOT_FOUND"),
	},
	"gateway.getOrder": { tag: "orders", summary: "An order's unified status, lines, shipments, cases and timeline", success: ok("The order as Waybill knows it."), problems: ["NOT_FOUND"] },
	"gateway.changeOrder": {
		tag: "orders", summary: "Change an order's address, window or lines", body: strictVariant(changeBodySchema), bodyInvalidStatus: 400, idempotent: true, success: ACCEPTED,
		description: "Names at least one of shipTo, requestedWindow and lines. The Idempotency-Key names the change; a change the partners can no longer apply is refused to the ERP later, with the reason.",
		problems: WRITE_REFUSALS,
	},
	"gateway.cancelOrder": {
		tag: "orders", summary: "Cancel an order", body: strictVariant(cancelBodySchema), bodyInvalidStatus: 400, idempotent: true, success: ACCEPTED,
		description: "Before dispatch the steps are undone; after dispatch the parcel is intercepted; after delivery the cancellation is refused (ask for a return).",
		problems: WRITE_REFUSALS,
	},
	"gateway.authoriseReturn": {
		tag: "orders", summary: "Authorise a return (RMA)", body: strictVariant(returnBodySchema), bodyInvalidStatus: 400, idempotent: true, success: ACCEPTED,
		description: "Pickup address, warehouse and lines default from the order; named lines must be lines of the order, at most as many as ordered.",
		problems: WRITE_REFUSALS,
	},
	"gateway.orderTrace": { tag: "orders", summary: "Every message about an order in causal order", success: ok("Hops with producer, partner, mapping version and time."), problems: ["NOT_FOUND"] },
	"gateway.inventory": {
		tag: "inventory", summary: "Availability of a SKU, per warehouse or over all",
		description: "Asked of the WMS live; when it cannot answer, the last known answer with `stale: true` and Age and Warning headers.",
		success: ok("Positions per warehouse.", ANY_OBJECT, { headers: { Age: "Seconds since the oldest position was read (stale answers only).", Warning: "110 - \"Response is Stale\" (stale answers only)." } }),
		problems: ["NOT_FOUND", "PARTNER_UNAVAILABLE"],
	},
	"gateway.bookShipment": {
		tag: "shipments", summary: "Book a carrier shipment", body: strictVariant(bookingRequestSchema), bodyInvalidStatus: 422, idempotent: true,
		success: { status: 201, description: "Booked: the carrier confirmed it live.", schema: ANY_OBJECT, headers: { Location: "The booking's status URL." } },
		otherResponses: { "202": { description: "Accepted: the carrier is unavailable; the booking completes when it is back (poll the Location).", schema: ANY_OBJECT, headers: { Location: "The booking's status URL." } } },
		problems: ["IDEMPOTENCY_CONFLICT", "REQUEST_IN_PROGRESS", "PARTNER_REJECTED", "STORE_UNAVAILABLE"],
	},
	"gateway.getShipment": { tag: "shipments", summary: "A shipment booking and its confirmation", success: ok("The booking."), problems: ["NOT_FOUND"] },
	"notifier.subscribe": {
		tag: "subscriptions", summary: "Subscribe a URL to event types",
		description: "Deliveries are signed (Standard Webhooks); the signing secret is in this answer only. Private and loopback hosts are refused.",
		success: { status: 201, description: "Subscribed; the secret is shown this once.", schema: ANY_OBJECT, headers: { Location: "The subscription's URL." } },
		problems: [],
	},
	"notifier.subscriptions": { tag: "subscriptions", summary: "Every subscription, without secrets", success: ok("Subscriptions, oldest first.", LIST), problems: [] },
	"notifier.getSubscription": { tag: "subscriptions", summary: "One subscription, without its secret", success: ok("The subscription."), problems: ["NOT_FOUND"] },
	"notifier.unsubscribe": { tag: "subscriptions", summary: "Remove a subscription and its deliveries", success: { status: 204, description: "Removed." }, problems: ["NOT_FOUND"] },
	"notifier.enableSubscription": { tag: "subscriptions", summary: "Send to a disabled subscription again", success: ok("The subscription, active."), problems: ["NOT_FOUND"] },
	"notifier.deliveries": { tag: "subscriptions", summary: "A subscription's deliveries, newest first", success: ok("Deliveries with state, attempts and last status.", LIST), problems: ["NOT_FOUND"] },
	"notifier.getDelivery": { tag: "subscriptions", summary: "One delivery with its payload", success: ok("The delivery."), problems: ["NOT_FOUND"] },
	"notifier.replayDelivery": {
		tag: "subscriptions", summary: "Send a delivered or failed delivery again (same webhook-id)",
		success: { status: 202, description: "Queued durably.", schema: ANY_OBJECT }, problems: ["NOT_FOUND", "DELIVERY_NOT_REPLAYABLE", "STREAM_UNAVAILABLE"],
	},
	"gateway.receiveWebhook": {
		tag: "webhooks", summary: "A partner's webhook", rawBody: true,
		description: "The signature is checked over the raw bytes before anything parses them; the body is stored durably before the 200. One partner event is stored once, however often it is sent.",
		success: ok("Stored (or recognised as a repeat).", { type: "object", properties: { received: { const: true }, id: { type: "string" }, duplicate: { type: "boolean" } }, required: ["received", "id", "duplicate"] }),
		problems: ["SIGNATURE_INVALID", "SIGNATURE_STALE", "PARTNER_UNKNOWN", "DUPLICATE_INTERCHANGE", "OVERLOADED", "STREAM_UNAVAILABLE", "STORE_UNAVAILABLE"],
	},
	"gateway.webhookCheck": {
		tag: "webhooks", summary: "URL validation: echoes ?check=<token>", success: { status: 200, description: "The token.", contentType: "text/plain", schema: { type: "string" } },
		handlerQuery: { check: { type: "string", minLength: 1, maxLength: 512 } },
		otherResponses: { "400": { description: "No or an over-long `check` token (plain text, as partners' validators expect).", contentType: "text/plain", schema: { type: "string" } } },
		problems: ["PARTNER_UNKNOWN"],
	},
	"gateway.exceptions": { tag: "operations", summary: "Exception cases, newest first (open unless status=all)", success: ok("Cases.", LIST), problems: [] },
	"gateway.resolveException": { tag: "operations", summary: "Resolve an exception case by hand (recorded with the operator)", success: ok("The case, resolved."), problems: ["NOT_FOUND"] },
	"gateway.overview": { tag: "operations", summary: "The control tower's overview: flow, stuck orders, SLA, partner health", success: ok("The overview."), problems: [] },
	"gateway.policies": { tag: "operations", summary: "The business policies in force and the last refused change", success: ok("Policies."), problems: [] },
	"mapper.conflicts": { tag: "operations", summary: "Fields partners wrote without owning them (not applied)", success: ok("Conflicts, newest first.", LIST), problems: [] },
	"mapper.shadow": {
		tag: "operations", summary: "Shadow-replay a candidate mapping profile over recorded messages",
		success: ok("A field-by-field diff; nothing is published."), problems: ["PARTNER_UNKNOWN", "MAPPING_FAILED", "PAYLOAD_MISSING", "PAYLOAD_CORRUPT"],
	},
	"gateway.deadLetters": { tag: "operations", summary: "Dead letters, filtered", success: ok("Dead letters.", LIST), problems: [] },
	"gateway.replayDeadLetters": {
		tag: "operations", summary: "Replay the dead letters selected by ids or a filter (idempotent, recorded with the operator)",
		success: ok("What was replayed."), problems: ["STREAM_UNAVAILABLE", "PAYLOAD_MISSING", "PAYLOAD_CORRUPT"],
	},
	"gateway.ediInterchanges": { tag: "operations", summary: "X12 interchanges sent and the state of their 997", success: ok("Interchanges, newest first.", LIST), problems: ["PARTNER_UNKNOWN"] },
	"gateway.resendInterchange": { tag: "operations", summary: "Send an interchange's command again under a new control number", success: ok("The new interchange."), problems: ["PARTNER_UNKNOWN", "NOT_FOUND"] },
	"ledger.query": { tag: "operations", summary: "Ledger entries newest first, by correlation id, partner and time", success: ok("Entries; `truncated` when more matched."), problems: [] },
	"gateway.listApiKeys": { tag: "api-keys", summary: "Every API key, without secrets", success: ok("Keys.", LIST), problems: [] },
	"gateway.createApiKey": {
		tag: "api-keys", summary: "Issue an API key (shown in plain text this once)",
		success: { status: 201, description: "The key and its record.", schema: ANY_OBJECT }, problems: ["NOT_FOUND"],
	},
	"gateway.revokeApiKey": { tag: "api-keys", summary: "Revoke an API key issued at run time", success: ok("The key's record, revoked."), problems: ["NOT_FOUND"] },
	"gateway.whoami": { tag: "api-keys", summary: "Who the presented key is, with its scopes (null without a key)", success: ok("The caller.", { type: ["object", "null"] }), problems: [] },
	"gateway.metrics": { tag: "observability", summary: "Prometheus metrics", success: { status: 200, description: "Prometheus text format.", contentType: "text/plain", schema: { type: "string" } }, problems: ["NOT_FOUND"] },
	"gateway.controlTowerPage": { tag: "control-tower", summary: "The control tower page", success: { status: 200, description: "The page.", contentType: "text/html", schema: { type: "string" } }, problems: [] },
	"gateway.controlTowerAsset": { tag: "control-tower", summary: "A script or stylesheet of the control tower", success: { status: 200, description: "The file.", contentType: "*/*", schema: { type: "string" } }, problems: ["NOT_FOUND"] },
	"gateway.openApi": { tag: "api-description", summary: "This OpenAPI document", success: ok("OpenAPI 3.1."), problems: [] },
	"gateway.problemTypes": {
		tag: "api-description", summary: "The problem types: one by its slug, or all of them",
		success: ok("A problem type (with a slug) or the list.", { oneOf: [{ $ref: "#/components/schemas/ProblemType" }, { type: "array", items: { $ref: "#/components/schemas/ProblemType" } }] }),
		problems: ["NOT_FOUND"],
	},
	"gateway.live": { tag: "health", summary: "Liveness", success: ok("Alive."), problems: [] },
	"gateway.ready": {
		tag: "health", summary: "Readiness: streams reachable and the services behind the API registered", success: ok("Ready."),
		otherResponses: { "503": { description: "Not ready, with what is missing (a probe answer, not a problem).", schema: ANY_OBJECT } },
		problems: [],
	},
};
