import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { signed3plHeaders } from "../../simulators/signatures.ts";

interface Issued {
	key: string;
	id: string;
	name: string;
	scopes: string[];
	partner?: string;
}
interface Problem {
	type: string;
	status: number;
	detail: string;
}

const PROBLEMS = "https://waybill.dev/problems/";

describe("who may do what: API keys, scopes, partner isolation, signed webhooks and rate limits", () => {
	let h: Harness;
	const keys: Record<string, Issued> = {};
	const as = (key: string) => ({ authorization: `Bearer ${key}` });
	const call = (path: string, init: RequestInit & { key?: string } = {}) =>
		fetch(`${h.gatewayUrl}${path}`, { ...init, headers: { "content-type": "application/json", ...(init.key ? as(init.key) : {}), ...(init.headers as Record<string, string>) } });
	const issue = async (request: Record<string, unknown>, key = h.apiKey) => {
		const response = await call("/ops/api-keys", { method: "POST", key, body: JSON.stringify(request) });
		return { status: response.status, body: (await response.json()) as Issued & Problem };
	};
	const ledgerOf = (correlationId: string) => h.client.call<Array<{ type: string; actor?: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId });

	before(async () => {
		h = await startHarness({ mode: "embedded" });
		for (const [name, request] of Object.entries({
			client: { name: "shop client", role: "client" },
			observer: { name: "dashboard", role: "observer" },
			shopA: { name: "shop A", scopes: ["orders:write", "orders:read"], partner: "erp-sim" },
			shopB: { name: "shop B", scopes: ["orders:write", "orders:read"], partner: "shopify" },
			slow: { name: "slow client", role: "client", rateLimitPerSecond: 2 },
		})) {
			const issued = await issue(request);
			assert.equal(issued.status, 201, JSON.stringify(issued.body));
			keys[name] = issued.body;
		}
	});
	after(() => h?.stop());

	const rejectedSince = async (since: string) => {
		const { entries } = await h.client.call<{ entries: Array<{ type: string }> }, unknown>("ledger.query", { from: since, limit: 1000 });
		return entries.filter((e) => e.type === "waybill.input.rejected");
	};

	it("answers a request without a key, or with a malformed, unknown or forged one, 401 problem+json with WWW-Authenticate, and audits it", async () => {
		const since = new Date().toISOString();
		const genuine = keys.client!.key;
		const forged = genuine.slice(0, -4) + (genuine.endsWith("AAAA") ? "BBBB" : "AAAA");
		for (const key of [undefined, "not-a-key", `wb_${"0".repeat(16)}_${"A".repeat(43)}`, forged]) {
			const response = await call("/api/v1/orders/SO-NONE", key ? { key } : {});
			assert.equal(response.status, 401, `key ${key}`);
			assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
			assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="waybill"');
			assert.equal(((await response.json()) as Problem).type, `${PROBLEMS}unauthenticated`);
		}
		const audited = await eventually("the refusals in the ledger", async () => {
			const rejected = await rejectedSince(since);
			return rejected.length >= 4 ? rejected : undefined;
		});
		assert.equal(audited.length, 4);
	});

	it("refuses a scope the key lacks with 403, and keeps health and the API description public", async () => {
		assert.equal((await call("/ops/exceptions", { key: keys.client!.key })).status, 403);
		assert.equal((await call("/ops/exceptions", { key: keys.observer!.key })).status, 200);
		const resolve = await call("/ops/exceptions/CASE-X/resolve", { method: "POST", key: keys.observer!.key, body: "{}" });
		assert.equal(resolve.status, 403);
		assert.equal(((await resolve.json()) as Problem).type, `${PROBLEMS}forbidden`);
		assert.equal((await call("/ops/api-keys", { key: keys.client!.key })).status, 403, "only keys:admin lists keys");
		assert.equal((await call("/metrics", { key: keys.client!.key })).status, 403);
		assert.equal((await call("/health/live")).status, 200);
		assert.equal((await call("/control-tower/")).status, 200, "the page's static files carry no data");
	});

	it("never stores or shows a key: the listing has no hash and no key, whoami names the caller", async () => {
		const listing = (await (await call("/ops/api-keys", { key: h.apiKey })).json()) as Array<Record<string, unknown>>;
		const mine = listing.find((k) => k.id === keys.client!.id);
		assert.deepEqual(Object.keys(mine ?? {}).sort(), ["createdAt", "createdBy", "id", "name", "scopes", "source"]);
		assert.ok(!JSON.stringify(listing).includes(keys.client!.key.split("_")[2]!), "no secret in the listing");
		const me = (await (await call("/api/v1/whoami", { key: keys.shopA!.key })).json()) as Record<string, unknown>;
		assert.deepEqual(me, { keyId: keys.shopA!.id, name: "shop A", scopes: ["orders:write", "orders:read"], partner: "erp-sim" });
	});

	it("lets a partner-bound key read and change only orders its partner is party to; others' answer 404, as unknown ones do", async () => {
		const shopA = { gatewayUrl: h.gatewayUrl, auth: as(keys.shopA!.key) };
		assert.equal((await releaseOrder(shopA, testOrder("SO-SEC-A"))).status, 202);
		await eventually("SO-SEC-A known", async () => (await call("/api/v1/orders/SO-SEC-A", { key: keys.shopA!.key })).status === 200);
		const probe = await call("/api/v1/orders/SO-SEC-A", { key: keys.shopB!.key });
		const unknown = await call("/api/v1/orders/SO-SEC-NEVER", { key: keys.shopB!.key });
		assert.deepEqual([probe.status, unknown.status], [404, 404]);
		assert.equal(((await probe.json()) as Problem).detail, "order 'SO-SEC-A' was not found");
		assert.equal((await call("/api/v1/orders/SO-SEC-A/trace", { key: keys.shopB!.key })).status, 404);
		assert.equal((await call("/api/v1/orders/SO-SEC-A/cancel", { method: "POST", key: keys.shopB!.key, body: JSON.stringify({ reason: "not mine" }) })).status, 404);
		const taken = await releaseOrder({ gatewayUrl: h.gatewayUrl, auth: as(keys.shopB!.key) }, testOrder("SO-SEC-A"));
		assert.equal(taken.status, 403, "another partner cannot release over an order id it does not own");
		assert.equal((await call("/api/v1/orders/SO-SEC-A", { key: keys.observer!.key })).status, 200, "an unbound key with orders:read sees every order");
		assert.equal((await call("/api/v1/orders/SO-SEC-A/trace", { key: keys.shopA!.key })).status, 200);
	});

	it("refuses to give a partner-bound key platform-wide scopes, or bind it to a partner that does not exist", async () => {
		assert.equal((await issue({ name: "greedy", scopes: ["orders:read", "ops:read"], partner: "erp-sim" })).status, 403);
		assert.equal((await issue({ name: "ghost", scopes: ["orders:read"], partner: "no-such-partner" })).status, 404);
		assert.equal((await issue({ name: "escalate", role: "admin" }, keys.client!.key)).status, 403, "only keys:admin issues keys");
		assert.equal((await issue({ name: "x", role: "client", extra: true })).status, 422, "unknown fields are refused");
	});

	it("refuses unknown fields in governed API bodies by name, instead of dropping them", async () => {
		const order = { ...testOrder("SO-SEC-STRICT"), requestedWindw: { from: "2026-12-01T08:00:00Z" } };
		const response = await releaseOrder({ gatewayUrl: h.gatewayUrl, auth: as(keys.client!.key) }, order);
		assert.equal(response.status, 422);
		assert.match(JSON.stringify(await response.json()), /requestedWindw/);
	});

	it("revokes a key: refused from then on, and the issue and revocation are in the ledger with who did them", async () => {
		const temp = await issue({ name: "temporary", role: "observer" });
		assert.equal((await call("/ops/exceptions", { key: temp.body.key })).status, 200);
		assert.equal((await call(`/ops/api-keys/${temp.body.id}`, { method: "DELETE", key: h.apiKey })).status, 200);
		assert.equal((await call("/ops/exceptions", { key: temp.body.key })).status, 401);
		const entries = await eventually("the key's ledger entries", async () => {
			const found = await ledgerOf(`operator:${temp.body.id}`);
			return found.length === 2 ? found : undefined;
		});
		const me = (await (await call("/api/v1/whoami", { key: h.apiKey })).json()) as { name: string; keyId: string };
		assert.deepEqual(entries.map((e) => [e.type, e.actor]), [
			["waybill.operator.acted", `${me.name} (key ${me.keyId})`],
			["waybill.operator.acted", `${me.name} (key ${me.keyId})`],
		]);
	});

	it("records who acted as authenticated over HTTP, whatever the body claims, and as a broker caller names itself inside the cluster", async () => {
		const overHttp = await issue({ name: "claims", role: "observer", by: "mallory" });
		assert.equal(overHttp.status, 201);
		const inside = await h.client.call<Issued, unknown>("gateway.createApiKey", { name: "from the REPL", role: "observer", by: "repl:sre" });
		const me = (await (await call("/api/v1/whoami", { key: h.apiKey })).json()) as { name: string; keyId: string };
		const actors = await eventually("both issues in the ledger", async () => {
			const [a, b] = await Promise.all([ledgerOf(`operator:${overHttp.body.id}`), ledgerOf(`operator:${inside.id}`)]);
			return a.length === 1 && b.length === 1 ? [a[0]!.actor, b[0]!.actor] : undefined;
		});
		assert.deepEqual(actors, [`${me.name} (key ${me.keyId})`, `repl:sre (node ${h.client.nodeID})`]);
	});

	it("answers a key over its rate 429 with Retry-After, and does not audit it", async () => {
		const since = new Date().toISOString();
		const answers = await Promise.all(Array.from({ length: 8 }, () => call("/api/v1/orders/SO-SEC-A", { key: keys.slow!.key })));
		const limited = answers.filter((r) => r.status === 429);
		assert.ok(limited.length >= 5, `at most 2 of 8 pass in one second, got ${answers.map((r) => r.status).join(",")}`);
		assert.ok(Number(limited[0]!.headers.get("retry-after")) >= 1);
		assert.equal(((await limited[0]!.json()) as Problem).type, `${PROBLEMS}rate-limited`);
		await new Promise((resolve) => setTimeout(resolve, 300));
		assert.deepEqual(await rejectedSince(since), [], "nothing audited for the 429s");
	});

	it("takes a partner's signed webhook only on its own path, fresh, and once per delivery id", async () => {
		const body = JSON.stringify({ eventId: "evt_sec_1", eventType: "order.allocated", occurredAt: new Date().toISOString(), order: { id: "wo_sec", externalRef: "FO-SO-SEC-A-WH1", orderRef: "SO-SEC-A", warehouse: "WH1" }, lines: [] });
		const post = (path: string, headers: Record<string, string>) => fetch(`${h.gatewayUrl}/webhooks/${path}`, { method: "POST", headers: { "content-type": "application/json", "x-3pl-delivery": "d-sec-1", ...headers }, body });
		// Another partner's genuine secret on this partner's path: not this partner's credential.
		for (const secret of [h.secrets.wmsX12, h.secrets.lastmile, h.secrets.lastmileRapid]) assert.equal((await post("wms/acme-3pl", signed3plHeaders(body, secret))).status, 401);
		const stale = await post("wms/acme-3pl", signed3plHeaders(body, h.secrets.wms, Math.floor(Date.now() / 1000) - 3600));
		assert.equal(stale.status, 401);
		assert.equal(((await stale.json()) as Problem).type, `${PROBLEMS}signature-stale`);
		const fresh = signed3plHeaders(body, h.secrets.wms);
		const first = (await (await post("wms/acme-3pl", fresh)).json()) as { duplicate: boolean };
		const replayed = (await (await post("wms/acme-3pl", fresh)).json()) as { duplicate: boolean };
		assert.deepEqual([first.duplicate, replayed.duplicate], [false, true], "a replay inside the window is recognised and not processed again");
	});
});
