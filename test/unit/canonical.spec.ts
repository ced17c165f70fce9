import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
	BATCH_COMMANDS, CATALOGUE, ERP_COMMANDS, ERP_FACTS, ERROR_TYPES, INBOUND_MESSAGES, LASTMILE_COMMANDS, LASTMILE_FACTS, NOTIFIER_COMMANDS, WAYBILL_FACTS, WMS_COMMANDS, WMS_FACTS,
	DeliveryNotReplayableError, WebhookUndeliverableError, isDeliveryNotReplayable, isWebhookUndeliverable,
	PayloadMissingError, PayloadCorruptError, isPayloadMissing, isPayloadCorrupt,
	ConcurrentUpdateError, ConfigurationInvalidError, IdempotencyConflictError, MappingFailedError, NotFoundError, PartnerRejectedError,
	PartnerUnavailableError, PartnerUnknownError, PayloadUnparseableError, SchemaInvalidError, SignatureInvalidError, StreamUnavailableError,
	UnknownMessageTypeError,
	assertValidMessage, catalogueEntry, createEnvelope, dataschemaFor, describeError, isConcurrentUpdate, isConfigurationInvalid,
	isIdempotencyConflict, isMappingFailed, isNotFound, isPartnerRejected, isPartnerUnavailable, isPartnerUnknown, isPayloadUnparseable,
	isStoreUnavailable, StoreUnavailableError, isDuplicateInterchange, DuplicateInterchangeError, isOrderNotYetKnown, isOverloaded, isRequestInProgress, OrderNotYetKnownError, OverloadedError, RequestInProgressError,
	isRetryable, isSchemaInvalid, isSignatureInvalid, isStreamUnavailable, isUnknownMessageType, retryAfterOf,
	isUnauthenticated, UnauthenticatedError, isForbidden, ForbiddenError, isRateLimited, RateLimitedError, isSignatureStale, SignatureStaleError,
	type ErrorType, type MessageType,
} from "../../canonical/index.ts";
import { caught, deliveryJob, fulfillmentOrder, invoice, message, salesOrder, shipment } from "../helpers/fixtures.ts";

/** One valid document per entity-backed type, built fresh so a test may break its copy. */
const ENTITY_MESSAGES: Record<string, () => { type: MessageType; data: Record<string, unknown> }> = {
	"sales order released": () => ({ type: ERP_FACTS.ORDER_RELEASED, data: { ...salesOrder() } }),
	"fulfillment order create command": () => ({ type: WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, data: { ...fulfillmentOrder() } }),
	"shipment manifested": () => ({ type: WMS_FACTS.SHIPMENT_MANIFESTED, data: { ...shipment() } }),
	"delivery job create command": () => ({ type: LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, data: { ...deliveryJob() } }),
	"invoice post command": () => ({ type: ERP_COMMANDS.POST_INVOICE, data: { ...invoice() } }),
};

function problemsOf(error: { type?: string; data?: unknown }): [string | undefined, string | undefined][] {
	const problems = (error.data as { problems: { field?: string; type?: string }[] }).problems;
	return problems.map((p) => [p.field, p.type]);
}

describe("assertValidMessage", () => {
	for (const [name, build] of Object.entries(ENTITY_MESSAGES)) {
		test(`accepts a valid ${name} and returns the envelope`, () => {
			const { type, data } = build();
			const envelope = message(type, data, { key: `valid-${type}` });
			assert.equal(assertValidMessage(envelope), envelope);
		});
	}

	const cases: { name: string; build: () => { type: MessageType; data: Record<string, unknown> }; expect: [string, string][] }[] = [
		{
			name: "a sales order without its orderId (missing required field)",
			build: () => {
				const { orderId: _dropped, ...data } = salesOrder();
				return { type: ERP_FACTS.ORDER_RELEASED, data };
			},
			expect: [["orderId", "required"]],
		},
		{
			name: "a sales order whose orderValue is a string (wrong type)",
			build: () => ({ type: ERP_FACTS.ORDER_RELEASED, data: { ...salesOrder(), orderValue: "139.97" } }),
			expect: [["orderValue", "number"]],
		},
		{
			name: "a shipment whose shippedAt is a number (wrong type)",
			build: () => ({ type: WMS_FACTS.SHIPMENT_MANIFESTED, data: { ...shipment(), shippedAt: 1_741_000_000_000 } }),
			expect: [["shippedAt", "string"]],
		},
		{
			name: "a sales order shipped to country 'Netherlands' (bad country code)",
			build: () => ({ type: ERP_FACTS.ORDER_RELEASED, data: { ...salesOrder(), shipTo: { ...salesOrder().shipTo, country: "Netherlands" } } }),
			expect: [["shipTo.country", "stringPattern"]],
		},
		{
			name: "a delivery job whose stop address has a lower-case country code (bad country code)",
			build: () => {
				const job = deliveryJob();
				job.stops[0]!.address = { ...job.stops[0]!.address, country: "nl" };
				return { type: LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, data: { ...job } };
			},
			expect: [["stops[0].address.country", "stringPattern"]],
		},
		{
			name: "a fulfillment order with a negative line quantity",
			build: () => {
				const fo = fulfillmentOrder();
				fo.lines[1]!.qty = -1;
				return { type: WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, data: { ...fo } };
			},
			expect: [["lines[1].qty", "numberMin"]],
		},
		{
			name: "an invoice with a negative line quantity",
			build: () => {
				const inv = invoice();
				inv.lines[0]!.qty = -2;
				return { type: ERP_COMMANDS.POST_INVOICE, data: { ...inv } };
			},
			expect: [["lines[0].qty", "numberMin"]],
		},
	];
	for (const c of cases) {
		test(`rejects ${c.name} with SCHEMA_INVALID naming the field`, () => {
			const { type, data } = c.build();
			const error = caught(() => assertValidMessage(message(type, data, { key: "invalid" })));
			assert.equal(error.type, ERROR_TYPES.SCHEMA_INVALID);
			assert.ok(isSchemaInvalid(error));
			assert.equal((error.data as { schema: string }).schema, type);
			assert.deepEqual(problemsOf(error), c.expect);
		});
	}

	test("rejects an envelope that declares another schema version than the catalogue's", () => {
		const envelope = createEnvelope({ type: ERP_FACTS.ORDER_RELEASED, source: "test", subject: "SO-1001", data: salesOrder(), schemaVersion: 2 });
		const error = caught(() => assertValidMessage(envelope));
		assert.equal(error.type, ERROR_TYPES.SCHEMA_INVALID);
		assert.deepEqual(problemsOf(error), [["dataschema", undefined]]);
		assert.match((error.data as { problems: { message: string }[] }).problems[0]!.message, /expected 'urn:waybill:schema:erp\.order\.released:v1', got '.*:v2'/);
	});

	test("rejects an envelope without a subject, naming the envelope schema and the field", () => {
		const { subject: _dropped, ...envelope } = message(ERP_FACTS.ORDER_RELEASED, salesOrder(), { key: "no-subject" });
		const error = caught(() => assertValidMessage(envelope));
		assert.equal(error.type, ERROR_TYPES.SCHEMA_INVALID);
		assert.equal((error.data as { schema: string }).schema, "envelope");
		assert.deepEqual(problemsOf(error), [["subject", "required"]]);
	});

	test("rejects a type that is not in the catalogue with UNKNOWN_MESSAGE_TYPE", () => {
		const envelope = createEnvelope({ type: "erp.order.teleported", source: "test", subject: "SO-1001", data: salesOrder(), schemaVersion: 1 });
		const error = caught(() => assertValidMessage(envelope));
		assert.equal(error.type, ERROR_TYPES.UNKNOWN_MESSAGE_TYPE);
		assert.ok(isUnknownMessageType(error));
		assert.deepEqual(error.data, { messageType: "erp.order.teleported" });
	});
});

describe("createEnvelope", () => {
	const input = { type: ERP_FACTS.ORDER_RELEASED, source: "test", subject: "SO-1001", data: { orderId: "SO-1001" }, schemaVersion: 1 };

	test("gives the same id to the same type and idempotency key, and a different id when either differs", () => {
		const first = createEnvelope({ ...input, idempotencyKey: "erp:SO-1001" });
		const again = createEnvelope({ ...input, idempotencyKey: "erp:SO-1001", time: "2030-01-01T00:00:00.000Z" });
		const otherKey = createEnvelope({ ...input, idempotencyKey: "erp:SO-1002" });
		const otherType = createEnvelope({ ...input, type: ERP_FACTS.ORDER_CANCELLED, idempotencyKey: "erp:SO-1001" });
		assert.equal(again.id, first.id);
		assert.equal(new Set([first.id, otherKey.id, otherType.id]).size, 3);
	});

	test("without an idempotency key, every envelope gets its own key and id", () => {
		const a = createEnvelope(input);
		const b = createEnvelope(input);
		assert.notEqual(a.idempotencykey, b.idempotencykey);
		assert.notEqual(a.id, b.id);
	});

	test("fills the CloudEvents attributes, defaults the correlation id to the subject and sets only the extensions given", () => {
		const plain = createEnvelope({ ...input, idempotencyKey: "k", time: "2025-03-03T08:00:00.000Z" });
		assert.deepEqual(plain, {
			specversion: "1.0",
			id: plain.id,
			source: "test",
			type: ERP_FACTS.ORDER_RELEASED,
			subject: "SO-1001",
			time: "2025-03-03T08:00:00.000Z",
			dataschema: "urn:waybill:schema:erp.order.released:v1",
			datacontenttype: "application/json",
			correlationid: "SO-1001",
			idempotencykey: "k",
			data: { orderId: "SO-1001" },
		});
		const full = createEnvelope({ ...input, idempotencyKey: "k", correlationId: "C", causationId: "cause", partner: "acme-3pl", partnerEventId: "evt_1", mappingVersion: "m@1", region: "eu", traceparent: "00-abc-def-01" });
		assert.deepEqual(
			[full.correlationid, full.causationid, full.partner, full.partnereventid, full.mappingversion, full.region, full.traceparent],
			["C", "cause", "acme-3pl", "evt_1", "m@1", "eu", "00-abc-def-01"],
		);
	});
});

describe("the catalogue", () => {
	const groups = { ERP_FACTS, ERP_COMMANDS, WMS_FACTS, WMS_COMMANDS, LASTMILE_FACTS, LASTMILE_COMMANDS, WAYBILL_FACTS, NOTIFIER_COMMANDS, BATCH_COMMANDS, INBOUND_MESSAGES };
	const declared = Object.values(groups).flatMap((group) => Object.values(group) as string[]);

	test("holds exactly the message types declared in message-types.ts, each declared once", () => {
		assert.equal(new Set(declared).size, declared.length, "a type constant is declared twice");
		assert.deepEqual(Object.keys(CATALOGUE).sort(), [...declared].sort());
	});

	test("files facts as facts, commands as commands and partner messages as inbound", () => {
		const kindOf = (group: string) => (group.endsWith("_FACTS") ? "fact" : group.endsWith("_COMMANDS") ? "command" : "inbound");
		for (const [group, types] of Object.entries(groups)) {
			for (const type of Object.values(types) as string[]) assert.equal(catalogueEntry(type)?.kind, kindOf(group), type);
		}
	});

	test("answers undefined for a type it does not hold", () => {
		assert.equal(catalogueEntry("erp.order.teleported"), undefined);
	});

	test(
		"answers undefined for names inherited from Object.prototype, so assertValidMessage calls them unknown types",
		() => {
			assert.deepEqual(["toString", "constructor", "__proto__"].map((type) => catalogueEntry(type)), [undefined, undefined, undefined]);
			const envelope = createEnvelope({ type: "constructor", source: "test", subject: "SO-1001", data: {}, schemaVersion: 1 });
			assert.equal(caught(() => assertValidMessage(envelope)).type, ERROR_TYPES.UNKNOWN_MESSAGE_TYPE);
		},
	);

	test("names each type's schema with the dataschema URN of its version", () => {
		assert.equal(dataschemaFor(WMS_FACTS.ALLOCATED, catalogueEntry(WMS_FACTS.ALLOCATED)!.version), "urn:waybill:schema:wms.fulfillment.allocated:v1");
	});
});

describe("errors", () => {
	const GUARDS: [ErrorType, (e: unknown) => boolean, Error][] = [
		[ERROR_TYPES.SCHEMA_INVALID, isSchemaInvalid, new SchemaInvalidError("x", [])],
		[ERROR_TYPES.UNKNOWN_MESSAGE_TYPE, isUnknownMessageType, new UnknownMessageTypeError("x")],
		[ERROR_TYPES.NOT_FOUND, isNotFound, new NotFoundError("order", "SO-1")],
		[ERROR_TYPES.SIGNATURE_INVALID, isSignatureInvalid, new SignatureInvalidError("acme-3pl", "mismatch")],
		[ERROR_TYPES.PARTNER_UNKNOWN, isPartnerUnknown, new PartnerUnknownError("wms", "nobody")],
		[ERROR_TYPES.PARTNER_UNAVAILABLE, isPartnerUnavailable, new PartnerUnavailableError("acme-3pl", "HTTP 503")],
		[ERROR_TYPES.PARTNER_REJECTED, isPartnerRejected, new PartnerRejectedError("acme-3pl", 400, "bad body")],
		[ERROR_TYPES.MAPPING_FAILED, isMappingFailed, new MappingFailedError("m@1", "no subject")],
		[ERROR_TYPES.PAYLOAD_UNPARSEABLE, isPayloadUnparseable, new PayloadUnparseableError("json", "eof")],
		[ERROR_TYPES.CONCURRENT_UPDATE, isConcurrentUpdate, new ConcurrentUpdateError("saga:SO-1")],
		[ERROR_TYPES.STREAM_UNAVAILABLE, isStreamUnavailable, new StreamUnavailableError("events", "down")],
		[ERROR_TYPES.CONFIGURATION_INVALID, isConfigurationInvalid, new ConfigurationInvalidError("REDIS_URL", "missing")],
		[ERROR_TYPES.IDEMPOTENCY_CONFLICT, isIdempotencyConflict, new IdempotencyConflictError("k")],
		[ERROR_TYPES.ORDER_NOT_YET_KNOWN, isOrderNotYetKnown, new OrderNotYetKnownError("SO-1", "wms.pick.confirmed")],
		[ERROR_TYPES.REQUEST_IN_PROGRESS, isRequestInProgress, new RequestInProgressError("k")],
		[ERROR_TYPES.OVERLOADED, isOverloaded, new OverloadedError("inbound", 30_000, 20_000, 1_000)],
		[ERROR_TYPES.STORE_UNAVAILABLE, isStoreUnavailable, new StoreUnavailableError("get", "Connection is closed.")],
		[ERROR_TYPES.DUPLICATE_INTERCHANGE, isDuplicateInterchange, new DuplicateInterchangeError("edi-3pl", "x12:EDI3PL:000000001")],
		[ERROR_TYPES.WEBHOOK_UNDELIVERABLE, isWebhookUndeliverable, new WebhookUndeliverableError("d-1", "HTTP 503", 8)],
		[ERROR_TYPES.DELIVERY_NOT_REPLAYABLE, isDeliveryNotReplayable, new DeliveryNotReplayableError("d-1", "pending")],
		[ERROR_TYPES.PAYLOAD_MISSING, isPayloadMissing, new PayloadMissingError("ab12", "memory://t/sha256-ab12")],
		[ERROR_TYPES.PAYLOAD_CORRUPT, isPayloadCorrupt, new PayloadCorruptError("ab12", { digest: "cd34", size: 3 }, 4)],
		[ERROR_TYPES.UNAUTHENTICATED, isUnauthenticated, new UnauthenticatedError("no key")],
		[ERROR_TYPES.FORBIDDEN, isForbidden, new ForbiddenError("shop A", "needs scope 'ops:read'")],
		[ERROR_TYPES.RATE_LIMITED, isRateLimited, new RateLimitedError("key:ab", 2, 400)],
		[ERROR_TYPES.SIGNATURE_STALE, isSignatureStale, new SignatureStaleError("acme-3pl", 3600, 300)],
	];

	test("every error type has a guard and a class", () => {
		assert.deepEqual(GUARDS.map(([type]) => type).sort(), Object.values(ERROR_TYPES).sort());
	});

	test("each guard recognises exactly its own type on plain objects, as errors arrive from another node", () => {
		for (const [type, guard] of GUARDS) {
			const plain = { name: "MoleculerError", message: "from elsewhere", code: 500, type, data: {}, retryable: false };
			const matches = GUARDS.filter(([, other]) => other(plain)).map(([t]) => t);
			assert.deepEqual(matches, [type], `guards matching a plain ${type}`);
		}
	});

	test("each guard recognises its own class instance and rejects non-errors", () => {
		for (const [type, guard, instance] of GUARDS) {
			assert.equal(guard(instance), true, type);
			assert.equal((instance as Error & { type: string }).type, type);
			for (const other of [undefined, null, "SCHEMA_INVALID", 42, new Error("plain")]) assert.equal(guard(other), false, `${type} on ${String(other)}`);
		}
	});

	test("isRetryable is true for the errors that can pass with time (unavailable, conflict, not yet, in progress, overloaded, rate-limited) only", () => {
		const retryable = GUARDS.filter(([, , instance]) => isRetryable(instance)).map(([type]) => type).sort();
		assert.deepEqual(retryable, [
			ERROR_TYPES.CONCURRENT_UPDATE, ERROR_TYPES.ORDER_NOT_YET_KNOWN, ERROR_TYPES.OVERLOADED, ERROR_TYPES.PARTNER_UNAVAILABLE, ERROR_TYPES.RATE_LIMITED, ERROR_TYPES.REQUEST_IN_PROGRESS, ERROR_TYPES.STORE_UNAVAILABLE, ERROR_TYPES.STREAM_UNAVAILABLE,
		]);
		assert.equal(isRetryable(new SchemaInvalidError("x", [])), false);
		assert.equal(isRetryable(new PartnerRejectedError("acme-3pl", 422, "no")), false);
	});

	test("isRetryable follows the retryable flag of an error that crossed nodes as a plain object", () => {
		assert.equal(isRetryable({ type: ERROR_TYPES.PARTNER_UNAVAILABLE, retryable: true }), true);
		assert.equal(isRetryable({ type: ERROR_TYPES.PARTNER_REJECTED, retryable: false }), false);
		assert.equal(isRetryable(JSON.parse(JSON.stringify(new ConcurrentUpdateError("saga:SO-1")))), true);
		assert.equal(isRetryable("boom"), false);
		assert.equal(isRetryable(undefined), false);
	});

	test(
		"isRetryable treats a network-level failure without a retryable flag as retryable, as its doc comment promises",
		() => {
			const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" });
			assert.equal(isRetryable(reset), true);
		},
	);

	test("retryAfterOf reads the delay a partner asked for, and only that", () => {
		assert.equal(retryAfterOf(new PartnerUnavailableError("acme-3pl", "HTTP 429", 1500)), 1500);
		assert.equal(retryAfterOf({ type: ERROR_TYPES.PARTNER_UNAVAILABLE, data: { retryAfterMs: 250 } }), 250);
		assert.equal(retryAfterOf(new PartnerUnavailableError("acme-3pl", "HTTP 503")), undefined);
		assert.equal(retryAfterOf({ data: { retryAfterMs: "soon" } }), undefined);
	});

	test("describeError gives a Waybill error's name, type, code, message, retryable flag and data", () => {
		const problems = [{ field: "orderId", message: "The 'orderId' field is required.", type: "required" }];
		assert.deepEqual(describeError(new SchemaInvalidError("erp.order.released", problems)), {
			name: "SchemaInvalidError",
			type: "SCHEMA_INVALID",
			code: 422,
			message: "erp.order.released is invalid: The 'orderId' field is required.",
			retryable: false,
			data: { schema: "erp.order.released", problems },
		});
		assert.deepEqual(describeError(new PartnerUnavailableError("acme-3pl", "HTTP 503", 2000)), {
			name: "PartnerUnavailableError",
			type: "PARTNER_UNAVAILABLE",
			code: 503,
			message: "partner 'acme-3pl' is unavailable: HTTP 503",
			retryable: true,
			data: { partner: "acme-3pl", reason: "HTTP 503", retryAfterMs: 2000 },
		});
	});

	test("describeError falls back to UNEXPECTED, code 500 and no data for anything else", () => {
		assert.deepEqual(describeError(new TypeError("x is not a function")), { name: "TypeError", type: "UNEXPECTED", code: 500, message: "x is not a function", retryable: false });
		assert.deepEqual(describeError("boom"), { name: "Error", type: "UNEXPECTED", code: 500, message: "boom", retryable: false });
		assert.deepEqual(describeError(Object.assign(new Error("reset"), { code: "ECONNRESET" })).code, 500);
	});

	test("describeError output survives JSON, so it can travel in a dead letter", () => {
		const described = describeError(new MappingFailedError("onfleet@1.0.0", "no orderId"));
		assert.deepEqual(JSON.parse(JSON.stringify(described)), described);
	});
});
