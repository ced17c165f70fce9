import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LASTMILE_FACTS, assertValidMessage, catalogueEntry, createEnvelope, type Envelope } from "../../canonical/index.ts";
import { isMappingFailed, isPayloadUnparseable } from "../../canonical/errors/index.ts";
import type { MappedFact } from "../../services/mapper/canonical-mapper.ts";
import {
	IFTSTA_STATUS_TABLE, iftstaToCanonical, parseEdifact, readIftsta, ssccsOf, type IftstaConsignment,
} from "../../services/mapper/formats/edifact/index.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/edifact/", import.meta.url));
const SAMPLE = `${CORPUS}IFTSTA_D01B_EAN004_iftstaparser-gs1-sample.txt`;
const corpusMissing = existsSync(SAMPLE) ? false : `conformance IFTSTA sample not found at ${SAMPLE}`;
const sampleText = () => readFileSync(SAMPLE, "utf8");

/** The carrier's consignment numbers, as the partner profile would resolve them to Waybill orders. */
const ORDERS: Record<string, string> = { "4215A": "SO-1001", "5122C": "SO-1002", "5145E": "SO-1003", "7655S": "SO-1004" };
const orderRefFrom = (c: IftstaConsignment) => ORDERS[c.reference];

/** What the mapper service would publish: the envelope must pass the same gate as every message. */
function enveloped(fact: MappedFact): Envelope {
	const entry = catalogueEntry(fact.type);
	assert.ok(entry, `${fact.type} is catalogued`);
	const envelope = createEnvelope({
		type: fact.type, source: "partner/lastmile/edifact-carrier", subject: fact.subject, time: fact.time, data: structuredClone(fact.data),
		schemaVersion: entry.version, idempotencyKey: `edifact-carrier:${fact.partnerEventId}:${fact.type}`, partnerEventId: fact.partnerEventId,
	});
	assertValidMessage(envelope);
	// The schema strips unknown fields: equal data proves the mapping emits nothing it would drop.
	assert.deepEqual(envelope.data, fact.data);
	return envelope;
}

describe("IFTSTA reading on the GS1 sample", { skip: corpusMissing }, () => {
	test("yields the four consignments with their STS codes, references, times and places", () => {
		const [report, ...more] = readIftsta(parseEdifact(sampleText()));
		assert.equal(more.length, 0);
		assert.deepEqual([report!.documentName, report!.documentNumber, report!.documentFunction], ["44", "95-455", "9"]);
		assert.deepEqual(report!.parties.map((p) => [p.qualifier, p.id]), [["FW", "5422331123459"], ["CZ", "5412345123453"]]);
		const consignments = report!.consignments;
		assert.deepEqual(consignments.map((c) => [c.sequence, c.reference]), [["1", "4215A"], ["2", "5122C"], ["3", "5145E"], ["4", "7655S"]]);
		assert.deepEqual(consignments.map((c) => c.statuses.map((s) => [s.code, ...s.reasons].join("+"))), [["21"], ["31"], ["17+39"], ["49", "21", "21"]]);
		const [delivered, enRoute, customs] = consignments.map((c) => c.statuses[0]!);
		assert.deepEqual(delivered!.references, [{ qualifier: "DQ", value: "5/2334" }]);
		assert.deepEqual(delivered!.times, [{ qualifier: "334", value: "200202011450", format: "203" }]);
		assert.deepEqual(delivered!.parties, [{ qualifier: "DP", id: "5411111123451", agency: "9" }]);
		assert.deepEqual(enRoute!.times, [{ qualifier: "40E", value: "20020207", format: "102" }]);
		assert.deepEqual(customs!.locations, [{ qualifier: "16E", name: "H.MCUSTOMS AND EXCISE LONDON HEATHROW AIRPORT" }]);
	});

	test("ties each package SSCC to the status reported for it", () => {
		const lastConsignment = readIftsta(parseEdifact(sampleText()))[0]!.consignments[3]!;
		assert.deepEqual(lastConsignment.statuses.map((s) => s.goodsItems.map((g) => [s.code, g.number, g.packages?.type, g.markings.join(), g.ssccs.join()])), [
			[["49", "1", "CT", "33E", "354107380000001068"]],
			[["21", "2", "CT", "33E", "354107380000001051"]],
			[["21", "3", "09", "33E", "354123451234567892"]],
		]);
		assert.deepEqual(ssccsOf(lastConsignment), ["354107380000001068", "354107380000001051", "354123451234567892"]);
	});
});

describe("IFTSTA to canonical last-mile facts", { skip: corpusMissing }, () => {
	test("maps every status of the sample to the fact its code stands for, in document order", () => {
		const { facts, unmapped } = iftstaToCanonical(parseEdifact(sampleText()), { orderRefFrom });
		assert.deepEqual(unmapped, []);
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, f.partnerEventId]), [
			[LASTMILE_FACTS.DELIVERED, "SO-1001", "2002-02-01T14:50:00Z", "iftsta:4215A:21:2002-02-01T14:50:00Z"],
			// No DTM 334 of its own: the report's date (DTM 137) is when "en route" was known to hold.
			[LASTMILE_FACTS.DISPATCHED, "SO-1002", "2002-02-04T00:00:00Z", "iftsta:5122C:31:2002-02-04T00:00:00Z"],
			[LASTMILE_FACTS.DELAY_DETECTED, "SO-1003", "2002-01-15T00:00:00Z", "iftsta:5145E:17:2002-01-15T00:00:00Z"],
			[LASTMILE_FACTS.ATTEMPT_FAILED, "SO-1004", "2002-01-28T00:00:00Z", "iftsta:7655S:49:2002-01-28T00:00:00Z:354107380000001068"],
			[LASTMILE_FACTS.DELIVERED, "SO-1004", "2002-01-28T00:00:00Z", "iftsta:7655S:21:2002-01-28T00:00:00Z:354107380000001051"],
			[LASTMILE_FACTS.DELIVERED, "SO-1004", "2002-01-28T00:00:00Z", "iftsta:7655S:21:2002-01-28T00:00:00Z:354123451234567892"],
		]);
		assert.deepEqual(facts.map((f) => f.data), [
			{ orderId: "SO-1001", partnerRef: "4215A" },
			{ orderId: "SO-1002", partnerRef: "5122C" },
			{ orderId: "SO-1003", partnerRef: "5145E", reason: "Customs clearance, refused (STS 17, reason 39); at H.MCUSTOMS AND EXCISE LONDON HEATHROW AIRPORT" },
			{ orderId: "SO-1004", partnerRef: "7655S", reason: "Lost (STS 49); packages (SSCC) 354107380000001068" },
			{ orderId: "SO-1004", partnerRef: "7655S", proofOfDelivery: { notes: "delivered packages (SSCC): 354107380000001051" } },
			{ orderId: "SO-1004", partnerRef: "7655S", proofOfDelivery: { notes: "delivered packages (SSCC): 354123451234567892" } },
		]);
	});

	test("every fact passes the canonical envelope and deliveryEvent schema", () => {
		const { facts } = iftstaToCanonical(parseEdifact(sampleText()), { orderRefFrom });
		const envelopes = facts.map(enveloped);
		assert.equal(envelopes.length, 6);
		assert.equal(new Set(envelopes.map((e) => e.id)).size, 6, "six distinct events, six distinct message ids");
	});

	test("the same report sent twice names the same events, so the repeat is dropped downstream", () => {
		const once = iftstaToCanonical(parseEdifact(sampleText()), { orderRefFrom }).facts.map((f) => enveloped(f).id);
		const again = iftstaToCanonical(parseEdifact(sampleText()), { orderRefFrom }).facts.map((f) => enveloped(f).id);
		assert.deepEqual(again, once);
	});

	test("reads event times at the partner's offset when the profile gives one", () => {
		const { facts } = iftstaToCanonical(parseEdifact(sampleText()), { orderRefFrom, utcOffset: "+00:00" });
		assert.equal(facts[0]!.time, "2002-02-01T14:50:00+00:00");
	});

	test("a status code outside the table yields no fact and is reported", () => {
		const text = sampleText().replace("STS+1+31'", "STS+1+99'").replace("STS+1+17+39'", "STS+1+21:ZZ:ZZZ'");
		const { facts, unmapped } = iftstaToCanonical(parseEdifact(text), { orderRefFrom });
		assert.equal(facts.length, 4);
		assert.deepEqual(unmapped, [
			{ messageRef: "ME000021", consignment: "5122C", code: "99", reason: "STS code '99' is not in the IFTSTA status table" },
			{ messageRef: "ME000021", consignment: "5145E", code: "21", reason: "STS code '21' (agency ZZZ) is not in the IFTSTA status table" },
		]);
	});

	test("a consignment with no order reference fails the mapping instead of guessing", () => {
		const refs = (c: IftstaConsignment) => (c.reference === "5145E" ? undefined : ORDERS[c.reference]);
		assert.throws(() => iftstaToCanonical(parseEdifact(sampleText()), { orderRefFrom: refs }), (e: unknown) => isMappingFailed(e) && /consignment '5145E' has no order reference/.test((e as Error).message));
	});

	test("a cancelled report is refused with a clear error", () => {
		const text = sampleText().replace("BGM+44+95-455+9'", "BGM+44+95-455+1'");
		assert.throws(() => iftstaToCanonical(parseEdifact(text), { orderRefFrom }), (e: unknown) => isMappingFailed(e) && /cancellation/.test((e as Error).message));
	});

	test("a report cut short (UNT count off) is refused as unparseable before any fact is made", () => {
		const text = sampleText().replace("UNT+34+ME000021'", "UNT+40+ME000021'");
		assert.throws(() => iftstaToCanonical(parseEdifact(text), { orderRefFrom }), (e: unknown) => isPayloadUnparseable(e) && /UNT declares 40 segments but 34 are present/.test((e as Error).message));
	});

	test("an interchange without IFTSTA is not a status report", () => {
		const ifcsumLike = parseEdifact("UNH+1+IFCSUM:D:01B:UN:EAN003'BGM+610+1+9'UNT+3+1'");
		assert.throws(() => iftstaToCanonical(ifcsumLike, { orderRefFrom }), (e: unknown) => isMappingFailed(e) && /no IFTSTA message \(found IFCSUM\)/.test((e as Error).message));
	});
});

describe("the IFTSTA status table", () => {
	test("maps only to last-mile facts the catalogue knows, with deliveryEvent data", () => {
		const lastMile = new Set(Object.values(LASTMILE_FACTS));
		for (const [code, { type }] of Object.entries(IFTSTA_STATUS_TABLE)) {
			assert.ok(lastMile.has(type as never), `${code} → ${type}`);
			assert.equal(catalogueEntry(type)?.kind, "fact");
		}
	});

	test("an estimated delivery time (DTM 17) travels as the fact's ETA", () => {
		const text = "UNH+1+IFTSTA:D:01B:UN:EAN004'BGM+44+R1+9'DTM+137:20240301:102'CNI+1+C1'STS+1+113'DTM+334:202403010930:203'DTM+17:202403011400:203'UNT+8+1'";
		const { facts } = iftstaToCanonical(parseEdifact(text), { orderRefFrom: () => "SO-9", utcOffset: "+01:00" });
		assert.deepEqual(facts.map((f) => [f.type, f.time, f.data]), [[LASTMILE_FACTS.OUT_FOR_DELIVERY, "2024-03-01T09:30:00+01:00", { orderId: "SO-9", partnerRef: "C1", eta: "2024-03-01T14:00:00+01:00" }]]);
		enveloped(facts[0]!);
	});
});
