import { createHash } from "node:crypto";
import { CHANNELS, DuplicateInterchangeError, INBOUND_MESSAGES, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope, type PayloadRef } from "../../canonical/index.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";

const SOURCE = "waybill/gateway";
/** Headers worth keeping with a stored partner message; everything else (auth, cookies) is dropped. */
const KEPT_HEADERS = ["content-type", "user-agent", "x-3pl-delivery", "x-shopify-webhook-id", "traceparent"];

export type Publish = (channel: ChannelName, envelope: Envelope) => Promise<PublishResult>;

export const sha256 = (body: Buffer | string) => createHash("sha256").update(body).digest("hex");

export interface InboundInput {
	system: "erp" | "wms" | "lastmile";
	partner: string;
	body: Buffer;
	headers: Record<string, string | string[] | undefined>;
	/** The partner's own event or delivery id, when it sends one: retries of one event are one message. */
	deliveryId?: string;
	/** The order this message concerns, when it can be read cheaply; keeps one order's messages in one partition. */
	orderKey?: string;
	traceparent?: string;
}

/**
 * The claim check: a body above `inlineMaxBytes` is stored once in the payload store and the
 * inbound message carries its reference instead (body ""), so the stream holds no large documents.
 */
export interface ClaimCheck {
	inlineMaxBytes: number;
	payloads: { put(bytes: Uint8Array, contentType?: string): Promise<{ ref: PayloadRef }> };
}

export interface SeenMemory {
	get<T>(key: string): Promise<T | undefined>;
	set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
}

/**
 * recordInbound, remembering each partner event id for `horizonMs` (days: the partners' retry
 * horizon, far beyond JetStream's duplicate window). A repeat inside the horizon is answered as a
 * duplicate and stored nothing; two repeats racing each other are caught by the stream's dedup.
 */
export async function recordInboundOnce(
	seen: SeenMemory,
	horizonMs: number,
	publish: Publish,
	input: InboundInput,
	options: { sameIdSameBytes?: boolean; claimCheck?: ClaimCheck } = {},
): Promise<{ id: string; duplicate: boolean }> {
	const identity = input.deliveryId ?? sha256(input.body);
	const key = `inbound:seen:${input.system}:${input.partner}:${identity}`;
	const digest = sha256(input.body);
	const earlier = await seen.get<string | { id: string; digest: string }>(key);
	if (earlier) {
		const recorded = typeof earlier === "string" ? { id: earlier, digest } : earlier;
		// EDI: a resent interchange is the same bytes; the same control number on other content is an error, not a repeat.
		if (options.sameIdSameBytes && recorded.digest !== digest) throw new DuplicateInterchangeError(input.partner, identity);
		return { id: recorded.id, duplicate: true };
	}
	const { envelope, duplicate } = await recordInbound(publish, { ...input, deliveryId: identity }, options.claimCheck);
	await seen.set(key, { id: envelope.id, digest }, horizonMs);
	return { id: envelope.id, duplicate };
}

/**
 * Stores a partner message (or an API request) on the inbound stream, as received: inline, or,
 * above the claim check's threshold, as a reference to its bytes in the payload store (stored
 * first: a message never references what is not there). The caller answers 2xx only after this
 * resolves: what Waybill acknowledged is durable.
 */
export async function recordInbound(publish: Publish, input: InboundInput, claimCheck?: ClaimCheck): Promise<{ envelope: Envelope; duplicate: boolean }> {
	const identity = input.deliveryId ?? sha256(input.body);
	const headers: Record<string, string> = {};
	for (const name of KEPT_HEADERS) {
		const value = input.headers[name];
		if (typeof value === "string") headers[name] = value;
	}
	const contentType = headers["content-type"] ?? "application/octet-stream";
	const payloadRef = claimCheck && input.body.byteLength > claimCheck.inlineMaxBytes ? (await claimCheck.payloads.put(input.body, contentType)).ref : undefined;
	const envelope = createEnvelope({
		type: INBOUND_MESSAGES.PARTNER_MESSAGE_RECEIVED,
		source: SOURCE,
		subject: input.orderKey ?? identity,
		correlationId: input.orderKey ?? identity,
		data: {
			system: input.system,
			partner: input.partner,
			contentType,
			receivedAt: new Date().toISOString(),
			headers,
			body: payloadRef ? "" : input.body.toString("utf8"),
		},
		schemaVersion: 1,
		idempotencyKey: `${input.system}:${input.partner}:${identity}`,
		partner: input.partner,
		partnerEventId: input.deliveryId,
		traceparent: input.traceparent,
		payloadRef,
	});
	const result = await publish(CHANNELS.INBOUND, envelope);
	return { envelope, duplicate: result.duplicate };
}

/** An audit record of input refused at the edge: what, where, why, and the digest of the bytes. */
export async function recordRejection(
	publish: Publish,
	input: { channel: "http" | "webhook"; method: string; path: string; system?: string; partner?: string; subject?: string; problemType: string; detail: string; body: Buffer | string },
): Promise<void> {
	const bodyDigest = sha256(input.body);
	await publish(
		CHANNELS.EVENTS,
		createEnvelope({
			type: WAYBILL_FACTS.INPUT_REJECTED,
			source: SOURCE,
			subject: input.subject ?? `rejected:${bodyDigest.slice(0, 16)}`,
			data: {
				channel: input.channel,
				method: input.method,
				path: input.path.slice(0, 2048),
				system: input.system,
				partner: input.partner,
				problemType: input.problemType,
				detail: input.detail.slice(0, 2000),
				bodyDigest,
				bodyBytes: Buffer.byteLength(input.body),
			},
			schemaVersion: 1,
		}),
	);
}
