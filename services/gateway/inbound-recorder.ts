import { createHash } from "node:crypto";
import jsonata from "jsonata";
import { CHANNELS, INBOUND_MESSAGES, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope } from "../../canonical/index.ts";
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
	/** The partner's own delivery id, when it sends one: retries of one delivery are one message. */
	deliveryId?: string;
	/** The order this message concerns, when it can be read cheaply; keeps one order's messages in one partition. */
	orderKey?: string;
	traceparent?: string;
}

/**
 * Stores a partner message (or an API request) on the inbound stream, as received. The caller
 * answers 2xx only after this resolves: what Waybill acknowledged is durable.
 */
export async function recordInbound(publish: Publish, input: InboundInput): Promise<{ envelope: Envelope; duplicate: boolean }> {
	const identity = input.deliveryId ?? sha256(input.body);
	const headers: Record<string, string> = {};
	for (const name of KEPT_HEADERS) {
		const value = input.headers[name];
		if (typeof value === "string") headers[name] = value;
	}
	const envelope = createEnvelope({
		type: INBOUND_MESSAGES.PARTNER_MESSAGE_RECEIVED,
		source: SOURCE,
		subject: input.orderKey ?? identity,
		correlationId: input.orderKey ?? identity,
		data: {
			system: input.system,
			partner: input.partner,
			contentType: headers["content-type"] ?? "application/octet-stream",
			receivedAt: new Date().toISOString(),
			headers,
			body: input.body.toString("utf8"),
		},
		schemaVersion: 1,
		idempotencyKey: `${input.system}:${input.partner}:${identity}`,
		partner: input.partner,
		partnerEventId: input.deliveryId,
		traceparent: input.traceparent,
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

const compiledKeys = new Map<string, ReturnType<typeof jsonata>>();

/** Reads the order key from a verified JSON body with the partner's `orderKey` expression; best effort. */
export async function orderKeyOf(expression: string | undefined, body: Buffer): Promise<string | undefined> {
	if (!expression) return undefined;
	try {
		let compiled = compiledKeys.get(expression);
		if (!compiled) compiledKeys.set(expression, (compiled = jsonata(expression)));
		const key = await compiled.evaluate(JSON.parse(body.toString("utf8")));
		return typeof key === "string" && key.length > 0 && key.length <= 256 ? key : undefined;
	} catch {
		return undefined;
	}
}
