import type { OrderSaga } from "../../../services/saga/order-saga.ts";
import type { LedgerEvidence, SideEffects, StreamMessage } from "./evidence.ts";
import type { Poison } from "./poison.ts";

export interface CheckInput {
	/** Order id to the time the gateway answered 202. */
	accepted: Map<string, number>;
	sagas: Map<string, OrderSaga | undefined>;
	streams: StreamMessage[];
	ledger: LedgerEvidence;
	sideEffects: SideEffects;
	poison: Poison[];
}

export interface Findings {
	orders: number;
	completed: number;
	lost: number;
	duplicateSideEffects: number;
	missingSideEffects: number;
	/** Reported, not judged: the issue names three side effects; a second shipment confirmation is worth knowing about. */
	duplicateShipmentConfirmations: number;
	ledgerMissing: number;
	ledgerDuplicates: number;
	/** Ledger entries for a (channel, id) no stream holds: recorded but never stored. */
	ledgerOrphans: number;
	ledgerEntries: number;
	ledgerHoles: number;
	streamMessages: number;
	/** Stream messages that fail the canonical gate: they cannot be ledgered on their channel, only as dead letters. */
	unparseableOnStreams: number;
	deadLettered: number;
	/** Dead letters that are not of an injected poison: real work the system gave up on. */
	unexpectedDeadLetters: number;
	poisonInjected: number;
	poisonDeadLettered: number;
	/** Poison whose dead letter is itself in the ledger. */
	poisonDeadLetterLedgered: number;
	maxOrderToInvoiceMs: number;
	p95OrderToInvoiceMs: number;
	/** Examples for a human, so a failure names its orders and messages. */
	details: Record<string, unknown>;
}

const keyOf = (channel: string, id: string) => `${channel} ${id}`;
const SAMPLE = 20;

export function check(input: CheckInput): Findings {
	const { accepted, sagas, streams, ledger, sideEffects, poison } = input;
	const orderIds = [...accepted.keys()];

	// Orders: every accepted order invoiced.
	const notInvoiced = orderIds.filter((id) => sagas.get(id)?.status !== "invoiced");
	const latencies = orderIds
		.filter((id) => sagas.get(id)?.status === "invoiced")
		.map((id) => {
			const saga = sagas.get(id)!;
			const invoicedAt = saga.timeline.find((t) => t.status === "invoiced")?.recordedAt ?? saga.updatedAt;
			return Date.parse(invoicedAt) - accepted.get(id)!;
		})
		.sort((a, b) => a - b);

	// Side effects: exactly one fulfillment order, delivery task and invoice per order.
	const counts = (id: string) => ({ fulfillmentOrders: sideEffects.fulfillmentOrders.get(id) ?? 0, deliveryTasks: sideEffects.deliveryTasks.get(id) ?? 0, invoices: sideEffects.invoices.get(id) ?? 0 });
	const duplicated = orderIds.filter((id) => Object.values(counts(id)).some((n) => n > 1));
	const missing = orderIds.filter((id) => Object.values(counts(id)).some((n) => n === 0));
	const ours = new Set(orderIds);
	const strangers = [...new Set([...sideEffects.fulfillmentOrders.keys(), ...sideEffects.deliveryTasks.keys(), ...sideEffects.invoices.keys()])].filter((id) => !ours.has(id));

	// Ledger: every valid stream message exactly once, nothing it never stored.
	const ledgerCounts = new Map<string, number>();
	for (const e of ledger.entries) ledgerCounts.set(keyOf(e.channel, e.messageId), (ledgerCounts.get(keyOf(e.channel, e.messageId)) ?? 0) + 1);
	const onStreams = new Set<string>();
	const unparseable: StreamMessage[] = [];
	for (const m of streams) {
		if (m.envelope) onStreams.add(keyOf(m.channel, m.envelope.id));
		else unparseable.push(m);
	}
	const ledgerMissing = [...onStreams].filter((k) => !ledgerCounts.has(k));
	const ledgerDuplicates = [...ledgerCounts].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
	const ledgerOrphans = [...ledgerCounts.keys()].filter((k) => !onStreams.has(k));

	// Dead letters: each poison among them, with its error; anything else is unexpected.
	const deadLetters = streams.filter((m) => m.channel === "dead-letters");
	const matches = (p: Poison, m: StreamMessage) => {
		const message = (m.json as { data?: { message?: { id?: string } } } | undefined)?.data?.message;
		return (message?.id !== undefined && p.ids.includes(message.id)) || JSON.stringify(message ?? null).includes(p.marker);
	};
	const errorType = (m: StreamMessage) => (m.json as { data?: { error?: { type?: string } } } | undefined)?.data?.error?.type;
	const poisonReport = poison.map((p) => {
		const found = deadLetters.filter((m) => matches(p, m));
		const withError = found.filter((m) => typeof errorType(m) === "string" && errorType(m) !== "");
		const ledgered = found.some((m) => m.envelope && ledgerCounts.has(keyOf("dead-letters", m.envelope.id)));
		return { label: p.label, ids: p.ids, deadLetters: found.length, errors: withError.map(errorType), groups: found.map((m) => (m.json as { data?: { group?: string } }).data?.group), ledgered, ok: withError.length > 0 };
	});
	const unexpected = deadLetters.filter((m) => !poison.some((p) => matches(p, m)));

	return {
		orders: orderIds.length,
		completed: orderIds.length - notInvoiced.length,
		lost: notInvoiced.length,
		duplicateSideEffects: duplicated.length,
		missingSideEffects: missing.length,
		duplicateShipmentConfirmations: orderIds.filter((id) => (sideEffects.shipmentConfirmations?.get(id) ?? 0) > 1).length,
		ledgerMissing: ledgerMissing.length,
		ledgerDuplicates: ledgerDuplicates.length,
		ledgerOrphans: ledgerOrphans.length,
		ledgerEntries: ledger.entries.length,
		ledgerHoles: ledger.holes.length,
		streamMessages: streams.length,
		unparseableOnStreams: unparseable.length,
		deadLettered: deadLetters.length,
		unexpectedDeadLetters: unexpected.length,
		poisonInjected: poison.length,
		poisonDeadLettered: poisonReport.filter((p) => p.ok).length,
		poisonDeadLetterLedgered: poisonReport.filter((p) => p.ledgered).length,
		maxOrderToInvoiceMs: latencies.at(-1) ?? 0,
		p95OrderToInvoiceMs: latencies[Math.floor(latencies.length * 0.95)] ?? 0,
		details: {
			notInvoiced: notInvoiced.slice(0, SAMPLE).map((id) => ({ id, status: sagas.get(id)?.status ?? "(no saga)", updatedAt: sagas.get(id)?.updatedAt })),
			duplicatedSideEffects: duplicated.slice(0, SAMPLE).map((id) => ({ id, ...counts(id) })),
			missingSideEffects: missing.slice(0, SAMPLE).map((id) => ({ id, ...counts(id) })),
			sideEffectsForUnknownOrders: strangers.slice(0, SAMPLE),
			sideEffectSources: sideEffects.source,
			ledgerMissing: ledgerMissing.slice(0, SAMPLE),
			ledgerDuplicates: ledgerDuplicates.slice(0, SAMPLE),
			ledgerOrphans: ledgerOrphans.slice(0, SAMPLE),
			ledgerHoles: ledger.holes.slice(0, SAMPLE),
			ledgerEntryKeys: ledger.entryKeys,
			ledgerHead: ledger.head,
			unparseableOnStreams: unparseable.slice(0, SAMPLE).map((m) => ({ stream: m.stream, seq: m.seq, raw: m.raw.slice(0, 160) })),
			poison: poisonReport,
			unexpectedDeadLetters: unexpected.slice(0, SAMPLE).map((m) => {
				const data = (m.json as { data?: { channel?: string; group?: string; attempts?: number; failedAt?: string; error?: unknown; message?: { id?: string; type?: string; subject?: string } } }).data;
				return { seq: m.seq, channel: data?.channel, group: data?.group, attempts: data?.attempts, failedAt: data?.failedAt, error: data?.error, message: { id: data?.message?.id, type: data?.message?.type, subject: data?.message?.subject } };
			}),
		},
	};
}
