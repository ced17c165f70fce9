import { createEnvelope, type Envelope } from "../../canonical/envelope.ts";
import { describeError, isRetryable } from "../../canonical/errors/waybill-error.ts";
import { holdsMessage, retryAfterOf } from "../../canonical/errors/partner-unavailable.error.ts";

/**
 * The durable-messaging contract. Two implementations honour it: `MemoryStreamBus` (embedded
 * mode, one process) and `JetStreamBus` (distributed mode, NATS JetStream). One contract test
 * suite runs against both.
 *
 * Semantics both must keep:
 * - publish resolves only once the message is stored; a second publish with the same envelope
 *   `id` inside the dedup window is dropped and reported as `duplicate: true`;
 * - a message goes to exactly one partition, chosen from its `subject` (the order); within a
 *   partition and consumer group, messages are handled one at a time, in publish order;
 *   this is "ordering per order" and also bounds the in-flight count to the partition count;
 * - explicit ack: a handler that resolves acks; one that throws a retryable error is redelivered
 *   after a delay (backoff by attempt, or the error's `data.retryAfterMs`), blocking its partition
 *   meanwhile so later messages for the same order do not overtake it;
 * - a handler that throws a non-retryable error, or fails `maxAttempts` times, moves the message to
 *   the dead-letter channel (an envelope of type DEAD_LETTER_TYPE carrying the original and the
 *   error) and acks the original;
 * - close() stops pulling, waits for handlers in flight and publishes under way, then disconnects.
 */
export interface PublishResult {
	duplicate: boolean;
	/** Stream sequence of the stored message (the original's when duplicate). */
	seq: number;
}

export interface Delivery<T = unknown> {
	channel: string;
	group: string;
	partition: number;
	/** 1 on first delivery. */
	attempt: number;
	/** When the stream stored the message (the broker's clock): when its producer published it. */
	storedAt: string;
	envelope: Envelope<T>;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
	group: string;
	/** Deliveries before a retryable failure is dead-lettered. Default DEFAULT_MAX_ATTEMPTS. */
	maxAttempts?: number;
	/** Redelivery delays by attempt (ms); the last one repeats. Default DEFAULT_BACKOFF_MS. */
	backoffMs?: number[];
}

export interface Subscription {
	/** Stop pulling new messages and wait for the ones in flight. */
	stop(): Promise<void>;
}

export interface DeadLetter {
	channel: string;
	group: string;
	attempts: number;
	/** When the message was stored: its first delivery attempt came right after (or once its partition was free). */
	firstAttemptAt?: string;
	/** The last, failed attempt. */
	failedAt: string;
	error: { name: string; type: string; code: number; message: string; retryable: boolean; data?: unknown };
	/** Business keys and trace, so dead letters can be found and filtered without opening them. */
	orderId: string;
	partner?: string;
	messageType?: string;
	traceId?: string;
	message: unknown;
}

export interface StreamBus {
	/** Make sure the channel (stream) exists. Idempotent. */
	ensureChannel(channel: string): Promise<void>;
	publish(channel: string, envelope: Envelope): Promise<PublishResult>;
	subscribe(channel: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription>;
	/** Messages stored but not yet acked by this group. */
	backlog(channel: string, group: string): Promise<number>;
	/** Messages stored in the channel (for the dead-letter channel: its depth). */
	depth(channel: string): Promise<number>;
	/** Read stored messages in order, without consuming them (dead-letter inspection, replay). */
	read(channel: string, fromSeq: number, limit: number): Promise<Array<{ seq: number; envelope: Envelope }>>;
	close(): Promise<void>;
}

export const DEAD_LETTER_TYPE = "waybill.message.dead-lettered";
export const DEFAULT_PARTITIONS = 8;
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BACKOFF_MS = [200, 1_000, 5_000, 15_000, 30_000, 60_000];
export const DEFAULT_DEDUP_WINDOW_MS = 120_000;

/** Stable partition for a subject (FNV-1a), the same in every process and implementation. */
export function partitionOf(subject: string, partitions: number): number {
	// A subject that is not a string (a malformed message) still gets a partition, never an exception.
	subject = typeof subject === "string" ? subject : String(subject);
	let hash = 0x811c9dc5;
	for (let i = 0; i < subject.length; i++) {
		hash ^= subject.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash % partitions;
}

/** Delay before redelivery number `attempt + 1`. */
export function backoffFor(attempt: number, backoffMs: number[], retryAfterMs?: number): number {
	if (retryAfterMs !== undefined && retryAfterMs >= 0) return retryAfterMs;
	const base = backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 1_000;
	const jitter = base * 0.2 * Math.random();
	return Math.round(base + jitter);
}

/** Redelivery delay after a failed delivery, or undefined when the message must be dead-lettered. */
export function retryDelayFor(error: unknown, attempt: number, maxAttempts: number, backoffMs: number[]): number | undefined {
	// Store and forward: a message waiting for a partner whose circuit is open is held, never dead-lettered.
	if (isRetryable(error) && holdsMessage(error)) return backoffFor(attempt, backoffMs, retryAfterOf(error));
	if (!isRetryable(error) || attempt >= maxAttempts) return undefined;
	return backoffFor(attempt, backoffMs, retryAfterOf(error));
}

/** Enough of an envelope to be dead-lettered under its own identity: string id, subject and correlation. */
export function looksLikeEnvelope(value: unknown): value is Envelope {
	const v = value as Partial<Envelope> | null;
	return typeof v === "object" && v !== null && typeof v.id === "string" && typeof v.subject === "string" && typeof v.correlationid === "string";
}

/** What a dead letter needs from the message it replaces: an envelope, or a stand-in for an unreadable one. */
export interface DeadLetterOriginal {
	id: string;
	subject: string;
	correlationid: string;
	traceparent?: string;
	partner?: string;
	type?: string;
}

/**
 * The envelope that carries a message to the dead-letter channel. Its id derives from channel,
 * group and original id, so dead-lettering the same message twice (a crash before the ack) is
 * dropped by the channel's dedup instead of appearing twice.
 */
export function deadLetterEnvelope(failure: { channel: string; group: string; attempts: number; error: unknown; original: DeadLetterOriginal; storedAt?: string }): Envelope<DeadLetter> {
	const { channel, group, attempts, error, original, storedAt } = failure;
	const traceId = original.traceparent?.split("-")[1];
	return createEnvelope<DeadLetter>({
		type: DEAD_LETTER_TYPE,
		source: "waybill/streams",
		subject: original.subject,
		correlationId: original.correlationid,
		causationId: original.id,
		idempotencyKey: `dlq:${channel}:${group}:${original.id}`,
		...(original.traceparent ? { traceparent: original.traceparent } : {}),
		schemaVersion: 1,
		data: {
			channel,
			group,
			attempts,
			...(storedAt ? { firstAttemptAt: storedAt } : {}),
			failedAt: new Date().toISOString(),
			error: describeError(error),
			orderId: original.correlationid,
			...(original.partner ? { partner: original.partner } : {}),
			...(original.type ? { messageType: original.type } : {}),
			...(traceId ? { traceId } : {}),
			message: original,
		},
	});
}
