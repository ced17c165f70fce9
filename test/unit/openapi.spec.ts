import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ServiceBroker } from "moleculer";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Validator as OpenApiValidator } from "@seriousme/openapi-schema-validator";
import { assertMatches, bookingRequestSchema, salesOrderSchema, strictVariant } from "../../canonical/index.ts";
import { PROBLEM_CATALOGUE, problemType } from "../../canonical/errors/problem-catalogue.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { ACTION_REQUIREMENTS } from "../../services/gateway/auth/scopes.ts";
import { cancelBodySchema, changeBodySchema, returnBodySchema } from "../../services/gateway/order-command-bodies.ts";
import { gatewayRoutes } from "../../services/gateway/routes.ts";
import { loadDeclaredParams, type DeclaredParams } from "../../services/gateway/openapi/declared-params.ts";
import { toJsonSchema, type JsonSchema } from "../../services/gateway/openapi/json-schema.ts";
import { buildOpenApiDocument, openApiDocument, openApiPath, type OpenApiDocument } from "../../services/gateway/openapi/openapi-document.ts";
import { OPERATIONS } from "../../services/gateway/openapi/operation-schemas.ts";
import { openApiActions } from "../../services/gateway/openapi/openapi.actions.ts";
import { mutations, validBodies } from "./openapi-samples.ts";

type Operation = { operationId: string; security: unknown[]; description?: string; requestBody?: unknown; responses: Record<string, Response>; "x-action": string; "x-undocumented"?: boolean };
type Response = { headers?: Record<string, unknown>; content?: Record<string, { schema: { allOf?: Array<{ $ref?: string; properties?: { type: { enum: string[] } } }> } }> };

const aliases = gatewayRoutes.flatMap((route) => Object.entries(route.aliases as unknown as Record<string, string>).map(([alias, action]) => {
	const [method, path] = alias.split(/\s+/) as [string, string];
	return { method: method.toLowerCase(), path: openApiPath(route.path, path).path, action };
}));

let doc: OpenApiDocument;
let declared: DeclaredParams;
let undefinedActions: string[];
const operation = (path: string, method: string) => doc.paths[path]![method] as unknown as Operation;
const operations = () => Object.values(doc.paths).flatMap((methods) => Object.values(methods)) as unknown as Operation[];
const ajv = new Ajv2020({ strictSchema: true, strictTypes: false, allowUnionTypes: true, validateFormats: false, allErrors: true });

before(async () => {
	({ params: declared, undefinedActions } = await loadDeclaredParams(aliases.map((a) => a.action)));
	doc = buildOpenApiDocument(gatewayRoutes, { declaredParams: declared, partners: loadPartnerRegistry().entries });
});

describe("the OpenAPI document", () => {
	test("is a valid OpenAPI 3.1 document", async () => {
		const result = await new OpenApiValidator().validate(structuredClone(doc));
		assert.equal(doc.openapi, "3.1.0");
		assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
	});

	test("is the one the gateway serves, built once", async () => {
		const served = await openApiDocument();
		assert.equal(await openApiDocument(), served);
		assert.deepEqual(served, doc);
		const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false });
		broker.createService({ name: "gateway", actions: openApiActions });
		await broker.start();
		try {
			assert.equal(await broker.call("gateway.openApi"), served);
		} finally {
			await broker.stop();
		}
	});

	test("holds JSON Schemas that compile (draft 2020-12, no unknown keywords)", () => {
		for (const [name, schema] of Object.entries(doc.components.schemas)) assert.doesNotThrow(() => ajv.compile(schema), name);
		for (const op of operations()) {
			for (const p of (op as unknown as { parameters: Array<{ name: string; schema: JsonSchema }> }).parameters) assert.doesNotThrow(() => ajv.compile(p.schema), `${op.operationId} ${p.name}`);
		}
	});

	test("describes every alias of the gateway's routes as an operation of the action it calls", () => {
		for (const { method, path, action } of aliases) assert.equal(operation(path, method)?.["x-action"], action, `${method.toUpperCase()} ${path}`);
		assert.equal(operations().length, aliases.length);
		assert.equal(new Set(operations().map((o) => o.operationId)).size, aliases.length);
	});

	test("routes only to actions their services define, each documented in the operation table", () => {
		assert.deepEqual(undefinedActions, []);
		assert.deepEqual(aliases.filter((a) => !OPERATIONS[a.action]).map((a) => a.action), []);
		assert.deepEqual(operations().filter((o) => o["x-undocumented"]).map((o) => o.operationId), []);
	});

	test("requires of each operation what the access rules require of its action", () => {
		for (const { method, path, action } of aliases) {
			const requirement = ACTION_REQUIREMENTS[action];
			const op = operation(path, method);
			const expected = requirement === "public" || requirement === "partner-signature" || requirement === undefined ? [] : [{ apiKey: requirement === "authenticated" ? [] : [requirement] }];
			assert.deepEqual(op.security, expected, `${action} requires ${requirement}`);
			const secured = requirement !== "public" && requirement !== "partner-signature" && requirement !== undefined;
			assert.equal("401" in op.responses, secured || requirement === "partner-signature", `${action}: 401`);
			assert.equal("429" in op.responses, requirement !== "public", `${action}: 429`);
			if (requirement !== "public") assert.ok(op.responses["429"]!.headers?.["Retry-After"], `${action}: Retry-After on 429`);
			if (op.requestBody) assert.ok("413" in op.responses, `${action}: 413 on a body`);
		}
	});

	test("describes each partner's webhook signature instead of an API key", () => {
		const webhook = operation("/webhooks/{system}/{partner}", "post");
		for (const p of loadPartnerRegistry().entries.filter((e) => e.webhook)) {
			assert.ok(webhook.description?.includes(`\`${p.system}/${p.partner}\`: header \`${p.webhook!.signatureHeader}\``), p.partner);
		}
	});

	test("answers every error as application/problem+json of a documented problem type", () => {
		const uris = new Set(PROBLEM_CATALOGUE.map((p) => p.uri));
		const plainAnswers = new Set(["gateway.webhookCheck 400", "gateway.ready 503"]);
		for (const op of operations()) {
			for (const [status, response] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
				if (plainAnswers.has(`${op["x-action"]} ${status}`)) continue;
				const [details, narrowed] = response.content?.["application/problem+json"]?.schema.allOf ?? [];
				assert.equal(details?.$ref, "#/components/schemas/ProblemDetails", `${op.operationId} ${status}`);
				for (const uri of narrowed?.properties?.type.enum ?? ["none"]) assert.ok(uris.has(uri), `${op.operationId} ${status}: ${uri}`);
			}
		}
		assert.deepEqual(doc["x-problem-types"], PROBLEM_CATALOGUE);
		assert.equal(problemType("rate-limited")?.statuses[0], 429);
	});

	test("describes the sales order body as exactly the conversion of the schema the release validates with: the shared one, closed", () => {
		assert.equal(OPERATIONS["gateway.releaseOrder"]!.body, strictVariant(salesOrderSchema), "the very object the handler checks with");
		const release = doc.components.schemas.ReleaseOrderRequest!;
		assert.deepEqual(release, toJsonSchema(strictVariant(salesOrderSchema)));
		const op = operation("/api/v1/orders", "post") as unknown as { requestBody: { content: Record<string, { schema: unknown }> } };
		assert.deepEqual(op.requestBody.content["application/json"]!.schema, { $ref: "#/components/schemas/ReleaseOrderRequest" });
		assert.equal(release.additionalProperties, false, "unknown fields are refused");
		assert.equal((release.properties as Record<string, JsonSchema>).shipTo!.additionalProperties, false, "nested objects too");
		assert.equal(doc.components.schemas.CreateApiKeyRequest!.additionalProperties, false, "a $$strict: true params schema refuses unknown fields");
	});

	test("documents a normalisation JSON Schema cannot express instead of hiding it", () => {
		const name = (doc.components.schemas.CreateApiKeyRequest!.properties as Record<string, JsonSchema>).name!;
		assert.match(String(name.description), /trim/);
	});
});

describe("the fastest-validator to JSON Schema conversion", () => {
	test("reads shorthand rules, $$root rules and multi-rule arrays as fastest-validator does", () => {
		assert.deepEqual(toJsonSchema({ a: "string|optional|max:5", b: "number|integer|positive", c: "string[]" }), {
			type: "object",
			properties: { a: { type: ["string", "null"], maxLength: 5 }, b: { type: "integer", exclusiveMinimum: 0 }, c: { type: "array", items: { type: "string" } } },
			required: ["b", "c"],
		});
		assert.deepEqual(toJsonSchema({ $$root: true, type: "array", min: 1, items: "boolean" }), { type: "array", items: { type: "boolean" }, minItems: 1 });
		assert.deepEqual(toJsonSchema({ v: [{ type: "number" }, { type: "string", optional: true }] }), {
			type: "object", properties: { v: { anyOf: [{ type: "number" }, { type: ["string", "null"] }] } }, required: ["v"],
		});
	});

	test("renders strict objects as closed, 'remove' objects as open with a note, and nested strictness too", () => {
		const closed = toJsonSchema({ $$strict: true, a: "string" });
		assert.equal(closed.additionalProperties, false);
		const nested = toJsonSchema({ o: { type: "object", strict: "remove", props: { x: "number" } } });
		const o = (nested.properties as Record<string, JsonSchema>).o!;
		assert.equal(o.additionalProperties, true);
		assert.match(String(o.description), /ignored/);
	});

	test("keeps null for optional and nullable rules, and refuses it for a required `any`", () => {
		const schema = toJsonSchema({ e: { type: "enum", values: ["a"], optional: true }, n: { type: "number", nullable: true }, x: "any", r: { type: "record", key: { type: "string", pattern: /^k/ }, value: "number" } });
		assert.deepEqual(schema.properties, {
			e: { enum: ["a", null] },
			n: { type: ["number", "null"] },
			x: { not: { type: "null" } },
			r: { type: "object", propertyNames: { pattern: "^k" }, additionalProperties: { type: "number" } },
		});
		assert.deepEqual(schema.required, ["n", "x", "r"]);
	});

	test("refuses what JSON Schema cannot say rather than describe it wrongly", () => {
		assert.throws(() => toJsonSchema({ a: { type: "string", pattern: /^a/i } }), /pattern flags 'i'/);
		assert.throws(() => toJsonSchema({ a: { type: "class", instanceOf: Date } }), /rule type 'class'/);
		assert.throws(() => toJsonSchema({ a: { type: "equal", field: "b" } }), /equal to another field/);
	});
});

describe("the document's request schemas and the validators the code runs", () => {
	// What the code checks each body with: the governed API's bodies closed (strictVariant), the others their action's params.
	const checkedWith = (): Record<string, object> => ({
		ReleaseOrderRequest: strictVariant(salesOrderSchema),
		ChangeOrderRequest: strictVariant(changeBodySchema),
		CancelOrderRequest: strictVariant(cancelBodySchema),
		AuthoriseReturnRequest: strictVariant(returnBodySchema),
		BookShipmentRequest: strictVariant(bookingRequestSchema),
		SubscribeRequest: declared["notifier.subscribe"]!,
		CreateApiKeyRequest: declared["gateway.createApiKey"]!,
		ReplayDeadLettersRequest: declared["gateway.replayDeadLetters"]!,
	});

	test("agree on every sample body: the fixtures, and each body one edit away from them", () => {
		let compared = 0;
		let refused = 0;
		const disagreements: string[] = [];
		for (const [name, bodies] of Object.entries(validBodies())) {
			const fastest = checkedWith()[name]!;
			const jsonSchema = ajv.compile(doc.components.schemas[name]!);
			for (const valid of bodies) {
				assert.ok(jsonSchema(structuredClone(valid)) && fastestAccepts(fastest, valid), `${name}: the fixture is valid`);
				for (const body of mutations(valid)) {
					const code = fastestAccepts(fastest, body);
					const document = jsonSchema(structuredClone(body));
					compared += 1;
					if (!code) refused += 1;
					if (code !== document) disagreements.push(`${name}: code ${code ? "accepts" : "refuses"}, document ${document ? "accepts" : "refuses"} ${JSON.stringify(body).slice(0, 300)}`);
				}
			}
		}
		assert.deepEqual(disagreements, []);
		assert.ok(compared > 500 && refused > compared / 3, `${compared} bodies compared, ${refused} refused`);
	});
});

function fastestAccepts(schema: object, body: unknown): boolean {
	try {
		assertMatches("sample", schema, structuredClone(body));
		return true;
	} catch {
		return false;
	}
}
