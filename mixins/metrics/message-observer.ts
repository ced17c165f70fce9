import type { Logger, ServiceBroker } from "moleculer";
import { describeError } from "../../canonical/errors/waybill-error.ts";
import { holdsMessage } from "../../canonical/errors/partner-unavailable.error.ts";
import type { Delivery } from "../streams/stream-bus.ts";
import { messageContext, withMessageContext } from "../logging/message-context.ts";
import { startHopSpan } from "../tracing/hop-span.ts";
import { childTraceparent, parseTraceparent } from "../../canonical/trace-context.ts";
import { METRIC, secondsBetween } from "./waybill-metrics.ts";

/** Error types are UPPER_SNAKE constants; anything else is one bucket, so a label never grows without bound. */
const errorTypeLabel = (type: string) => (/^[A-Z][A-Z0-9_]{0,63}$/.test(type) ? type : "OTHER");

/**
 * Handles one delivery inside its log context (see message-context.ts) and counts it: handled,
 * or failed with its error type, and the hop latency from the stream storing it to the handler
 * finishing. A failure is logged (a message held for an open circuit only at debug: it is
 * redelivered on purpose until the partner is back) and thrown on, for the bus to retry or
 * dead-letter.
 */
export function observeDelivery(broker: ServiceBroker, logger: Logger, delivery: Delivery, handle: () => Promise<void>): Promise<void> {
	const labels = { channel: delivery.channel, group: delivery.group };
	return withMessageContext(delivery.envelope, delivery, async () => {
		const span = hopSpan(broker, delivery);
		try {
			await handle();
			span.finish();
		} catch (error: unknown) {
			span.finish(error);
			const { type, retryable, message } = describeError(error);
			broker.metrics.increment(METRIC.MESSAGES_FAILED, { ...labels, error_type: errorTypeLabel(type) });
			logger[holdsMessage(error) ? "debug" : "warn"](`message handling failed (attempt ${delivery.attempt}): ${type}`, { errorType: type, retryable, error: message.slice(0, 500) });
			throw error;
		}
		const seconds = secondsBetween(delivery.storedAt, new Date().toISOString());
		broker.metrics.increment(METRIC.MESSAGES_PROCESSED, labels);
		if (seconds !== undefined) broker.metrics.observe(METRIC.HOP_LATENCY, seconds, labels);
		logger.debug("message handled", { hopSeconds: seconds });
	});
}

/** This handling as a span of the message's trace (exported when tracing is on), its publisher's span as parent. */
function hopSpan(broker: ServiceBroker, delivery: Delivery) {
	const hop = messageContext();
	const traceparent = (delivery.envelope as { traceparent?: unknown }).traceparent;
	if (!hop?.spanId || typeof traceparent !== "string") return { finish: () => undefined };
	const tags = { channel: delivery.channel, group: delivery.group, attempt: delivery.attempt, messageId: hop.messageId, messageType: hop.messageType, orderId: hop.orderId };
	return startHopSpan(broker, `${delivery.channel} ${delivery.group}`, childTraceparent(traceparent, hop.spanId), parseTraceparent(traceparent)?.parentId, tags);
}
