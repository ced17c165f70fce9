import type { LedgerEntry } from "../../services/ledger/ledger-entry.ts";
import { percentiles, type Percentiles } from "./percentiles.ts";

export interface LatencyReport {
	/** Ingress (the release sent, a webhook stored by the gateway) to the ledger commit of the canonical fact it became. */
	ingressToFact: Percentiles;
	/** Ingress to the ledger commit of the last message it caused inside Waybill (facts, status, commands, partners' answers). */
	ingressToLastConsequence: Percentiles;
	/** Per hop: a message stored on its stream to the next one it caused stored on its stream, and every stream to the ledger's commit. */
	hops: Record<string, Percentiles>;
	/** Median ingress-to-fact latency of the last third of the window over that of the first third: above 1 a queue is building. */
	queueGrowth: number;
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);
/**
 * Which service published a message: Waybill's own sources name it; a partner's fact was published
 * by the mapper when it came in as a partner message, and by the system's adapter when it is the
 * partner's answer to a command.
 */
function publisherOf(entry: LedgerEntry, parent: LedgerEntry): string {
	if (entry.source.startsWith("waybill/")) return entry.source.slice("waybill/".length);
	if (parent.channel === "inbound") return "mapper";
	if (parent.channel.startsWith("commands-")) return `${parent.channel.slice("commands-".length)} adapter`;
	return entry.source;
}

/**
 * Latencies read from the ledger itself: every entry carries when its stream stored the message
 * (its producer's publish, on the broker's clock) and when the ledger committed it, and names the
 * message that caused it. `releasesSentAt` gives the client's send time of each release, so the
 * gateway's own time counts for those; a webhook's ingress is when the gateway stored it.
 */
export function ledgerLatencies(entries: LedgerEntry[], window: { fromMs: number; toMs: number }, releasesSentAt: Map<string, number>): LatencyReport {
	const byId = new Map(entries.map((e) => [e.messageId, e]));
	const children = new Map<string, LedgerEntry[]>();
	for (const entry of entries) {
		if (!entry.causationId) continue;
		const list = children.get(entry.causationId);
		if (list) list.push(entry);
		else children.set(entry.causationId, [entry]);
	}
	const toFact: number[] = [];
	const timed: Array<{ at: number; ms: number }> = [];
	const toLast: number[] = [];
	const hops = new Map<string, number[]>();
	const hop = (label: string, value: number) => {
		if (!Number.isFinite(value)) return;
		const list = hops.get(label);
		if (list) list.push(value);
		else hops.set(label, [value]);
	};
	const inWindow = (at: number) => at >= window.fromMs && at <= window.toMs;
	for (const entry of entries) {
		// Hops of messages stored within the window only, like the ingress latencies: not the warm-up, not the drain.
		if (!inWindow(ms(entry.storedAt))) continue;
		hop(`${entry.channel} → ledger commit`, ms(entry.recordedAt) - ms(entry.storedAt));
		const parent = entry.causationId ? byId.get(entry.causationId) : undefined;
		if (parent) hop(`${parent.channel} → ${publisherOf(entry, parent)} → ${entry.channel}`, ms(entry.storedAt) - ms(parent.storedAt));
		if (entry.kind !== "inbound") continue;
		const stored = ms(entry.storedAt);
		const facts = (children.get(entry.messageId) ?? []).filter((c) => c.channel === "events");
		if (facts.length === 0) continue;
		const isRelease = facts.some((f) => f.type === "erp.order.released");
		const ingress = (isRelease && releasesSentAt.get(entry.subject)) || stored;
		if (isRelease && releasesSentAt.has(entry.subject)) hop("client → gateway → inbound (release)", stored - ingress);
		const latency = Math.max(...facts.map((f) => ms(f.recordedAt))) - ingress;
		toFact.push(latency);
		timed.push({ at: ingress, ms: latency });
		toLast.push(lastConsequence(entry, children) - ingress);
	}
	return {
		ingressToFact: percentiles(toFact),
		ingressToLastConsequence: percentiles(toLast),
		queueGrowth: queueGrowth(timed, window),
		hops: Object.fromEntries([...hops].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => [label, percentiles(values)])),
	};
}

function queueGrowth(timed: Array<{ at: number; ms: number }>, window: { fromMs: number; toMs: number }): number {
	const third = (window.toMs - window.fromMs) / 3;
	const early = timed.filter((t) => t.at < window.fromMs + third);
	const late = timed.filter((t) => t.at >= window.toMs - third);
	// Too few messages to compare: no evidence of a queue either way.
	if (early.length === 0 || late.length === 0) return 1;
	const first = percentiles(early.map((t) => t.ms)).p50;
	const last = percentiles(late.map((t) => t.ms)).p50;
	return Math.round((last / Math.max(first, 1)) * 100) / 100;
}

/** The latest ledger commit among a message and everything it caused, transitively. */
function lastConsequence(root: LedgerEntry, children: Map<string, LedgerEntry[]>): number {
	let latest = ms(root.recordedAt);
	const stack = [root];
	const seen = new Set<string>();
	while (stack.length) {
		const entry = stack.pop()!;
		if (seen.has(entry.messageId)) continue;
		seen.add(entry.messageId);
		latest = Math.max(latest, ms(entry.recordedAt));
		stack.push(...(children.get(entry.messageId) ?? []));
	}
	return latest;
}
