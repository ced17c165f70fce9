import { createHash } from "node:crypto";
import type { Envelope } from "../../canonical/index.ts";

export type LedgerKind = "inbound" | "fact" | "command" | "status" | "dead-letter" | "rejection";

/**
 * One audit record. It keeps identities, lineage and a digest of the message, not the message
 * itself: personal data (names, addresses, phones) stays out of the ledger.
 */
export interface LedgerEntry {
	seq: number;
	recordedAt: string;
	channel: string;
	kind: LedgerKind;
	messageId: string;
	type: string;
	subject: string;
	correlationId: string;
	causationId?: string;
	source: string;
	partner?: string;
	mappingVersion?: string;
	partnerEventId?: string;
	/** Who did it, for what people do (a replay, an edit, a case resolution); absent for what systems do. */
	actor?: string;
	eventTime: string;
	/** When its stream stored it, on the broker's clock: when its producer published it. */
	storedAt?: string;
	/** sha256 of the whole envelope as stored on the stream. */
	digest: string;
	/** sha256 of a claim-checked body (the bytes as received), which the envelope digest covers only by reference. */
	payloadDigest?: string;
	/** W3C trace context the message carried: its trace id is the order's trace. */
	traceparent?: string;
	prevHash: string;
	hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

export function digestOf(value: unknown): string {
	return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/**
 * The hash covers every field but itself, chained to the previous entry's hash. Fields added
 * later (payload digest, traceparent) are appended, named, only when present: entries written
 * before them hash as they always did.
 */
export function hashOf(entry: Omit<LedgerEntry, "hash">): string {
	const { seq, recordedAt, channel, kind, messageId, type, subject, correlationId, causationId, source, partner, mappingVersion, partnerEventId, actor, eventTime, storedAt, digest, prevHash, payloadDigest, traceparent } = entry;
	const later = [...(payloadDigest ? ["payloadDigest", payloadDigest] : []), ...(traceparent ? ["traceparent", traceparent] : [])];
	return digestOf([seq, recordedAt, channel, kind, messageId, type, subject, correlationId, causationId ?? null, source, partner ?? null, mappingVersion ?? null, partnerEventId ?? null, actor ?? null, eventTime, storedAt ?? null, digest, prevHash, ...later]);
}

export function kindOf(channel: string, envelope: Envelope): LedgerKind {
	if (channel === "inbound") return "inbound";
	if (channel === "dead-letters") return "dead-letter";
	// Webhooks to subscribers are outbound commands too; so is batch work (settlement chunks, master data, reconciliations).
	if (channel.startsWith("commands-") || channel === "notifications" || channel.startsWith("batch-")) return "command";
	if (envelope.type === "waybill.order.status-changed") return "status";
	if (envelope.type === "waybill.input.rejected") return "rejection";
	return "fact";
}

export function entryFor(seq: number, prevHash: string, channel: string, envelope: Envelope, now: string, storedAt?: string): LedgerEntry {
	const base: Omit<LedgerEntry, "hash"> = {
		seq,
		recordedAt: now,
		channel,
		kind: kindOf(channel, envelope),
		messageId: envelope.id,
		type: envelope.type,
		subject: envelope.subject,
		correlationId: envelope.correlationid,
		causationId: envelope.causationid,
		source: envelope.source,
		partner: envelope.partner,
		mappingVersion: envelope.mappingversion,
		partnerEventId: envelope.partnereventid,
		...actorOf(envelope),
		eventTime: envelope.time,
		...(storedAt ? { storedAt } : {}),
		digest: digestOf(envelope),
		...(envelope.payloadref ? { payloadDigest: envelope.payloadref.digest } : {}),
		...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
		prevHash,
	};
	return { ...base, hash: hashOf(base) };
}

/** The person behind a message, where its data names one (`by`, or `resolvedBy` on a case resolved by hand). */
function actorOf(envelope: Envelope): { actor?: string } {
	const data = envelope.data as { by?: unknown; resolvedBy?: unknown } | null;
	const by = data?.by ?? data?.resolvedBy;
	return typeof by === "string" ? { actor: by } : {};
}
