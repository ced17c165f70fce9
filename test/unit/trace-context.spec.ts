import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ServiceBroker, TracerExporters, type Span } from "moleculer";
import {
	CHANNELS, ERROR_TYPES, WAYBILL_FACTS, childTraceparent, continueOrStartTrace, createEnvelope, parseTraceparent, traceIdOf, type Envelope,
} from "../../canonical/index.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { tracingOptionsFromEnv } from "../../mixins/runtime/tracing-options.ts";
import { MemoryStreamBus } from "../../mixins/streams/memory-stream.bus.ts";
import { caught } from "../helpers/fixtures.ts";
import { eventually } from "../helpers/poll.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe("W3C trace context", () => {
	it("reads a valid traceparent and refuses what the spec says to ignore", () => {
		assert.deepEqual(parseTraceparent(CALLER), { traceId: TRACE_ID, parentId: "00f067aa0ba902b7", flags: "01" });
		for (const bad of [
			undefined, "", "00-abc-def-01", CALLER.toUpperCase(), CALLER.replace(/^00/, "ff"),
			`00-${"0".repeat(32)}-00f067aa0ba902b7-01`, `00-${TRACE_ID}-${"0".repeat(16)}-01`, `${CALLER}-extra`,
		]) assert.equal(parseTraceparent(bad), undefined, String(bad));
	});

	it("continues a trace with a new parent span and the same trace id and flags, or starts a sampled one", () => {
		const child = parseTraceparent(childTraceparent(CALLER))!;
		assert.equal(child.traceId, TRACE_ID);
		assert.equal(child.flags, "01");
		assert.notEqual(child.parentId, "00f067aa0ba902b7");
		assert.equal(childTraceparent(CALLER, "1111111111111111"), `00-${TRACE_ID}-1111111111111111-01`);
		assert.equal(traceIdOf(continueOrStartTrace(CALLER)), TRACE_ID);
		const started = parseTraceparent(continueOrStartTrace("not-a-traceparent"))!;
		assert.notEqual(started.traceId, TRACE_ID);
		assert.equal(started.flags, "01");
	});
});

describe("Moleculer tracing configuration", () => {
	it("is off unless TRACING is true, and then exports to the console by default, in plain text", () => {
		assert.deepEqual(tracingOptionsFromEnv({}), { enabled: false });
		assert.deepEqual(tracingOptionsFromEnv({ TRACING: "true" }), { enabled: true, exporter: [{ type: "Console", options: { colors: false } }], sampling: { rate: 1 } });
	});

	it("takes several exporters, any case, with their options from the environment, and a sample rate", () => {
		const options = tracingOptionsFromEnv({ TRACING: "1", TRACING_EXPORTER: "zipkin, Event", ZIPKIN_URL: "http://zipkin:9411", TRACING_SAMPLE_RATE: "0.25" });
		assert.deepEqual(options, { enabled: true, exporter: [{ type: "Zipkin", options: { baseURL: "http://zipkin:9411" } }, { type: "Event", options: {} }], sampling: { rate: 0.25 } });
	});

	it("refuses an unknown exporter, one whose package is not installed, one missing its key, and a rate outside 0..1", () => {
		const refusals = [
			{ TRACING: "true", TRACING_EXPORTER: "Honeycomb" },
			{ TRACING: "true", TRACING_EXPORTER: "Jaeger" },
			{ TRACING: "true", TRACING_EXPORTER: "NewRelic" },
			{ TRACING: "true", TRACING_SAMPLE_RATE: "2" },
		].map((env) => caught(() => tracingOptionsFromEnv(env)) as { type?: string; data?: { setting: string; reason: string } });
		assert.deepEqual(refusals.map((e) => [e.type, e.data?.setting]), [
			[ERROR_TYPES.CONFIGURATION_INVALID, "TRACING_EXPORTER"],
			[ERROR_TYPES.CONFIGURATION_INVALID, "TRACING_EXPORTER"],
			[ERROR_TYPES.CONFIGURATION_INVALID, "NEW_RELIC_INSERT_KEY"],
			[ERROR_TYPES.CONFIGURATION_INVALID, "TRACING_SAMPLE_RATE"],
		]);
		assert.match(refusals[1]!.data!.reason, /jaeger-client/);
	});
});

/** Keeps every finished span, as an exporter would send them. */
class CapturingExporter extends TracerExporters.Base {
	readonly spans: Span[] = [];
	override spanFinished(span: Span): void {
		this.spans.push(span);
	}
}

const clock = (clockName: string, traceparent?: string) =>
	createEnvelope({ type: WAYBILL_FACTS.CLOCK_ELAPSED, source: "test", subject: "SO-TRACE-1", data: { orderId: "SO-TRACE-1", clock: clockName, dueAt: new Date().toISOString() }, schemaVersion: 1, idempotencyKey: `SO-TRACE-1:${clockName}`, traceparent });

describe("a message handled with tracing on", () => {
	const exporter = new CapturingExporter({});
	const seen: Envelope[] = [];
	let broker: ServiceBroker;

	// Hop one reacts to the first clock by publishing a second one; hop two records what it gets.
	const relay: StreamingServiceSchema<Record<string, never>, DurableStreamsMethods> = {
		name: "relay",
		mixins: [DurableStreamsMixin()],
		streams: {
			first: {
				channel: CHANNELS.EVENTS,
				group: "relay",
				async handler(envelope: Envelope) {
					if ((envelope.data as { clock: string }).clock === "first") await this.publishMessage(CHANNELS.EVENTS, clock("second", envelope.traceparent));
				},
			},
			second: {
				channel: CHANNELS.EVENTS,
				group: "recorder",
				async handler(envelope: Envelope) {
					seen.push(envelope);
				},
			},
		},
	};

	before(async () => {
		broker = new ServiceBroker({ namespace: "t-tracing", logger: false, tracing: { enabled: true, exporter: [exporter as never] } });
		broker.createService(relay as never);
		await broker.start();
	});
	after(async () => {
		await broker.stop();
		MemoryStreamBus.reset("t-tracing");
	});

	it("is a span of the message's trace, whose id is the parent of what the handler publishes", async () => {
		const bus = (broker.getLocalService("relay") as unknown as DurableStreamsMethods).streamBus();
		await bus.publish(CHANNELS.EVENTS, clock("first", CALLER));
		const second = await eventually("the relayed clock", async () => seen.find((e) => (e.data as { clock: string }).clock === "second"));
		const relayed = parseTraceparent(second.traceparent)!;
		assert.equal(relayed.traceId, TRACE_ID);
		const span = await eventually("the relay's span", async () => exporter.spans.find((s) => s.name === "events relay" && s.tags.messageType === WAYBILL_FACTS.CLOCK_ELAPSED && s.id === relayed.parentId));
		assert.equal(span.traceID, TRACE_ID);
		assert.equal(span.parentID, "00f067aa0ba902b7", "the publisher's span is the parent");
		const recorded = await eventually("the recorder's span of the second clock", async () => exporter.spans.find((s) => s.name === "events recorder" && s.parentID === relayed.parentId));
		assert.equal(recorded.traceID, TRACE_ID);
	});
});
