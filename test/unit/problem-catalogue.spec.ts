import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Errors, ServiceBroker } from "moleculer";
import {
	ConcurrentUpdateError, ConfigurationInvalidError, DeliveryNotReplayableError, DuplicateInterchangeError, ERROR_TYPES, ForbiddenError,
	IdempotencyConflictError, MappingFailedError, NotFoundError, OrderNotYetKnownError, OverloadedError, PartnerRejectedError,
	PartnerUnavailableError, PartnerUnknownError, PayloadCorruptError, PayloadMissingError, PayloadUnparseableError, RateLimitedError,
	RequestInProgressError, SchemaInvalidError, SignatureInvalidError, SignatureStaleError, StoreUnavailableError, StreamUnavailableError,
	UnauthenticatedError, UnknownMessageTypeError, WebhookUndeliverableError, asErrorLike, type ErrorType,
} from "../../canonical/errors/index.ts";
import { GATEWAY_PROBLEM_TYPES, PROBLEM_BASE, PROBLEM_CATALOGUE, problemType, type ProblemType } from "../../canonical/errors/problem-catalogue.ts";
import { BodyInvalidError } from "../../services/gateway/body-invalid.error.ts";
import { toProblem } from "../../services/gateway/problem-details.ts";
import { openApiActions } from "../../services/gateway/openapi/openapi.actions.ts";

/** One instance of every error class, by the type it carries: a new type without a sample does not compile. */
const SAMPLES: Record<ErrorType, () => unknown> = {
	SCHEMA_INVALID: () => new SchemaInvalidError("sales order", [{ field: "orderId", message: "required" }]),
	UNKNOWN_MESSAGE_TYPE: () => new UnknownMessageTypeError("x.y"),
	NOT_FOUND: () => new NotFoundError("order", "SO-1"),
	SIGNATURE_INVALID: () => new SignatureInvalidError("acme", "does not match"),
	PARTNER_UNKNOWN: () => new PartnerUnknownError("wms", "nobody"),
	PARTNER_UNAVAILABLE: () => new PartnerUnavailableError("onfleet", "timeout", 2_000),
	PARTNER_REJECTED: () => new PartnerRejectedError("onfleet", 400, "bad address"),
	MAPPING_FAILED: () => new MappingFailedError("acme/940", "no lines"),
	PAYLOAD_UNPARSEABLE: () => new PayloadUnparseableError("JSON", "unexpected token"),
	CONCURRENT_UPDATE: () => new ConcurrentUpdateError("saga:SO-1"),
	STREAM_UNAVAILABLE: () => new StreamUnavailableError("inbound", "no responders"),
	CONFIGURATION_INVALID: () => new ConfigurationInvalidError("ERP_URL", "missing"),
	IDEMPOTENCY_CONFLICT: () => new IdempotencyConflictError("k-1"),
	ORDER_NOT_YET_KNOWN: () => new OrderNotYetKnownError("SO-1", "wms.shipment.manifested"),
	REQUEST_IN_PROGRESS: () => new RequestInProgressError("k-1"),
	OVERLOADED: () => new OverloadedError("inbound", 5_000, 1_000, 2_000),
	STORE_UNAVAILABLE: () => new StoreUnavailableError("get", "connection refused"),
	DUPLICATE_INTERCHANGE: () => new DuplicateInterchangeError("acme-x12", "ISA 000000001"),
	WEBHOOK_UNDELIVERABLE: () => new WebhookUndeliverableError("d-1", "410 Gone", 8),
	DELIVERY_NOT_REPLAYABLE: () => new DeliveryNotReplayableError("d-1", "pending"),
	PAYLOAD_MISSING: () => new PayloadMissingError("sha256:ab", "payload://sha256/ab"),
	PAYLOAD_CORRUPT: () => new PayloadCorruptError("sha256:ab", { digest: "sha256:cd", size: 3 }, 4),
	UNAUTHENTICATED: () => new UnauthenticatedError("no API key"),
	FORBIDDEN: () => new ForbiddenError("shop-a", "lacks orders:write"),
	RATE_LIMITED: () => new RateLimitedError("key:0123456789abcdef", 10, 1_500),
	SIGNATURE_STALE: () => new SignatureStaleError("acme", 900, 300),
};

/** What moleculer, moleculer-web and body-parser throw, as the gateway's error handler receives it. */
const GATEWAY_SAMPLES: Record<keyof typeof GATEWAY_PROBLEM_TYPES, () => unknown> = {
	PAYLOAD_TOO_LARGE: () => Object.assign(new Error("request entity too large"), { type: "entity.too.large", status: 413, statusCode: 413 }),
	SERVICE_UNAVAILABLE: () => new Errors.ServiceNotAvailableError({ action: "saga.getOrder" }),
	UNEXPECTED: () => new TypeError("cannot read properties of undefined"),
};

function entry(type: string): ProblemType {
	const found = problemType(type);
	assert.ok(found, `${type} is in the catalogue`);
	return found;
}

describe("the problem catalogue", () => {
	test("documents every error type and every type the gateway adds, once each", () => {
		const documented = PROBLEM_CATALOGUE.map((p) => p.type);
		assert.deepEqual(new Set(documented), new Set([...Object.values(ERROR_TYPES), ...Object.values(GATEWAY_PROBLEM_TYPES)]));
		assert.equal(documented.length, new Set(documented).size);
		assert.equal(new Set(PROBLEM_CATALOGUE.map((p) => p.slug)).size, PROBLEM_CATALOGUE.length);
	});

	test("gives each type a dashed lowercase slug under the problem base URI, a title, statuses, when, and what to do", () => {
		for (const p of PROBLEM_CATALOGUE) {
			assert.match(p.slug, /^[a-z]+(-[a-z]+)*$/);
			assert.equal(p.uri, `${PROBLEM_BASE}${p.slug}`);
			assert.equal(p.slug, p.type.toLowerCase().replaceAll("_", "-"));
			assert.ok(p.title.length > 0 && p.when.length > 20 && p.action.length > 20, p.type);
			assert.ok(p.statuses.length > 0 && p.statuses.every((s) => s >= 400 && s <= 599), p.type);
		}
	});

	test("finds an entry by its name or by its slug, and nothing for a type outside the taxonomy", () => {
		assert.equal(problemType("RATE_LIMITED")?.slug, "rate-limited");
		assert.equal(problemType("rate-limited")?.type, "RATE_LIMITED");
		assert.equal(problemType("entity.parse.failed"), undefined);
	});

	for (const [type, make] of Object.entries(SAMPLES)) {
		test(`answers ${type} errors with the catalogue's type URI, status, title and retry advice`, () => {
			const error = make();
			const problem = toProblem(error, "/api/v1/orders");
			const documented = entry(type);
			assert.equal(problem.type, documented.uri);
			assert.ok(documented.statuses.includes(problem.status), `${problem.status} is one of ${documented.statuses.join(", ")}`);
			assert.equal(problem.title, documented.title);
			assert.equal(asErrorLike(error).retryable, documented.retryable);
			const retryAfterMs = (asErrorLike(error).data as { retryAfterMs?: number } | undefined)?.retryAfterMs;
			if (retryAfterMs !== undefined) assert.ok(documented.retryAfter, `${type} sends Retry-After, so the catalogue says so`);
		});
	}

	test("answers an order command's invalid body with SCHEMA_INVALID at 400, one of its documented statuses", () => {
		const problem = toProblem(new BodyInvalidError("cancel request", [{ field: "reason", message: "required" }]));
		assert.equal(problem.status, 400);
		assert.equal(problem.type, entry("SCHEMA_INVALID").uri);
		assert.deepEqual(entry("SCHEMA_INVALID").statuses, [400, 422]);
	});

	test("answers Moleculer's parameter validation error as SCHEMA_INVALID at 422 with every problem", () => {
		const problem = toProblem(new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [{ field: "orderId", message: "required", type: "required" }]));
		assert.deepEqual([problem.type, problem.status, problem.title], [entry("SCHEMA_INVALID").uri, 422, entry("SCHEMA_INVALID").title]);
		assert.equal((problem.errors as unknown[]).length, 1);
	});

	test("answers a JSON body that does not parse (body-parser's entity.parse.failed) as PAYLOAD_UNPARSEABLE", () => {
		const problem = toProblem(Object.assign(new SyntaxError("Unexpected token n in JSON"), { type: "entity.parse.failed", status: 400, statusCode: 400 }));
		assert.deepEqual([problem.type, problem.status, problem.title], [entry("PAYLOAD_UNPARSEABLE").uri, 400, entry("PAYLOAD_UNPARSEABLE").title]);
	});

	for (const [type, make] of Object.entries(GATEWAY_SAMPLES)) {
		test(`answers what the gateway calls ${type} with the catalogue's status and title`, () => {
			const problem = toProblem(make());
			const documented = entry(type);
			assert.equal(problem.type, documented.uri);
			assert.ok(documented.statuses.includes(problem.status), `${problem.status} is one of ${documented.statuses.join(", ")}`);
			assert.equal(problem.title, documented.title);
		});
	}
});

describe("the gateway's problem type actions", () => {
	const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false });
	before(async () => {
		broker.createService({ name: "gateway", actions: openApiActions });
		await broker.start();
	});
	after(() => broker.stop());

	test("answers the whole taxonomy without a type", async () => {
		const list = await broker.call<readonly ProblemType[], Record<string, never>>("gateway.problemTypes", {});
		assert.deepEqual(list.map((p) => p.slug), PROBLEM_CATALOGUE.map((p) => p.slug));
	});

	test("answers one entry by the slug its type URI ends with", async () => {
		const found = await broker.call<ProblemType, { type: string }>("gateway.problemTypes", { type: "rate-limited" });
		assert.deepEqual(found, entry("RATE_LIMITED"));
		assert.equal(found.retryAfter, true);
	});

	test("refuses a slug outside the taxonomy with NOT_FOUND, and a type name given for a slug as invalid", async () => {
		await assert.rejects(broker.call("gateway.problemTypes", { type: "no-such-problem" }), (e: unknown) => asErrorLike(e).type === ERROR_TYPES.NOT_FOUND);
		await assert.rejects(broker.call("gateway.problemTypes", { type: "RATE_LIMITED" }), (e: unknown) => toProblem(e).status === 422);
	});
});
