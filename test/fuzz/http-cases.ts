import { gzipSync } from "node:zlib";
import fc from "fast-check";
import type { PartnerEntry } from "../../config/partner-registry.ts";
import { NASTY_KEYS, anyJsonBody, mutatedJson, nastyString } from "./adversarial.ts";
import { ediCorpus, ediMutant } from "./edi-corpus.ts";
import { contentTypeOf, genuineBody, signatureHeaders } from "./partner-signing.ts";
import type { FuzzRoute } from "./routes.ts";
import type { RawRequest } from "./raw-http.ts";

/** What the HTTP fuzz knows about the running platform: keys, values that exist, valid bodies. */
export interface HttpWorld {
	routes: FuzzRoute[];
	keys: { admin: string; observer: string; revoked: string };
	/** Path parameter values that name something real, by parameter name. */
	known: Record<string, string[]>;
	partners: PartnerEntry[];
	/** Valid request bodies by action. */
	bodies: Record<string, unknown[]>;
	/** The parameter names each action declares (query and body), to aim query fuzz at. */
	declared: Record<string, string[]>;
}

export type Credential = "admin" | "admin-x-api-key" | "admin-odd-spacing" | "observer" | "none" | "malformed" | "unknown-key" | "revoked";

/** A request ready to send, with what the classifier needs to judge its answer. */
export interface FuzzCase {
	route: FuzzRoute;
	request: RawRequest;
	credential: Credential;
	/** For webhooks: whether the body carries the partner's genuine signature over exactly these bytes. */
	signed: boolean;
	label: string;
}

/**
 * Node's server refuses more than 16 KB of request line and headers with a bare 431 before the
 * gateway sees anything. Generated values stay below that so that most inputs reach the gateway;
 * the oversized Authorization case and the protocol cases probe the limit on purpose.
 */
const MAX_HEADER = 3_000;

const OBSERVER_SCOPES = new Set(["ops:read", "orders:read"]);

/** Whether the credential a case presents is good enough for its route (which decides what a 2xx means). */
export function credentialValid(c: FuzzCase): boolean {
	const r = c.route.requirement;
	if (r === "public") return true;
	if (r === "partner-signature") return c.signed;
	if (c.credential === "admin" || c.credential === "admin-x-api-key" || c.credential === "admin-odd-spacing") return true;
	if (c.credential === "observer") return r === "authenticated" || OBSERVER_SCOPES.has(r);
	return false;
}

/** node:http sends header values as latin1 and refuses CR, LF and NUL: a nasty string as the bytes of its UTF-8. */
export function headerSafe(s: string): string {
	return Buffer.from(s, "utf8").toString("latin1").replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, "");
}

/** A path segment as sent: encoded, raw (only what node:http refuses is escaped), or double-encoded. */
function segment(value: string, mode: "encoded" | "raw" | "double"): string {
	if (mode === "encoded") return percentEncoded(value);
	if (mode === "double") return percentEncoded(percentEncoded(value));
	return percentEncoded(value, /[\u0021-\u007e]/);
}

/** encodeURIComponent over the UTF-8 bytes (a lone surrogate becomes U+FFFD instead of throwing); `keep` names bytes left raw. */
function percentEncoded(value: string, keep = /[A-Za-z0-9\-_.!~*'()]/): string {
	return [...Buffer.from(value, "utf8")].map((b) => (b < 0x80 && keep.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}

const CONTENT_TYPES = [
	"application/json", "application/json", "application/json", "application/json; charset=utf-16", "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded",
	"multipart/form-data; boundary=----x", "application/problem+json", "application/vnd.api+json", "", "application/json, text/plain", "application/octet-stream", "application/xml",
];

const malformedAuthorization = (admin: string) =>
	fc.oneof(
		{ weight: 6, arbitrary: fc.constantFrom("", "Bearer", "Bearer ", "Bearer  ", `bearer ${admin}x`, `Bearer ${admin.slice(0, -1)}`, `Bearer ${admin.toUpperCase()}`, `Token ${admin}`, admin, "Basic YWRtaW46YWRtaW4=", "Bearer null", "Bearer undefined", "Bearer [object Object]", "Bearer wb_" + "0".repeat(64)) },
		{ weight: 3, arbitrary: nastyString.map((s) => `Bearer ${headerSafe(s).slice(0, 9000)}`) },
		{ weight: 1, arbitrary: fc.constant(`Bearer ${"A".repeat(20_000)}`) },
	);

const ZIP_BOMB = gzipSync(Buffer.alloc(16 * 1024 * 1024, " "));

/** Everything but the path: query strings aimed at declared names and at the query parser itself. */
function queryArb(names: string[]): fc.Arbitrary<string> {
	const name = names.length > 0 ? fc.oneof(fc.constantFrom(...names), fc.constantFrom(...NASTY_KEYS)) : fc.constantFrom(...NASTY_KEYS, "limit", "check", "status");
	const pair = fc.tuple(name, fc.oneof(nastyString, fc.constantFrom("1", "-1", "0", "1e309", "abc", "true", "[]", "{}")), fc.constantFrom("encoded" as const, "raw" as const)).map(([k, v, mode]) => `${segment(k, mode)}=${segment(v, mode)}`);
	return fc.oneof(
		{ weight: 4, arbitrary: fc.constant("") },
		{ weight: 4, arbitrary: fc.array(pair, { minLength: 1, maxLength: 5 }).map((p) => `?${p.join("&")}`) },
		{
			weight: 1,
			arbitrary: fc.constantFrom(
				"?__proto__[polluted]=1", "?constructor[prototype][polluted]=1", "?__proto__.polluted=1", "?limit=1&limit=2", "?limit[]=1", "?limit[a]=1", "?a[b][c][d][e][f][g][h][i][j][k]=1",
				`?${Array.from({ length: 2000 }, (_, i) => `k${i}=${i}`).join("&")}`, "?check=", `?check=${"x".repeat(600)}`, "?check=%00", "?&&&=&=", "?%", "?%zz=1",
			),
		},
	);
}

/** A body for a route: derived from its valid bodies, nasty, random, oversized, or compressed to blow up. */
function bodyArb(route: FuzzRoute, world: HttpWorld, entry: PartnerEntry | undefined): fc.Arbitrary<{ body?: Buffer; encoding?: string; how: string }> {
	const valid = world.bodies[route.action] ?? [{}];
	const limit = route.bodyKind === "raw" ? 5 * 1024 * 1024 : 1024 * 1024;
	const oversized = fc.constant({ body: Buffer.from(JSON.stringify({ orderId: "SO-BIG", pad: "x".repeat(limit + 1024) })), how: `oversized ${limit + 1024 + 30} bytes` });
	const special = [
		{ weight: 1, arbitrary: oversized },
		{ weight: 1, arbitrary: fc.constant({ body: ZIP_BOMB, encoding: "gzip", how: `gzip bomb (${ZIP_BOMB.length} bytes inflating to 16 MB)` }) },
		{ weight: 1, arbitrary: fc.constantFrom("gzip", "deflate", "br", "compress", "x-nonsense").map((encoding) => ({ body: Buffer.from('{"a":1}'), encoding, how: `content-encoding ${encoding} over plain bytes` })) },
		{ weight: 1, arbitrary: fc.constant({ body: undefined, how: "no body" }) },
	];
	if (route.bodyKind === "raw" && entry) {
		const format = entry.webhook?.format === "x12" || entry.webhook?.format === "edifact" ? entry.webhook.format : undefined;
		const genuine = genuineBody(entry, 0);
		const derived = format
			? ediMutant(ediCorpus(), format).map((m) => ({ body: m.bytes, how: m.how }))
			: mutatedJson([JSON.parse(genuine.toString("utf8")) as unknown]).map((m) => ({ body: m.text, how: m.how }));
		// Arrays stay below 3,000 elements here: a signed one reaches the mapper, where the Shopify profile
		// takes cubic time in the array's length (30,000 elements: 40 s with the event loop blocked). The
		// parser fuzz reports that; here it would stall the whole embedded platform and hide everything else.
		const json = anyJsonBody([format ? {} : safeParse(genuine.toString("utf8"))], 3_000).map((b) => ({ body: b.text, how: b.how }));
		return fc.oneof({ weight: 12, arbitrary: derived }, { weight: 4, arbitrary: json }, ...special);
	}
	return fc.oneof({ weight: 16, arbitrary: anyJsonBody(valid).map((b) => ({ body: b.text, how: b.how })) }, ...special);
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return {};
	}
}

/** One fuzzed request against a random route of the gateway. */
export function fuzzCase(world: HttpWorld): fc.Arbitrary<FuzzCase> {
	const pairs = world.partners.map((p) => [p.system, p.partner] as const);
	return fc.nat({ max: world.routes.length - 1 }).chain((index) => {
		const route = world.routes[index]!;
		const pairArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...pairs).map(([s, p]) => ({ system: s as string, partner: p as string, real: true })) }, { weight: 1, arbitrary: fc.record({ system: nastyString, partner: nastyString, real: fc.constant(false) }) });
		return fc
			.record({
				pair: pairArb,
				params: fc.array(fc.record({ known: fc.boolean(), pick: fc.nat(), value: nastyString, mode: fc.constantFrom("encoded" as const, "raw" as const, "double" as const) }), { minLength: route.params.length, maxLength: route.params.length }),
				credential: fc.oneof(
					{ weight: 10, arbitrary: fc.constant("admin" as Credential) },
					{ weight: 1, arbitrary: fc.constantFrom("admin-x-api-key" as Credential, "admin-odd-spacing" as Credential) },
					{ weight: 3, arbitrary: fc.constant("observer" as Credential) },
					{ weight: 3, arbitrary: fc.constantFrom("none" as Credential, "unknown-key" as Credential, "revoked" as Credential) },
					{ weight: 3, arbitrary: fc.constant("malformed" as Credential) },
				),
				authorization: malformedAuthorization(world.keys.admin),
				signing: fc.constantFrom("signed", "signed", "unsigned", "garbage"),
				query: queryArb(world.declared[route.action] ?? []),
				withBody: route.method === "GET" ? fc.nat(9).map((n) => n === 0) : fc.constant(true),
				contentType: fc.constantFrom(...CONTENT_TYPES),
				idempotencyKey: fc.option(nastyString.map((s) => headerSafe(s).slice(0, MAX_HEADER)), { nil: undefined }),
				traceparent: fc.option(fc.oneof(nastyString.map((s) => headerSafe(s).slice(0, MAX_HEADER)), fc.constant("00-" + "0".repeat(32) + "-" + "0".repeat(16) + "-01")), { nil: undefined }),
				chunked: fc.nat(4).map((n) => n === 0),
				pick: fc.nat(),
			})
			.chain((c) => {
				const entry = route.bodyKind === "raw" && c.pair.real ? world.partners.find((p) => p.system === c.pair.system && p.partner === c.pair.partner) : undefined;
				return bodyArb(route, world, entry).map((body) => ({ c, body, entry }));
			})
			.map(({ c, body, entry }) => {
				let i = 0;
				const path = route.template.replace(/:(\w+)/g, (_m, name: string) => {
					const p = c.params[i++]!;
					if (name === "system" && c.pair.real) return c.pair.system;
					if (name === "partner" && c.pair.real) return c.pair.partner;
					const known = world.known[name];
					if (p.known && known?.length) return percentEncoded(known[p.pick % known.length]!);
					const value = name === "system" ? c.pair.system : name === "partner" ? c.pair.partner : p.value;
					return segment(value, p.mode).slice(0, MAX_HEADER) || "x";
				});
				const headers: Record<string, string | string[]> = { host: "waybill.test" };
				if (c.credential === "admin") headers.authorization = `Bearer ${world.keys.admin}`;
				else if (c.credential === "admin-x-api-key") headers["x-api-key"] = world.keys.admin;
				// The genuine key with odd but tolerated framing (tab, trailing words): still the admin's key, not a forgery.
				else if (c.credential === "admin-odd-spacing") headers.authorization = c.pick % 2 === 0 ? `Bearer\t${world.keys.admin}` : `bearer   ${world.keys.admin} trailing`;
				else if (c.credential === "observer") headers.authorization = `Bearer ${world.keys.observer}`;
				else if (c.credential === "revoked") headers.authorization = `Bearer ${world.keys.revoked}`;
				else if (c.credential === "unknown-key") headers.authorization = `Bearer wb_${"f".repeat(16)}_${"a".repeat(43)}`;
				else if (c.credential === "malformed") headers.authorization = c.authorization;
				const bytes = c.withBody ? body.body : undefined;
				if (bytes !== undefined) {
					headers["content-type"] = entry && c.contentType === "application/json" ? contentTypeOf(entry) : c.contentType;
					// Said explicitly: node:http sends a GET or DELETE body unframed otherwise, which is our error, not the server's.
					if (c.chunked) headers["transfer-encoding"] = "chunked";
					else headers["content-length"] = String(bytes.length);
					if (body.encoding) headers["content-encoding"] = body.encoding;
				}
				if (c.idempotencyKey !== undefined) headers["idempotency-key"] = c.idempotencyKey;
				if (c.traceparent !== undefined) headers.traceparent = c.traceparent;
				let signed = false;
				if (entry?.webhook && bytes !== undefined && route.requirement === "partner-signature") {
					if (c.signing === "signed" && !body.encoding) {
						Object.assign(headers, signatureHeaders(entry, bytes));
						signed = true;
					} else if (c.signing === "garbage") headers[entry.webhook.signatureHeader] = `${entry.webhook.signaturePrefix ?? ""}${"ab".repeat(32)}`;
				}
				return {
					route,
					credential: c.credential,
					signed,
					request: { method: route.method, path: `${path}${c.query.slice(0, 2 * MAX_HEADER)}`, headers, ...(bytes !== undefined ? { body: bytes } : {}) },
					label: `${route.method} ${route.template} [${c.credential}${route.requirement === "partner-signature" ? `, ${signed ? "signed" : c.signing}` : ""}] body: ${bytes === undefined ? "none" : body.how}`,
				};
			});
	});
}
