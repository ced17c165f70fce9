import { AsyncLocalStorage } from "node:async_hooks";
import type { Envelope } from "../../canonical/envelope.ts";
import { newSpanId, parseTraceparent } from "../../canonical/trace-context.ts";

/** What every log line written while one message is handled carries. No personal data: ids only. */
export interface MessageLogContext {
	correlationId: string;
	/** The envelope's subject: the order id for anything that concerns one order. */
	orderId: string;
	/** The partner the message names; an adapter fills in the one it resolved when the message names none. */
	partner?: string;
	messageId: string;
	messageType: string;
	channel: string;
	group: string;
	attempt: number;
	/** The W3C trace the message belongs to (the order's), and this handling's own span id in it. */
	traceId?: string;
	spanId?: string;
}

const storage = new AsyncLocalStorage<MessageLogContext>();

/**
 * Runs a message's handler with its log context: every line logged inside, by any service or
 * module and through any await, gets these fields (the logger reads them, see pino-logger.ts).
 */
export function withMessageContext<T>(envelope: Envelope, where: { channel: string; group: string; attempt: number }, run: () => Promise<T>): Promise<T> {
	// Read defensively: a poison message reaches here before validation, and must still get its dead letter.
	const e = (typeof envelope === "object" && envelope !== null ? envelope : {}) as Partial<Record<keyof Envelope, unknown>>;
	const text = (value: unknown) => (typeof value === "string" ? value : "");
	const context: MessageLogContext = {
		correlationId: text(e.correlationid),
		orderId: text(e.subject),
		...(typeof e.partner === "string" ? { partner: e.partner } : {}),
		messageId: text(e.id),
		messageType: text(e.type),
		channel: where.channel,
		group: where.group,
		attempt: where.attempt,
	};
	const trace = parseTraceparent(e.traceparent);
	if (trace) Object.assign(context, { traceId: trace.traceId, spanId: newSpanId() });
	return storage.run(context, run);
}

/** The context of the message being handled, if any; mutable, so a handler can name the partner it resolved. */
export function messageContext(): MessageLogContext | undefined {
	return storage.getStore();
}
