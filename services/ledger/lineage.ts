import { traceIdOf } from "../../canonical/index.ts";
import type { LedgerEntry } from "./ledger-entry.ts";

/** One message of an order's trace: where it came from, what caused it, how long the hop took. */
export interface TraceHop {
	seq: number;
	messageId: string;
	type: string;
	kind: LedgerEntry["kind"];
	channel: string;
	causationId?: string;
	/** The service or partner that produced it, read from its source (waybill/saga, partner/wms/acme-3pl). */
	producer: string;
	partner?: string;
	mappingVersion?: string;
	/** The W3C trace id the message carried. */
	traceId?: string;
	/** The claim-checked body's sha256, for an inbound message whose body is in the payload store. */
	payloadDigest?: string;
	eventTime: string;
	/** When its producer published it (its stream's clock). */
	storedAt?: string;
	recordedAt: string;
	/** From its cause being published to its own publication; absent for a message with no cause in the trace. */
	hopMs?: number;
	depth: number;
}

/**
 * An order's messages in causal order: every message after the message that caused it (a cause
 * first seen in the ledger first), siblings by ledger sequence. Messages whose cause is not in
 * this order's trace (an inbound partner message correlated by its event id) start a root.
 */
export function causalTrace(entries: LedgerEntry[]): TraceHop[] {
	const byId = new Map<string, LedgerEntry>();
	for (const e of [...entries].sort((a, b) => a.seq - b.seq)) if (!byId.has(e.messageId)) byId.set(e.messageId, e);
	const children = new Map<string, LedgerEntry[]>();
	const roots: LedgerEntry[] = [];
	for (const e of byId.values()) {
		if (e.causationId && byId.has(e.causationId) && e.causationId !== e.messageId) {
			const list = children.get(e.causationId) ?? [];
			list.push(e);
			children.set(e.causationId, list);
		} else roots.push(e);
	}
	const out: TraceHop[] = [];
	const visit = (e: LedgerEntry, depth: number, parent?: LedgerEntry) => {
		out.push({
			seq: e.seq,
			messageId: e.messageId,
			type: e.type,
			kind: e.kind,
			channel: e.channel,
			...(e.causationId ? { causationId: e.causationId } : {}),
			producer: e.source,
			...(e.partner ? { partner: e.partner } : {}),
			...(e.mappingVersion ? { mappingVersion: e.mappingVersion } : {}),
			...(traceIdOf(e.traceparent) ? { traceId: traceIdOf(e.traceparent) } : {}),
			...(e.payloadDigest ? { payloadDigest: e.payloadDigest } : {}),
			eventTime: e.eventTime,
			...(e.storedAt ? { storedAt: e.storedAt } : {}),
			recordedAt: e.recordedAt,
			// Publication times, not ledger times: the ledger reads channels in parallel, so it may record an effect before its cause.
			...(parent?.storedAt && e.storedAt ? { hopMs: Date.parse(e.storedAt) - Date.parse(parent.storedAt) } : {}),
			depth,
		});
		for (const child of children.get(e.messageId) ?? []) visit(child, depth + 1, e);
	};
	for (const root of roots) visit(root, 0);
	return out;
}
