import { randomBytes } from "node:crypto";

/**
 * W3C Trace Context (`traceparent`, version 00): `00-<trace-id>-<parent-id>-<flags>`, 32 and 16
 * lower-case hex digits and two of flags. An order is one trace: the trace of its release. Every
 * message about it carries that trace id; the parent id names the hop (span) that produced it.
 */
export interface TraceContext {
	traceId: string;
	parentId: string;
	flags: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;
/** Sampled: the caller records this trace, so the receiver should too. */
const SAMPLED = "01";

/** The parts of a valid traceparent; undefined for anything else (the spec: start a new trace then). */
export function parseTraceparent(value: unknown): TraceContext | undefined {
	if (typeof value !== "string") return undefined;
	const match = TRACEPARENT.exec(value.trim());
	if (!match) return undefined;
	const [, traceId, parentId, flags] = match as unknown as [string, string, string, string];
	if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return undefined;
	return { traceId, parentId, flags };
}

export const formatTraceparent = (t: TraceContext): string => `00-${t.traceId}-${t.parentId}-${t.flags}`;

/** A new span id: 8 random bytes, never all zero. */
export function newSpanId(): string {
	const id = randomBytes(8).toString("hex");
	return ALL_ZERO.test(id) ? newSpanId() : id;
}

/** A new trace, sampled, whose first span is the caller's. */
export function newTraceparent(): string {
	return formatTraceparent({ traceId: randomBytes(16).toString("hex"), parentId: newSpanId(), flags: SAMPLED });
}

/** The same trace with `spanId` (a new one by default) as the parent: what a hop passes on. */
export function childTraceparent(traceparent: string, spanId = newSpanId()): string | undefined {
	const parent = parseTraceparent(traceparent);
	return parent ? formatTraceparent({ ...parent, parentId: spanId }) : undefined;
}

/** Continue the caller's trace when its header is valid, else start one. */
export const continueOrStartTrace = (header: unknown): string => (parseTraceparent(header) ? childTraceparent(header as string)! : newTraceparent());

export const traceIdOf = (traceparent: unknown): string | undefined => parseTraceparent(traceparent)?.traceId;
