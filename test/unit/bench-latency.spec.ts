import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ledgerLatencies } from "../../bin/bench/ledger-latency.ts";
import { percentiles } from "../../bin/bench/percentiles.ts";
import type { LedgerEntry, LedgerKind } from "../../services/ledger/ledger-entry.ts";

describe("percentiles", () => {
	it("gives zeros and a count of 0 for no values", () => {
		assert.deepEqual(percentiles([]), { count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
	});

	it("picks the nearest rank: the value at or above the share asked for", () => {
		const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
		assert.deepEqual(percentiles(hundred), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
		const ten = Array.from({ length: 10 }, (_, i) => i + 1);
		assert.deepEqual(percentiles(ten), { count: 10, p50: 5, p95: 10, p99: 10, max: 10 });
	});

	it("rounds to a tenth and leaves the input in its order", () => {
		const values = [1.26, 1.24];
		assert.deepEqual(percentiles(values), { count: 2, p50: 1.2, p95: 1.3, p99: 1.3, max: 1.3 });
		assert.deepEqual(values, [1.26, 1.24]);
	});
});

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const WINDOW = { fromMs: T0, toMs: T0 + 3_000 };
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

interface Message {
	id: string;
	channel: string;
	kind: LedgerKind;
	type: string;
	subject: string;
	source: string;
	causedBy?: string;
	/** Offsets from T0, ms: when the stream stored it and when the ledger committed it. */
	stored: number;
	committed: number;
}

/** A ledger entry with the fields the latency reader uses taken from `m`; the rest plausible filler. */
function entry(m: Message, seq: number): LedgerEntry {
	return {
		seq,
		recordedAt: at(m.committed),
		channel: m.channel,
		kind: m.kind,
		messageId: m.id,
		type: m.type,
		subject: m.subject,
		correlationId: m.subject,
		...(m.causedBy ? { causationId: m.causedBy } : {}),
		source: m.source,
		eventTime: at(m.stored),
		storedAt: at(m.stored),
		digest: "d".repeat(64),
		prevHash: "0".repeat(64),
		hash: "h".repeat(64),
	};
}

const ledger = (...messages: Message[]) => messages.map((m, i) => entry(m, i + 1));

/** What the gateway stores on `inbound` for a release or a webhook. */
const inbound = (id: string, orderId: string, stored: number, committed = stored + 5): Message => ({
	id, channel: "inbound", kind: "inbound", type: "inbound.partner-message.received", subject: orderId, source: "waybill/gateway", stored, committed,
});

/** The canonical fact the mapper published for an inbound message. */
const fact = (id: string, cause: Message, type: string, stored: number, committed: number): Message => ({
	id, channel: "events", kind: "fact", type, subject: cause.subject, source: "partner/erp/erp-sim", causedBy: cause.id, stored, committed,
});

/** A release, the saga's command and status for it, and the WMS's answer to the command. */
function releaseStory(orderId: string) {
	const release = inbound(`in-${orderId}`, orderId, 100, 105);
	const released = fact(`fact-${orderId}`, release, "erp.order.released", 110, 120);
	const command: Message = { id: `cmd-${orderId}`, channel: "commands-wms", kind: "command", type: "wms.fulfillment-order.create", subject: orderId, source: "waybill/saga", causedBy: released.id, stored: 130, committed: 135 };
	const status: Message = { id: `status-${orderId}`, channel: "events", kind: "status", type: "waybill.order.status-changed", subject: orderId, source: "waybill/saga", causedBy: released.id, stored: 131, committed: 132 };
	const answer: Message = { id: `answer-${orderId}`, channel: "events", kind: "fact", type: "wms.fulfillment.accepted", subject: orderId, source: "partner/wms/wms-sim", causedBy: command.id, stored: 150, committed: 160 };
	return [release, released, command, status, answer];
}

describe("ledgerLatencies", () => {
	it("times a release from the client's send to its fact's ledger commit", () => {
		const report = ledgerLatencies(ledger(...releaseStory("SO-1")), WINDOW, new Map([["SO-1", T0 + 90]]));
		assert.equal(report.ingressToFact.count, 1);
		assert.equal(report.ingressToFact.p50, 120 - 90);
		assert.equal(report.hops["client → gateway → inbound (release)"]?.p50, 100 - 90);
	});

	it("times a release the client did not time, and a webhook, from when the gateway stored them", () => {
		const release = inbound("in-release", "SO-2", 100);
		const webhook = inbound("in-webhook", "SO-3", 200);
		const entries = ledger(release, fact("f-release", release, "erp.order.released", 110, 125), webhook, fact("f-webhook", webhook, "wms.shipment.manifested", 210, 240));
		// SO-3 was sent by the client too, but its inbound message became no release: the send time does not apply.
		const report = ledgerLatencies(entries, WINDOW, new Map([["SO-3", T0 + 50]]));
		assert.deepEqual([report.ingressToFact.count, report.ingressToFact.p50, report.ingressToFact.max], [2, 25, 40]);
		assert.equal(report.hops["client → gateway → inbound (release)"], undefined);
	});

	it("counts to the latest commit of the facts an inbound message became", () => {
		const webhook = inbound("in-1", "SO-4", 100);
		const entries = ledger(webhook, fact("f-1", webhook, "wms.pick.confirmed", 110, 150), fact("f-2", webhook, "wms.pack.completed", 111, 130));
		assert.equal(ledgerLatencies(entries, WINDOW, new Map()).ingressToFact.p50, 50);
	});

	it("follows causation transitively to the last consequence: fact, saga command, the partner's answer", () => {
		const report = ledgerLatencies(ledger(...releaseStory("SO-1")), WINDOW, new Map([["SO-1", T0 + 90]]));
		assert.equal(report.ingressToLastConsequence.p50, 160 - 90);
	});

	it("labels each hop by stream and publisher and measures it store to store, and every stream to the ledger commit", () => {
		const report = ledgerLatencies(ledger(...releaseStory("SO-1")), WINDOW, new Map([["SO-1", T0 + 90]]));
		const medians = Object.fromEntries(Object.entries(report.hops).map(([label, p]) => [label, [p.count, p.p50]]));
		assert.deepEqual(medians, {
			"client → gateway → inbound (release)": [1, 10],
			"inbound → mapper → events": [1, 10],
			"events → saga → commands-wms": [1, 20],
			"events → saga → events": [1, 21],
			"commands-wms → wms adapter → events": [1, 20],
			"inbound → ledger commit": [1, 5],
			"events → ledger commit": [3, 10],
			"commands-wms → ledger commit": [1, 5],
		});
		assert.deepEqual(Object.keys(report.hops), Object.keys(report.hops).sort((a, b) => a.localeCompare(b)));
	});

	it("leaves out inbound messages stored outside the window and those that became no fact", () => {
		const before = inbound("in-before", "SO-5", -10);
		const inside = inbound("in-inside", "SO-6", 1_000);
		const afterIt = inbound("in-after", "SO-7", 3_001);
		const refused = inbound("in-refused", "SO-8", 1_100);
		const deadLetter: Message = { id: "dl-1", channel: "dead-letters", kind: "dead-letter", type: "waybill.dead-letter", subject: "SO-8", source: "waybill/mapper", causedBy: refused.id, stored: 1_110, committed: 1_115 };
		const entries = ledger(
			before, fact("f-before", before, "wms.pick.confirmed", 0, 500),
			inside, fact("f-inside", inside, "wms.pick.confirmed", 1_010, 1_030),
			afterIt, fact("f-after", afterIt, "wms.pick.confirmed", 3_010, 3_900),
			refused, deadLetter,
		);
		const report = ledgerLatencies(entries, WINDOW, new Map());
		assert.deepEqual(report.ingressToFact, { count: 1, p50: 30, p95: 30, p99: 30, max: 30 });
		assert.equal(report.ingressToLastConsequence.count, 1);
	});

	it("reports queue growth above 1 when latency at the end of the window exceeds that at its start, and 1 when it holds", () => {
		const webhookAt = (n: number, stored: number, latency: number) => {
			const message = inbound(`in-${n}`, `SO-${n}`, stored);
			return [message, fact(`f-${n}`, message, "wms.pick.confirmed", stored + 5, stored + latency)];
		};
		const growing = ledger(...webhookAt(1, 100, 20), ...webhookAt(2, 200, 20), ...webhookAt(3, 1_500, 50), ...webhookAt(4, 2_500, 80), ...webhookAt(5, 2_700, 80));
		assert.equal(ledgerLatencies(growing, WINDOW, new Map()).queueGrowth, 4);
		const steady = ledger(...webhookAt(1, 100, 20), ...webhookAt(2, 1_500, 20), ...webhookAt(3, 2_700, 20));
		assert.equal(ledgerLatencies(steady, WINDOW, new Map()).queueGrowth, 1);
	});
});
