import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LASTMILE_FACTS, assertValidMessage, catalogueEntry, createEnvelope, type Envelope } from "../../canonical/index.ts";
import { isMappingFailed } from "../../canonical/errors/index.ts";
import { mapInbound, type MappedFact } from "../../services/mapper/canonical-mapper.ts";
import { loadProfile, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { parseEdifact, readIftsta, ssccsOf } from "../../services/mapper/formats/edifact/index.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/edifact/", import.meta.url));
const SAMPLE = `${CORPUS}IFTSTA_D01B_EAN004_iftstaparser-gs1-sample.txt`;
const corpusMissing = existsSync(SAMPLE) ? false : `conformance IFTSTA sample not found at ${SAMPLE}`;
const sampleText = () => readFileSync(SAMPLE, "utf8");
/** Hand-written, enveloped EANCOM IFTSTA; see test/fixtures/edifact/README.md. */
const FIXTURE = fileURLToPath(new URL("../fixtures/edifact/IFTSTA_D01B_EAN004_waybill-carrier-report.edi", import.meta.url));
const PROFILE_DIR = fileURLToPath(new URL("../../mappings/lastmile/edifact-carrier", import.meta.url));
const PROFILE = loadProfile(PROFILE_DIR);

/** The carrier's consignment numbers as Waybill's tracking index (bound as $orderForTracking) knows them. */
const ORDERS: Record<string, string> = { "4215A": "SO-1001", "5122C": "SO-1002", "5145E": "SO-1003", "7655S": "SO-1004" };

function facts(text: string, orders: Record<string, string> = ORDERS, profile: MappingProfile = PROFILE): Promise<MappedFact[]> {
	return mapInbound(profile, text, { orderForTracking: async (code: string) => orders[code] });
}

const withCarrier = (settings: Record<string, string>): MappingProfile => ({ ...PROFILE, tables: { ...PROFILE.tables, carrier: { ...PROFILE.tables.carrier, ...settings } } });

async function refused(promise: Promise<unknown>, mentions: RegExp): Promise<void> {
	await assert.rejects(promise, (e: unknown) => isMappingFailed(e) && mentions.test((e as Error).message));
}

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
		assert.deepEqual(delivered!.times, [{ qualifier: "334", value: "200202011450", format: "203", localTime: "2002-02-01T14:50:00" }]);
		assert.deepEqual(delivered!.parties, [{ qualifier: "DP", id: "5411111123451", agency: "9" }]);
		assert.deepEqual(enRoute!.times, [{ qualifier: "40E", value: "20020207", format: "102", localTime: "2002-02-07T00:00:00" }]);
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

describe("IFTSTA to canonical last-mile facts by the lastmile/edifact-carrier profile, on the GS1 sample", { skip: corpusMissing }, () => {
	test("maps every status of the sample to the fact its code stands for, in document order, as the code mapping did", async () => {
		const mapped = await facts(sampleText());
		assert.deepEqual(mapped.map((f) => [f.type, f.subject, f.time, f.partnerEventId]), [
			[LASTMILE_FACTS.DELIVERED, "SO-1001", "2002-02-01T14:50:00Z", "iftsta:4215A:21:2002-02-01T14:50:00Z"],
			// No DTM 334 of its own: the report's date (DTM 137) is when "en route" was known to hold.
			[LASTMILE_FACTS.DISPATCHED, "SO-1002", "2002-02-04T00:00:00Z", "iftsta:5122C:31:2002-02-04T00:00:00Z"],
			[LASTMILE_FACTS.DELAY_DETECTED, "SO-1003", "2002-01-15T00:00:00Z", "iftsta:5145E:17:2002-01-15T00:00:00Z"],
			[LASTMILE_FACTS.ATTEMPT_FAILED, "SO-1004", "2002-01-28T00:00:00Z", "iftsta:7655S:49:2002-01-28T00:00:00Z:354107380000001068"],
			[LASTMILE_FACTS.DELIVERED, "SO-1004", "2002-01-28T00:00:00Z", "iftsta:7655S:21:2002-01-28T00:00:00Z:354107380000001051"],
			[LASTMILE_FACTS.DELIVERED, "SO-1004", "2002-01-28T00:00:00Z", "iftsta:7655S:21:2002-01-28T00:00:00Z:354123451234567892"],
		]);
		assert.deepEqual(mapped.map((f) => f.data), [
			{ orderId: "SO-1001", partnerRef: "4215A" },
			{ orderId: "SO-1002", partnerRef: "5122C" },
			{ orderId: "SO-1003", partnerRef: "5145E", reason: "Customs clearance, refused (STS 17, reason 39); at H.MCUSTOMS AND EXCISE LONDON HEATHROW AIRPORT" },
			{ orderId: "SO-1004", partnerRef: "7655S", reason: "Lost (STS 49); packages (SSCC) 354107380000001068" },
			{ orderId: "SO-1004", partnerRef: "7655S", proofOfDelivery: { notes: "delivered packages (SSCC): 354107380000001051" } },
			{ orderId: "SO-1004", partnerRef: "7655S", proofOfDelivery: { notes: "delivered packages (SSCC): 354123451234567892" } },
		]);
	});

	test("every fact passes the canonical envelope and deliveryEvent schema", async () => {
		const envelopes = (await facts(sampleText())).map(enveloped);
		assert.equal(envelopes.length, 6);
		assert.equal(new Set(envelopes.map((e) => e.id)).size, 6, "six distinct events, six distinct message ids");
	});

	test("the same report sent twice names the same events, so the repeat is dropped downstream", async () => {
		const once = (await facts(sampleText())).map((f) => enveloped(f).id);
		const again = (await facts(sampleText())).map((f) => enveloped(f).id);
		assert.deepEqual(again, once);
	});

	test("reads event times at the offset the carrier table gives", async () => {
		assert.equal((await facts(sampleText(), ORDERS, withCarrier({ localTimeOffset: "+00:00" })))[0]!.time, "2002-02-01T14:50:00+00:00");
	});

	test("a status code outside the table, or from another code list, yields no fact", async () => {
		const text = sampleText().replace("STS+1+31'", "STS+1+99'").replace("STS+1+17+39'", "STS+1+21:ZZ:ZZZ'");
		const mapped = await facts(text);
		assert.deepEqual(mapped.map((f) => [f.partnerEventId!.split(":")[1], f.partnerEventId!.split(":")[2]]), [["4215A", "21"], ["7655S", "49"], ["7655S", "21"], ["7655S", "21"]]);
	});

	test("a consignment with no order reference, and none in the tracking index, fails the mapping instead of guessing", async () => {
		const { "5145E": _unknown, ...known } = ORDERS;
		await refused(facts(sampleText(), known), /consignment '5145E' has no order reference/);
	});

	test("a cancelled report is refused with a clear error", async () => {
		await refused(facts(sampleText().replace("BGM+44+95-455+9'", "BGM+44+95-455+1'")), /IFTSTA 95-455 is a cancellation \(BGM 1225=1\)/);
	});

	test("a report cut short (UNT count off) is refused whole, naming the UNT, before any fact is made", async () => {
		await refused(facts(sampleText().replace("UNT+34+ME000021'", "UNT+40+ME000021'")), /UNT declares 40 segments but 34 are present \(segment UNT\)/);
	});
});

describe("IFTSTA by the lastmile/edifact-carrier profile, on a hand-written carrier report", () => {
	test("takes a consignment's own order reference (RFF ON, CU) first and its consignment number through the tracking index otherwise, as the code mapping did", async () => {
		const mapped = await facts(readFileSync(FIXTURE, "utf8"), { FF7788124: "SO-1002" });
		assert.deepEqual(mapped, [
			{ type: LASTMILE_FACTS.OUT_FOR_DELIVERY, subject: "SO-1001", time: "2024-03-18T07:30:00Z", partnerEventId: "iftsta:FF7788123:113:2024-03-18T07:30:00Z", data: { orderId: "SO-1001", partnerRef: "FF7788123", eta: "2024-03-18T14:00:00Z" } },
			{
				type: LASTMILE_FACTS.DELIVERED, subject: "SO-1001", time: "2024-03-18T13:12:00Z",
				// Seven SSCCs are too long to carry: the event id names them by digest, the same digest the code mapping used.
				partnerEventId: "iftsta:FF7788123:21:2024-03-18T13:12:00Z:edae589a00c7295153c64a09c0edeff7",
				data: { orderId: "SO-1001", partnerRef: "FF7788123", proofOfDelivery: { notes: "delivered packages (SSCC): 354123450000000014, 354123450000000038, 354123450000000045, 354123450000000052, 354123450000000069, 354123450000000076, 354123450000000083" } },
			},
			// STS 99 (no such code) and 21 of agency ZZZ (another code list) under the same consignment yield nothing.
			{ type: LASTMILE_FACTS.ATTEMPT_FAILED, subject: "SO-1002", time: "2024-03-18T10:45:00Z", partnerEventId: "iftsta:FF7788124:23:2024-03-18T10:45:00Z", data: { orderId: "SO-1002", partnerRef: "FF7788124", reason: "Delivery, not completed (STS 23, reason ZZ); at RUE DE LA LOI 16 BRUXELLES" } },
			// The second message of the interchange; DTM format 205 states its own offset.
			{ type: LASTMILE_FACTS.DISPATCHED, subject: "SO-1003", time: "2024-03-18T06:00:00+01:00", partnerEventId: "iftsta:FF7788125:24:2024-03-18T06:00:00+01:00", data: { orderId: "SO-1003", partnerRef: "FF7788125" } },
		]);
		mapped.forEach(enveloped);
	});

	test("an estimated delivery time (DTM 17) travels as the fact's ETA", async () => {
		const text = "UNH+1+IFTSTA:D:01B:UN:EAN004'BGM+44+R1+9'DTM+137:20240301:102'CNI+1+C1'STS+1+113'DTM+334:202403010930:203'DTM+17:202403011400:203'UNT+8+1'";
		const mapped = await facts(text, { C1: "SO-9" }, withCarrier({ localTimeOffset: "+01:00" }));
		assert.deepEqual(mapped.map((f) => [f.type, f.time, f.data]), [[LASTMILE_FACTS.OUT_FOR_DELIVERY, "2024-03-01T09:30:00+01:00", { orderId: "SO-9", partnerRef: "C1", eta: "2024-03-01T14:00:00+01:00" }]]);
		enveloped(mapped[0]!);
	});

	test("an interchange without IFTSTA gives this profile nothing to map", async () => {
		assert.deepEqual(await facts("UNH+1+IFCSUM:D:01B:UN:EAN003'BGM+610+1+9'UNT+3+1'"), []);
	});
});

describe("the IFTSTA status table", () => {
	test("maps only to last-mile facts the catalogue knows, with deliveryEvent data", () => {
		const lastMile = new Set<string>(Object.values(LASTMILE_FACTS));
		for (const [code, meaning] of Object.entries(PROFILE.tables.stsStatus!)) {
			const { type, label } = meaning as { type: string; label: string };
			assert.ok(lastMile.has(type), `${code} → ${type}`);
			assert.equal(catalogueEntry(type)?.kind, "fact");
			assert.ok(label, `${code} has its Recommendation 24 name`);
		}
	});

	test("a carrier with codes of its own is a copied folder with its own table and agency", async () => {
		const dir = mkdtempSync(join(tmpdir(), "waybill-edifact-carrier-"));
		try {
			cpSync(PROFILE_DIR, dir, { recursive: true });
			writeFileSync(join(dir, "sts-status.json"), JSON.stringify({ DLV: { type: LASTMILE_FACTS.DELIVERED, label: "Delivered" }, SCAN: null }));
			writeFileSync(join(dir, "carrier.json"), JSON.stringify({ localTimeOffset: "+02:00", statusCodeAgency: "ZZZ" }));
			const own = loadProfile(dir);
			const text = "UNH+1+IFTSTA:D:01B:UN:EAN004'BGM+44+R1+9'DTM+137:20240301:102'CNI+1+C1'RFF+ON:SO-5'STS+1+SCAN:ZZ:ZZZ'STS+1+DLV:ZZ:ZZZ'DTM+334:202403011200:203'STS+1+21'UNT+10+1'";
			assert.deepEqual((await facts(text, {}, own)).map((f) => [f.type, f.subject, f.time]), [[LASTMILE_FACTS.DELIVERED, "SO-5", "2024-03-01T12:00:00+02:00"]]);
		} finally {
			rmSync(dir, { recursive: true });
		}
	});
});
