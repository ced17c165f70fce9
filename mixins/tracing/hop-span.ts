import type { ServiceBroker } from "moleculer";
import { childTraceparent, continueOrStartTrace, formatTraceparent, parseTraceparent, type TraceContext } from "../../canonical/trace-context.ts";
import { messageContext } from "../logging/message-context.ts";

/**
 * Each hop (a message handled by a service, a request taken in by the gateway) is a span of the
 * order's trace: it has a span id of its own, its caller's as parent, and whatever it publishes or
 * sends to a partner names it as parent. With Moleculer tracing on (TRACING=true) the span is
 * exported, so the exporters show one trace per order across every service and process.
 */
export interface HopSpan {
	finish(error?: unknown): void;
}

/** The service a span is attributed to, as Moleculer names it. */
interface SpanService {
	name: string;
	fullName?: string;
	version?: string | number;
}

const NOTHING: HopSpan = { finish: () => undefined };
const sampledFlag = (t: TraceContext) => (Number.parseInt(t.flags, 16) & 1) === 1;

/** Starts the span of a hop whose own trace context is `hop` (parent id: this hop's span id), the caller's span being `callerSpanId`. */
export function startHopSpan(broker: ServiceBroker, name: string, hop: string | undefined, callerSpanId: string | undefined, tags: Record<string, unknown>, service?: SpanService): HopSpan {
	const context = parseTraceparent(hop);
	if (!context || !broker.isTracingEnabled()) return NOTHING;
	const span = broker.tracer.startSpan(name, {
		id: context.parentId,
		traceID: context.traceId,
		parentID: callerSpanId ?? null,
		type: "waybill",
		sampled: sampledFlag(context),
		tags,
		...(service ? { service: { name: service.name, fullName: service.fullName, version: service.version } } : {}),
	});
	return {
		finish(error?: unknown) {
			if (error) span.setError(error instanceof Error ? error : new Error(String(error)));
			span.finish();
		},
	};
}

/**
 * The traceparent a message published (or a request sent) while a message is handled carries:
 * the same trace, this hop's span as parent. Unchanged outside a hop or for another trace.
 */
export function hopTraceparent(traceparent: string | undefined): string | undefined {
	const hop = messageContext();
	if (!traceparent || !hop?.spanId || parseTraceparent(traceparent)?.traceId !== hop.traceId) return traceparent;
	return childTraceparent(traceparent, hop.spanId);
}

/**
 * The gateway's intake of a request: continues the caller's trace (a valid `traceparent` header)
 * or starts one, as a span of its own. A new trace is sampled as Moleculer's sampler decides when
 * tracing is on (TRACING_SAMPLE_RATE), and always otherwise: the flag travels with the order.
 */
export function startIntake(broker: ServiceBroker, name: string, header: unknown, tags: Record<string, unknown>, service?: SpanService): { traceparent: string; span: HopSpan } {
	const caller = parseTraceparent(header);
	let traceparent = continueOrStartTrace(header);
	if (!caller && broker.isTracingEnabled()) {
		const probe = parseTraceparent(traceparent)!;
		// The sampler reads a span's priority only; this asks it about the trace's first span.
		const sampled = broker.tracer.shouldSample({ priority: 5 } as never);
		traceparent = formatTraceparent({ ...probe, flags: sampled ? "01" : "00" });
	}
	return { traceparent, span: startHopSpan(broker, name, traceparent, caller?.parentId, tags, service) };
}
