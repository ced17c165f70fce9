import { CHANNELS, GROUPS } from "../../canonical/channels.ts";
import type { DeadLetter, StreamBus } from "../../mixins/streams/stream-bus.ts";
import type { Harness } from "../helpers/platform-harness.ts";
import { testOrder } from "../helpers/orders.ts";
import { validBodies } from "../unit/openapi-samples.ts";
import type { HttpWorld } from "./http-cases.ts";
import { profileFiles } from "./parser-docs.ts";
import { partnerEntries } from "./partner-signing.ts";
import { send } from "./raw-http.ts";
import { fuzzRoutes } from "./routes.ts";

async function call<T>(base: URL, method: string, path: string, auth: string, body?: unknown): Promise<T> {
	const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
	const res = await send(base, { method, path, headers: { authorization: `Bearer ${auth}`, ...(bytes ? { "content-type": "application/json", "content-length": String(bytes.length) } : {}) }, ...(bytes ? { body: bytes } : {}) });
	if (!res.ok || res.status >= 300) throw new Error(`fuzz setup: ${method} ${path} answered ${res.ok ? `${res.status} ${res.body.toString("utf8").slice(0, 200)}` : res.error}`);
	return JSON.parse(res.body.toString("utf8") || "null") as T;
}

/** Keys, an order, a subscription: the things path parameters can name, and the credentials the cases present. */
export async function buildWorld(h: Harness, base: URL): Promise<HttpWorld & { limitedKey: string }> {
	const issue = (name: string, extra: object = {}) => call<{ key: string; id: string }>(base, "POST", "/ops/api-keys", h.apiKey, { name, role: "observer", ...extra });
	const observer = await issue("fuzz observer");
	const revoked = await issue("fuzz revoked");
	await call(base, "DELETE", `/ops/api-keys/${revoked.id}`, h.apiKey);
	const throwaway = await issue("fuzz throwaway");
	const limited = await issue("fuzz limited", { rateLimitPerSecond: 3 });
	await call(base, "POST", "/api/v1/orders", h.apiKey, testOrder("SO-FUZZ-1"));
	const samples = validBodies();
	const subscription = await call<{ id: string }>(base, "POST", "/api/v1/subscriptions", h.apiKey, samples.SubscribeRequest![0]);
	const bodies: Record<string, unknown[]> = {
		"mapper.shadow": [{ system: "wms", partner: "acme-3pl", files: profileFiles() }],
		"gateway.resolveException": [{ note: "resolved by the fuzz suite" }],
	};
	const routes = fuzzRoutes();
	for (const route of routes) {
		const name = `${route.action.split(".")[1]!.replace(/^./, (c) => c.toUpperCase())}Request`;
		if (samples[name]) bodies[route.action] = samples[name]!;
	}
	const declared: Record<string, string[]> = {};
	for (const item of h.client.registry.getActionList({ skipInternal: true }) as Array<{ name: string; action?: { params?: Record<string, unknown> } }>) {
		declared[item.name] = Object.keys(item.action?.params ?? {}).filter((k) => !k.startsWith("$$"));
	}
	return {
		routes,
		keys: { admin: h.apiKey, observer: observer.key, revoked: revoked.key },
		limitedKey: limited.key,
		known: {
			orderId: ["SO-FUZZ-1", "SO-NOPE"],
			sku: ["SKU-1"],
			id: [subscription.id, throwaway.id],
			partner: ["edi-3pl"],
			groupControl: ["1", "999999999"],
			asset: ["app.js", "index.html", "control-tower.css"],
			type: ["not-found", "schema-invalid"],
		},
		partners: partnerEntries(),
		bodies,
		declared,
	};
}

/** Waits for the mapper to take everything accepted off the inbound stream, then reads what it dead-lettered. */
export async function drainAndReadDeadLetters(h: Harness, log: (s: string) => void): Promise<DeadLetter[]> {
	const bus = (h.client.getLocalService("gateway") as unknown as { streamBus(): StreamBus }).streamBus();
	const until = Date.now() + 30_000;
	let backlog = await bus.backlog(CHANNELS.INBOUND, GROUPS.MAPPER);
	while (backlog > 0 && Date.now() < until) {
		await new Promise((r) => setTimeout(r, 250));
		backlog = await bus.backlog(CHANNELS.INBOUND, GROUPS.MAPPER);
	}
	if (backlog > 0) log(`mapper backlog still ${backlog} after 30 s`);
	const letters: DeadLetter[] = [];
	for (let from = 1; ; ) {
		const page = await bus.read(CHANNELS.DEAD_LETTERS, from, 500);
		if (page.length === 0) break;
		letters.push(...page.map((m) => m.envelope.data as DeadLetter));
		from = page[page.length - 1]!.seq + 1;
	}
	return letters;
}
