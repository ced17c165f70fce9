import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { waybillLogger } from "../../mixins/logging/pino-logger.ts";
import { SUBSCRIPTIONS } from "../../services/gateway/stream-gauges.ts";

const POLICIES = fileURLToPath(new URL("../fixtures/policies/exception-flows.json", import.meta.url));
const PARTNERS = JSON.parse(readFileSync(new URL("../../config/partners.json", import.meta.url), "utf8")) as { partners: Array<{ system: string; partner: string; urlEnv?: string }> };
/** Personal data of a customer that must never reach a log line. */
const CUSTOMER = { name: "Zelda Quartermain", email: "zelda.q@example.org", phone: "+31205550199", line1: "99 Keizersgracht", postalCode: "1015CJ" };
const ORDERS = { plain: "OBS-PLAIN", short: "OBS-SHORT", late: "OBS-LATE" };

interface Sample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

/** Parses the Prometheus text format; every sample line must be well-formed. */
function parse(text: string): Sample[] {
	const samples: Sample[] = [];
	for (const line of text.split("\n")) {
		if (line === "" || line.startsWith("#")) continue;
		const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		assert.ok(match, `a well-formed sample line: ${line}`);
		const labels = Object.fromEntries([...(match![2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
		samples.push({ name: match![1]!, labels, value: Number(match![3]) });
	}
	return samples;
}

const select = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
	samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) => select(samples, name, labels).reduce((sum, s) => sum + s.value, 0);

/**
 * Issue 6 end to end in embedded mode: orders released through the API are counted, timed and
 * logged, and the ledger answers queries by partner and time. One order meets a short pick (a
 * case opened and resolved), one is express and held in the warehouse past its dispatch SLA.
 */
describe("observability: metrics, logs and ledger queries of a running platform", () => {
	let h: Harness;
	const logLines: string[] = [];
	const releasedAt = new Date().toISOString();
	const metrics = async () => {
		const response = await fetch(`${h.gatewayUrl}/metrics`, { headers: h.auth });
		assert.equal(response.status, 200);
		assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
		return response.text();
	};

	before(async () => {
		process.env.METRICS_REFRESH_MS = "200";
		h = await startHarness({
			mode: "embedded",
			policiesFile: POLICIES,
			wmsDelays: { exceptionDelayMs: 3_000 },
			brokerOptions: {
				metrics: { enabled: true, collectProcessMetrics: false },
				logger: waybillLogger({ level: "debug", destination: { write: (line: string) => void logLines.push(line) } }),
			},
		});
		h.wms.setScenario({ orders: { [ORDERS.short]: { shortPick: [{ lineNo: 2, qtyPicked: 1 }] }, [ORDERS.late]: { warehouseException: "wave-blocked" } } });
		const customer = { id: "C-OBS", name: CUSTOMER.name, email: CUSTOMER.email, phone: CUSTOMER.phone };
		const shipTo = { name: CUSTOMER.name, line1: CUSTOMER.line1, city: "Amsterdam", postalCode: CUSTOMER.postalCode, country: "NL", phone: CUSTOMER.phone, email: CUSTOMER.email };
		for (const orderId of Object.values(ORDERS)) {
			const order = { ...testOrder(orderId), customer, shipTo, ...(orderId === ORDERS.late ? { serviceLevel: "express" } : {}) };
			assert.equal((await releaseOrder(h, order)).status, 202);
		}
		for (const orderId of Object.values(ORDERS)) {
			await eventually(`${orderId} invoiced`, async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId })).status === "invoiced", 60_000);
		}
	});

	after(async () => {
		delete process.env.METRICS_REFRESH_MS;
		await h?.stop();
	});

	it("GET /metrics counts every dispatched order once, with its order-to-dispatch time", async () => {
		const samples = parse(await metrics());
		const name = "waybill_sla_order_to_dispatch_seconds";
		assert.equal(total(samples, `${name}_count`), 3, "one observation per dispatched order");
		assert.equal(total(samples, `${name}_bucket`, { le: "+Inf" }), 3);
		assert.ok(total(samples, `${name}_sum`) >= 3, "the held express order took its 3 s in the warehouse");
		assert.deepEqual(select(samples, `${name}_count`, { service_level: "express" }).map((s) => [s.labels.warehouse, s.labels.provider, s.value]), [["WH1", "rapid-courier", 1]]);
		const buckets = select(samples, `${name}_bucket`, { service_level: "express" }).map((s) => s.value);
		assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), "cumulative buckets in bound order");
	});

	it("counts messages handled per channel and group, and times each hop from storage to handled", async () => {
		const samples = parse(await metrics());
		for (const { channel, group } of [{ channel: "inbound", group: "mapper" }, { channel: "events", group: "saga" }, { channel: "commands-wms", group: "wms" }, { channel: "events", group: "ledger" }]) {
			const handled = total(samples, "waybill_stream_messages_processed_total", { channel, group });
			assert.ok(handled > 0, `${group} handled ${channel}`);
			assert.equal(total(samples, "waybill_stream_hop_latency_seconds_count", { channel, group }), handled);
		}
		assert.ok(total(samples, "waybill_stream_hop_latency_seconds_sum", { channel: "events", group: "saga" }) > 0);
	});

	it("reports SLAs at risk and breached, and how long exception cases took to resolve", async () => {
		const samples = parse(await metrics());
		assert.equal(total(samples, "waybill_sla_at_risk_total", { sla: "order-to-dispatch" }), 1);
		assert.equal(total(samples, "waybill_sla_breached_total", { sla: "order-to-dispatch" }), 1);
		assert.ok(total(samples, "waybill_sla_exception_resolution_seconds_count", { kind: "short-pick", owner: "inventory-control" }) >= 1);
		// The REPL's `sla` reads the same from the saga: the late order is listed as breached.
		const sla = await h.client.call<{ breached: Array<{ orderId: string; sla: string }> }, Record<string, never>>("saga.sla", {});
		assert.deepEqual(sla.breached.filter((b) => b.sla === "order-to-dispatch").map((b) => b.orderId), [ORDERS.late]);
	});

	it("has a circuit gauge per partner, stream backlogs and the dead-letter depth, and status freshness once all orders finished", async () => {
		const samples = parse(await metrics());
		for (const p of PARTNERS.partners.filter((e) => e.urlEnv)) {
			assert.deepEqual(select(samples, "waybill_partner_circuit_state", { system: p.system, partner: p.partner }).map((s) => s.value), [0], `${p.system}/${p.partner} closed`);
		}
		for (const { channel, group } of SUBSCRIPTIONS) assert.equal(select(samples, "waybill_stream_backlog", { channel, group }).length, 1, `backlog of ${group} on ${channel}`);
		assert.equal(total(samples, "waybill_dead_letters_depth"), 0);
		await eventually("the saga's backlog drained and no order in flight", async () => {
			const now = parse(await metrics());
			return total(now, "waybill_stream_backlog", { channel: "events", group: "saga" }) === 0 && total(now, "waybill_orders_in_flight") === 0 && select(now, "waybill_sla_status_age_max_seconds").length === 1;
		});
	});

	it("keeps label values bounded: no order id appears in the metrics", async () => {
		const text = await metrics();
		for (const orderId of Object.values(ORDERS)) assert.ok(!text.includes(orderId), orderId);
	});

	it("logs pino JSON with correlation id, order id and partner on the lines about a message, and no personal data anywhere", async () => {
		const records = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
		assert.ok(records.length > 0);
		const about = records.filter((r) => r.orderId === ORDERS.plain);
		assert.ok(about.some((r) => r.msg === "message handled" && r.group === "saga" && r.correlationId === ORDERS.plain));
		const adapterLine = about.find((r) => r.msg === "message handled" && r.group === "wms");
		assert.deepEqual([adapterLine?.partner, adapterLine?.channel, adapterLine?.messageType], ["acme-3pl", "commands-wms", "wms.fulfillment-order.create"]);
		for (const value of Object.values(CUSTOMER)) assert.ok(!logLines.some((line) => line.includes(value)), `'${value}' never logged`);
	});

	it("GET /ops/ledger answers by partner and time range, newest first and bounded", async () => {
		const query = (q: string) => fetch(`${h.gatewayUrl}/ops/ledger?${q}`, { headers: h.auth });
		const byPartner = (await (await query(`partner=acme-3pl&from=${encodeURIComponent(releasedAt)}&limit=5`)).json()) as { count: number; truncated: boolean; entries: Array<{ seq: number; partner: string; recordedAt: string }> };
		assert.deepEqual([byPartner.count, byPartner.truncated], [5, true]);
		assert.ok(byPartner.entries.every((e) => e.partner === "acme-3pl" && e.recordedAt >= releasedAt));
		assert.deepEqual(byPartner.entries.map((e) => e.seq), byPartner.entries.map((e) => e.seq).sort((a, b) => b - a), "newest first");
		const order = (await (await query(`correlationId=${ORDERS.plain}&partner=acme-3pl&limit=1000`)).json()) as { truncated: boolean; entries: Array<{ correlationId: string }> };
		assert.equal(order.truncated, false);
		assert.ok(order.entries.length > 0 && order.entries.every((e) => e.correlationId === ORDERS.plain));
		const future = (await (await query(`from=2999-01-01T00:00:00Z`)).json()) as { count: number };
		assert.equal(future.count, 0);
		const bad = await query("from=yesterday");
		assert.equal(bad.status, 422);
		assert.match(bad.headers.get("content-type") ?? "", /problem\+json/);
	});
});
