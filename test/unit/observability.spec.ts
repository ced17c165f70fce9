import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ServiceBroker } from "moleculer";
import { createEnvelope } from "../../canonical/index.ts";
import { withMessageContext } from "../../mixins/logging/message-context.ts";
import { pinoArgs, waybillLogger } from "../../mixins/logging/pino-logger.ts";
import { brokerPrometheusText } from "../../mixins/metrics/prometheus-text.ts";
import { METRIC, registerWaybillMetrics } from "../../mixins/metrics/waybill-metrics.ts";

describe("metrics and logs of one broker", () => {
	const lines: string[] = [];
	let broker: ServiceBroker;
	before(async () => {
		broker = new ServiceBroker({
			namespace: "t-obs",
			nodeID: "node-1",
			metrics: { enabled: true, collectProcessMetrics: false },
			logger: waybillLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } }),
		});
		await broker.start();
		registerWaybillMetrics(broker);
		registerWaybillMetrics(broker);
	});
	after(() => broker.stop());

	it("writes standard Prometheus histograms: buckets in bound order, +Inf, _sum and _count", () => {
		broker.metrics.observe(METRIC.HOP_LATENCY, 0.007, { channel: "events", group: "saga" });
		broker.metrics.observe(METRIC.HOP_LATENCY, 2, { channel: "events", group: "saga" });
		const text = brokerPrometheusText(broker)!;
		const series = text.split("\n").filter((l) => l.startsWith("waybill_stream_hop_latency_seconds"));
		const bounds = series.filter((l) => l.includes("_bucket")).map((l) => /le="([^"]+)"/.exec(l)![1]);
		assert.deepEqual(bounds.slice(0, 3), ["0.005", "0.01", "0.025"]);
		assert.equal(bounds.at(-1), "+Inf");
		assert.ok(series.includes('waybill_stream_hop_latency_seconds_bucket{namespace="t-obs",nodeID="node-1",channel="events",group="saga",le="0.01"} 1'));
		assert.ok(series.includes('waybill_stream_hop_latency_seconds_count{namespace="t-obs",nodeID="node-1",channel="events",group="saga"} 2'));
		assert.ok(series.includes('waybill_stream_hop_latency_seconds_sum{namespace="t-obs",nodeID="node-1",channel="events",group="saga"} 2.007'));
		assert.match(text, /# TYPE waybill_stream_hop_latency_seconds histogram\n/);
		assert.ok(!text.includes("waybill_sla_breached_total"), "a series never set is not written");
	});

	it("escapes label values and says when metrics are off", () => {
		broker.metrics.set(METRIC.CIRCUIT_STATE, 2, { system: "wms", partner: 'odd"name\\' });
		assert.ok(brokerPrometheusText(broker)!.includes('waybill_partner_circuit_state{namespace="t-obs",nodeID="node-1",system="wms",partner="odd\\"name\\\\"} 2'));
		assert.equal(brokerPrometheusText(new ServiceBroker({ logger: false, metrics: false })), undefined);
	});

	it("logs JSON with the message's correlation id, order id and partner, fields kept and personal data redacted", async () => {
		const envelope = createEnvelope({ type: "erp.order.released", source: "test", subject: "SO-LOG-1", data: {}, schemaVersion: 1, partner: "erp-sim" });
		await withMessageContext(envelope, { channel: "events", group: "saga", attempt: 2 }, async () => {
			broker.logger.info("order seen", { order: { customer: { name: "Ada Lovelace" }, shipTo: { line1: "12 Harbour Street" } }, contact: { name: "Ada Lovelace", email: "ada@example.com" }, count: 3 });
		});
		broker.logger.warn("outside any message");
		const [inside, outside] = lines.slice(-2).map((l) => JSON.parse(l) as Record<string, unknown>);
		assert.deepEqual(
			[inside!.msg, inside!.correlationId, inside!.orderId, inside!.partner, inside!.messageType, inside!.channel, inside!.group, inside!.attempt, inside!.count],
			["order seen", "SO-LOG-1", "SO-LOG-1", "erp-sim", "erp.order.released", "events", "saga", 2, 3],
		);
		assert.deepEqual([inside!.order, inside!.contact], [{ customer: "[redacted]", shipTo: "[redacted]" }, { name: "[redacted]", email: "[redacted]" }]);
		assert.ok(!lines.join("").includes("Ada"));
		assert.equal(outside!.correlationId, undefined);
	});

	it("turns Moleculer's ('text', fields, more) call style into pino's (fields, 'text more')", () => {
		const error = new Error("boom");
		assert.deepEqual(pinoArgs(["text"]), ["text"]);
		assert.deepEqual(pinoArgs([{ a: 1 }, "text"]), [{ a: 1 }, "text"]);
		assert.deepEqual(pinoArgs(["text", { a: 1 }, "more", 7, error]), [{ a: 1, err: error }, "text more 7"]);
		assert.deepEqual(pinoArgs(["loaded", ["x", "y"]]), ['loaded ["x","y"]']);
	});
});
