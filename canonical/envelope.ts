import { createHash, randomUUID } from "node:crypto";

/**
 * Where a large document lives instead of inside the message (claim check): stored once,
 * content-addressed, and checked against `digest` whenever it is read.
 */
export interface PayloadRef {
	/** Where the payload store keeps it (`nats-os://<bucket>/sha256-<hex>`, `memory://<namespace>/sha256-<hex>`). */
	uri: string;
	/** sha256 of the bytes exactly as received, lower-case hex (as the ledger's digests). */
	digest: string;
	/** Bytes. */
	size: number;
	contentType?: string;
}

/**
 * The one envelope every message travels in: CloudEvents 1.0 attributes plus Waybill's
 * extension attributes (lower-case, as CloudEvents requires for extensions).
 */
export interface Envelope<T = unknown> {
	specversion: "1.0";
	id: string;
	source: string;
	type: string;
	/** The business key: the order id for anything that concerns one order. */
	subject: string;
	/** Event time: when it happened at the source, not when Waybill saw it. */
	time: string;
	dataschema: string;
	datacontenttype: "application/json";
	traceparent?: string;
	correlationid: string;
	causationid?: string;
	idempotencykey: string;
	partner?: string;
	region?: string;
	mappingversion?: string;
	partnereventid?: string;
	payloadref?: PayloadRef;
	data: T;
}

export const ENVELOPE_SCHEMA_VERSION = 1;

export const envelopeSchema = {
	$$strict: "remove",
	specversion: { type: "equal", value: "1.0" },
	id: { type: "string", min: 1, max: 256 },
	source: { type: "string", min: 1, max: 256 },
	type: { type: "string", min: 3, max: 128 },
	subject: { type: "string", min: 1, max: 256 },
	time: { type: "string", min: 10, max: 64 },
	dataschema: { type: "string", min: 1, max: 256 },
	datacontenttype: { type: "equal", value: "application/json" },
	traceparent: { type: "string", optional: true, max: 128 },
	correlationid: { type: "string", min: 1, max: 256 },
	causationid: { type: "string", optional: true, max: 256 },
	idempotencykey: { type: "string", min: 1, max: 512 },
	partner: { type: "string", optional: true, max: 128 },
	region: { type: "string", optional: true, max: 64 },
	mappingversion: { type: "string", optional: true, max: 128 },
	partnereventid: { type: "string", optional: true, max: 256 },
	payloadref: {
		type: "object",
		optional: true,
		props: {
			uri: { type: "string", min: 1 },
			digest: { type: "string", min: 1 },
			size: { type: "number", integer: true, min: 0 },
			contentType: { type: "string", optional: true },
		},
	},
	data: { type: "any" },
} as const;

export interface EnvelopeInput<T> {
	type: string;
	source: string;
	subject: string;
	data: T;
	time?: string;
	correlationId?: string;
	causationId?: string;
	idempotencyKey?: string;
	traceparent?: string;
	partner?: string;
	region?: string;
	mappingVersion?: string;
	partnerEventId?: string;
	payloadRef?: PayloadRef;
	schemaVersion: number;
}

/** A short, stable id derived from a key: the same key always names the same message. */
export function deterministicId(key: string): string {
	return createHash("sha256").update(key).digest("base64url").slice(0, 32);
}

export function dataschemaFor(type: string, version: number): string {
	return `urn:waybill:schema:${type}:v${version}`;
}

/**
 * Wrap data in an envelope. With an idempotency key the id is derived from it, so a message
 * produced twice for the same reason carries the same id and the stream drops the repeat.
 */
export function createEnvelope<T>(input: EnvelopeInput<T>): Envelope<T> {
	const idempotencykey = input.idempotencyKey ?? randomUUID();
	const envelope: Envelope<T> = {
		specversion: "1.0",
		id: deterministicId(`${input.type}|${idempotencykey}`),
		source: input.source,
		type: input.type,
		subject: input.subject,
		time: input.time ?? new Date().toISOString(),
		dataschema: dataschemaFor(input.type, input.schemaVersion),
		datacontenttype: "application/json",
		correlationid: input.correlationId ?? input.subject,
		idempotencykey,
		data: input.data,
	};
	if (input.causationId) envelope.causationid = input.causationId;
	if (input.traceparent) envelope.traceparent = input.traceparent;
	if (input.partner) envelope.partner = input.partner;
	if (input.region) envelope.region = input.region;
	if (input.mappingVersion) envelope.mappingversion = input.mappingVersion;
	if (input.partnerEventId) envelope.partnereventid = input.partnerEventId;
	if (input.payloadRef) envelope.payloadref = input.payloadRef;
	return envelope;
}
