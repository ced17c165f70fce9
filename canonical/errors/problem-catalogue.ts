import { ERROR_TYPES, type ErrorType } from "./error-types.ts";

/** Every problem `type` URI is this base and the type's slug; the gateway serves each entry there (GET /problems/{slug}). */
export const PROBLEM_BASE = "https://waybill.dev/problems/";

/** Types the gateway gives failures that are not Waybill errors: a body over the limit, a service gone, a bug. */
export const GATEWAY_PROBLEM_TYPES = {
	PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
	SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
	UNEXPECTED: "UNEXPECTED",
} as const;

export type ProblemTypeName = ErrorType | (typeof GATEWAY_PROBLEM_TYPES)[keyof typeof GATEWAY_PROBLEM_TYPES];

/** One documented problem type. Stable: a type is never renamed, and its meaning only ever narrows. */
export interface ProblemType {
	type: ProblemTypeName;
	/** Lowercase-dashed: the last segment of the type URI. */
	slug: string;
	uri: string;
	title: string;
	/** The HTTP statuses it is answered with (SCHEMA_INVALID: 400 for an order command body, 422 otherwise). */
	statuses: readonly number[];
	when: string;
	/** The same request, unchanged, may succeed later (the error's `retryable` flag). */
	retryable: boolean;
	/** The answer carries Retry-After (seconds): wait at least that long. */
	retryAfter: boolean;
	/** What the client should do. */
	action: string;
}

type Entry = Omit<ProblemType, "type" | "slug" | "uri">;

const RETRY_LATER = "Retry the same request (same Idempotency-Key) after Retry-After, with exponential backoff and jitter.";

const ENTRIES: Record<ProblemTypeName, Entry> = {
	SCHEMA_INVALID: {
		title: "Request does not match its schema", statuses: [400, 422], retryable: false, retryAfter: false,
		when: "A body or parameter does not match the operation's schema (400 for an order command's body, 422 for other bodies and parameters). `errors` lists each problem with its field.",
		action: "Fix the fields named in `errors` (the schemas are in the OpenAPI document) and send again.",
	},
	UNKNOWN_MESSAGE_TYPE: {
		title: "Unknown message type", statuses: [422], retryable: false, retryAfter: false,
		when: "A message names a `type` the canonical catalogue does not define (usually seen on dead letters, from a mapping or a replay).",
		action: "Use a type of the catalogue; for a dead letter, correct its data or the mapping before replaying it.",
	},
	NOT_FOUND: {
		title: "Not found", statuses: [404], retryable: false, retryAfter: false,
		when: "Nothing answers to the id in the path (order, shipment booking, subscription, delivery, case, API key, trace), or no route matches.",
		action: "Check the id and the path. An order released a moment ago is known once its release is applied: poll its status URL.",
	},
	SIGNATURE_INVALID: {
		title: "Signature rejected", statuses: [401], retryable: false, retryAfter: false,
		when: "A partner webhook's signature header is missing, malformed, or not the HMAC of the raw body under the partner's secret.",
		action: "Sign the exact bytes sent, with the current secret and the partner's scheme; nothing was stored.",
	},
	PARTNER_UNKNOWN: {
		title: "Unknown partner", statuses: [404], retryable: false, retryAfter: false,
		when: "The path names a system and partner (webhook, EDI resend) that is not in the partner registry.",
		action: "Use the system and partner names Waybill gave you; ask its operators to register a new partner.",
	},
	PARTNER_UNAVAILABLE: {
		title: "Partner unavailable", statuses: [503], retryable: true, retryAfter: true,
		when: "A partner system called live for this request (WMS inventory, carrier booking) timed out, failed, limited Waybill, or its circuit is open. Retry-After is sent when the partner gave one.",
		action: RETRY_LATER,
	},
	PARTNER_REJECTED: {
		title: "Partner rejected the request", statuses: [502], retryable: false, retryAfter: false,
		when: "A partner answered a call made for this request with a 4xx: the data, as the partner reads it, is wrong. The detail quotes its answer.",
		action: "Correct what the partner refused; the same request fails again unchanged.",
	},
	MAPPING_FAILED: {
		title: "Mapping failed", statuses: [422], retryable: false, retryAfter: false,
		when: "A mapping profile could not turn a partner document into canonical messages, or a command into the partner's format (dead letters, shadow replays).",
		action: "Fix the document or the profile; operators replay the dead letter afterwards.",
	},
	PAYLOAD_UNPARSEABLE: {
		title: "Body cannot be parsed", statuses: [400, 415, 431], retryable: false, retryAfter: false,
		when: "The body is not well-formed in its format (JSON, X12, EDIFACT), nests JSON deeper than 64 levels, is not a JSON object where a partner's webhook must be one, is compressed wrongly or in an encoding the gateway does not read (415), or the request itself is not valid HTTP (headers over 16 KB: 431).",
		action: "Send a well-formed body with the right Content-Type.",
	},
	CONCURRENT_UPDATE: {
		title: "Concurrent update", statuses: [409], retryable: true, retryAfter: false,
		when: "Another writer changed the same record while this one was being updated (optimistic concurrency).",
		action: "Retry the same request; it is redone against the current record.",
	},
	STREAM_UNAVAILABLE: {
		title: "Temporarily unable to accept", statuses: [503], retryable: true, retryAfter: true,
		when: "The durable stream could not take the message, so nothing was accepted (no 2xx without a durable copy).",
		action: RETRY_LATER,
	},
	CONFIGURATION_INVALID: {
		title: "Configuration invalid", statuses: [500], retryable: false, retryAfter: false,
		when: "A setting on Waybill's side cannot work (a partner without a URL, an unreadable registry or key file).",
		action: "Nothing to change in the request: report the detail to Waybill's operators.",
	},
	IDEMPOTENCY_CONFLICT: {
		title: "Idempotency key reused with a different request", statuses: [422], retryable: false, retryAfter: false,
		when: "The Idempotency-Key was used before with a different body (or a carrier booking reference with different content).",
		action: "Use a new key for a new request; resend the original body to get the original answer.",
	},
	ORDER_NOT_YET_KNOWN: {
		title: "Order not yet known", statuses: [409], retryable: true, retryAfter: true,
		when: "A fact about an order arrived before the order's release was applied.",
		action: RETRY_LATER,
	},
	REQUEST_IN_PROGRESS: {
		title: "Request still in progress", statuses: [409], retryable: true, retryAfter: true,
		when: "The first request with this Idempotency-Key is still running.",
		action: "Retry after Retry-After with the same key and body: the first request's answer is replayed (Idempotent-Replayed: true).",
	},
	OVERLOADED: {
		title: "Overloaded", statuses: [503], retryable: true, retryAfter: true,
		when: "Waybill's backlog is over its limit; it refuses new work rather than queue without bound.",
		action: RETRY_LATER,
	},
	STORE_UNAVAILABLE: {
		title: "Store unavailable", statuses: [503], retryable: true, retryAfter: true,
		when: "The state store did not answer (down, restarting, timed out).",
		action: RETRY_LATER,
	},
	DUPLICATE_INTERCHANGE: {
		title: "Interchange id reused", statuses: [409], retryable: false, retryAfter: false,
		when: "An EDI partner sent different content under an interchange control number it used before.",
		action: "Send new content under a new control number; resend the original bytes unchanged for a repeat.",
	},
	WEBHOOK_UNDELIVERABLE: {
		title: "Webhook undeliverable", statuses: [502], retryable: false, retryAfter: false,
		when: "An outbound webhook delivery ran out of attempts, or its URL may not be called; it is not sent again by itself.",
		action: "Fix the receiving endpoint, then replay the delivery (POST .../deliveries/{deliveryId}/replay).",
	},
	DELIVERY_NOT_REPLAYABLE: {
		title: "Delivery not replayable", statuses: [409], retryable: false, retryAfter: false,
		when: "A webhook delivery still being attempted was asked to be replayed.",
		action: "Wait until the delivery is delivered or failed (GET its record), then replay it.",
	},
	PAYLOAD_MISSING: {
		title: "Payload missing", statuses: [404], retryable: false, retryAfter: false,
		when: "A stored message references a payload the payload store no longer holds (expired or deleted).",
		action: "Operators restore the payload or ask the partner to send the document again, then replay.",
	},
	PAYLOAD_CORRUPT: {
		title: "Payload corrupt", statuses: [422], retryable: false, retryAfter: false,
		when: "The bytes stored under a payload's digest are not the bytes that digest names.",
		action: "Operators restore the payload or ask the partner to send the document again, then replay.",
	},
	UNAUTHENTICATED: {
		title: "Authentication required", statuses: [401], retryable: false, retryAfter: false,
		when: "No API key was sent, or the key is malformed, unknown or revoked (the same answer for each).",
		action: "Send `Authorization: Bearer wb_<id>_<secret>` with a valid key.",
	},
	FORBIDDEN: {
		title: "Forbidden", statuses: [403], retryable: false, retryAfter: false,
		when: "The key is valid but lacks the operation's scope, or is bound to a partner and the resource is another partner's.",
		action: "Use a key holding the scope the operation names (see its security requirement).",
	},
	RATE_LIMITED: {
		title: "Rate limit exceeded", statuses: [429], retryable: true, retryAfter: true,
		when: "The API key, partner or client address sent more requests per second than it may. Nothing was recorded.",
		action: "Wait Retry-After seconds, then slow down; ask for a higher limit if the load is expected.",
	},
	SIGNATURE_STALE: {
		title: "Signature too old", statuses: [401], retryable: false, retryAfter: false,
		when: "A signed webhook's timestamp is outside the partner's window: a replayed request, or a clock far off.",
		action: "Sign with the current time (check the sender's clock); a captured request cannot be sent again later.",
	},
	PAYLOAD_TOO_LARGE: {
		title: "Payload too large", statuses: [413], retryable: false, retryAfter: false,
		when: "The body is over the route's limit (1 MB for JSON, 5 MB for webhooks).",
		action: "Send a smaller body: fewer lines per order, or split the document.",
	},
	SERVICE_UNAVAILABLE: {
		title: "Service unavailable", statuses: [503], retryable: true, retryAfter: false,
		when: "The service behind the route is not running or did not answer in time.",
		action: "Retry later with exponential backoff; use the same Idempotency-Key for a write.",
	},
	UNEXPECTED: {
		title: "Internal error", statuses: [500], retryable: false, retryAfter: false,
		when: "A failure Waybill did not expect; it was logged.",
		action: "Report it with the `instance` and the time. A write with an Idempotency-Key may be retried safely.",
	},
};

/** `SCHEMA_INVALID` -> `schema-invalid`. */
export function problemSlug(type: string): string {
	return type.toLowerCase().replaceAll("_", "-");
}

export function problemUri(type: string): string {
	return `${PROBLEM_BASE}${problemSlug(type)}`;
}

/** The taxonomy, in a stable order: the error types first, then the gateway's own. */
export const PROBLEM_CATALOGUE: readonly ProblemType[] = Object.freeze(
	[...Object.values(ERROR_TYPES), ...Object.values(GATEWAY_PROBLEM_TYPES)].map((type) =>
		Object.freeze({ type, slug: problemSlug(type), uri: problemUri(type), ...ENTRIES[type] }),
	),
);

const BY_NAME = new Map<string, ProblemType>(PROBLEM_CATALOGUE.map((p) => [p.type, p]));
const BY_SLUG = new Map<string, ProblemType>(PROBLEM_CATALOGUE.map((p) => [p.slug, p]));

/** The entry for a type name (`RATE_LIMITED`) or slug (`rate-limited`); undefined for a type outside the taxonomy. */
export function problemType(nameOrSlug: string): ProblemType | undefined {
	return BY_NAME.get(nameOrSlug) ?? BY_SLUG.get(nameOrSlug);
}
