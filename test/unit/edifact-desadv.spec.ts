import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WMS_FACTS, assertValidMessage, catalogueEntry, createEnvelope, type Shipment } from "../../canonical/index.ts";
import { isMappingFailed } from "../../canonical/errors/index.ts";
import { parseEdifact, readDesadv, readDesadvMessage, type EdifactDelimiters, type EdifactInterchange } from "../../services/mapper/formats/edifact/index.ts";
import { edifactDocuments } from "../../services/mapper/edifact-documents.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import { loadProfile, type MappingProfile } from "../../services/mapper/mapping-profile.ts";

/** Hand-written EANCOM D.96A fixture (the corpus has no DESADV); see test/fixtures/edifact/README.md. */
const FIXTURE = fileURLToPath(new URL("../fixtures/edifact/DESADV_D96A_EAN005_waybill-mixed-pallet.edi", import.meta.url));
const fixture = () => readFileSync(FIXTURE, "utf8");
const PROFILE = loadProfile(fileURLToPath(new URL("../../mappings/wms/edifact-3pl", import.meta.url)));

/** What the code mapping this profile replaced (formats/edifact/desadv.ts) made of the fixture, kept as the reference. */
const EXPECTED: Shipment = {
	shipmentId: "DES-240315-01",
	orderId: "SO-1001",
	shippedAt: "2024-03-15T08:15:00Z",
	carrier: "FAST FREIGHT NV",
	trackingNumber: "FF7788123",
	packages: [
		{
			sscc: "354123450000000014", weightKg: 182.5, dimensionsCm: { length: 120, width: 80, height: 145 },
			lines: [{ lineNo: 1, sku: "SKU-RED-MUG", qty: 48 }, { lineNo: 2, sku: "SKU-BLUE-PLATE", qty: 24 }],
		},
		{ sscc: "354123450000000038", lines: [{ lineNo: 3, sku: "SKU-TEA-COFFEE", qty: 12 }] },
		{ sscc: "354123450000000045", lines: [{ lineNo: 3, sku: "SKU-TEA-COFFEE", qty: 6 }] },
	],
	lines: [{ lineNo: 1, sku: "SKU-RED-MUG", qty: 48 }, { lineNo: 2, sku: "SKU-BLUE-PLATE", qty: 24 }, { lineNo: 3, sku: "SKU-TEA-COFFEE", qty: 18 }],
};

/** The profile with other settings in its partner table, as a partner's copied folder would have. */
const withPartner = (partner: Record<string, string>): MappingProfile => ({ ...PROFILE, tables: { ...PROFILE.tables, partner } });

/** Writes a parsed interchange back out with other delimiters, releasing whatever collides. */
function serialise(parsed: EdifactInterchange, d: EdifactDelimiters): string {
	const special = new Set([d.component, d.element, d.release, d.segment]);
	const release = (v: string) => [...v].map((c) => (special.has(c) ? d.release + c : c)).join("");
	const segment = (tag: string, elements: string[][]) => [tag, ...elements.map((e) => e.map(release).join(d.component))].join(d.element) + d.segment + "\r\n";
	const una = `UNA${d.component}${d.element}${d.decimal}${d.release}${d.repetition}${d.segment}\r\n`;
	const body = parsed.messages.map((m) => [m.unh, ...m.segments, m.unt!].map((s) => segment(s.tag, s.elements)).join("")).join("");
	return una + segment("UNB", parsed.unb!) + body + segment("UNZ", parsed.unz!);
}

async function mapped(text: string, profile = PROFILE) {
	const facts = await mapInbound(profile, text);
	assert.equal(facts.length, 1, "one DESADV message, one fact");
	return facts[0]!;
}

async function refused(text: string, mentions: RegExp): Promise<void> {
	await assert.rejects(mapInbound(PROFILE, text), (e: unknown) => {
		assert.ok(isMappingFailed(e), `expected MAPPING_FAILED, got ${String(e)}`);
		assert.match((e as Error).message, mentions);
		return true;
	});
}

describe("DESADV reading (hand-written EANCOM D.96A fixture)", () => {
	test("keeps the header, the parties and the whole CPS packaging hierarchy", () => {
		const parsed = parseEdifact(fixture());
		assert.deepEqual(parsed.problems, []);
		const [advice] = readDesadv(parsed);
		assert.deepEqual([advice!.version, advice!.association, advice!.documentName, advice!.documentNumber, advice!.documentFunction], ["D.96A", "EAN005", "351", "DES-240315-01", "9"]);
		assert.deepEqual(advice!.references.map((r) => `${r.qualifier}:${r.value}`), ["ON:SO-1001", "CN:FF7788123"]);
		assert.equal(advice!.parties.find((p) => p.qualifier === "DP")?.name, "L'Epicerie Waybill", "the released apostrophe is data");
		assert.deepEqual(advice!.carrier, { id: "5400000000010", name: "FAST FREIGHT NV" });
		assert.deepEqual(advice!.levels.map((l) => [l.id, l.parentId, l.packages.map((p) => `${p.count}x${p.type}`).join(), l.ssccs.join()]), [
			["1", undefined, "2x201", ""],
			["2", "1", "1x201", "354123450000000014"],
			["3", "1", "1x201", "354123450000000021"],
			["4", "3", "1xCT", "354123450000000038"],
			["5", "3", "1xCT", "354123450000000045"],
		]);
		assert.equal(advice!.levels[2]!.weightKg, 96.4);
		assert.deepEqual(advice!.lines.map((l) => [l.lineNo, l.itemId, l.levelId, l.quantities.map((q) => `${q.qualifier}=${q.value}`).join()]), [
			["1", "5412345111115", "2", "12=48,21=50"],
			["2", "5412345222224", "2", "12=24"],
			["3", "5412345333333", "4", "12=12"],
			["4", "5412345333333", "5", "12=6"],
		]);
		assert.deepEqual(advice!.controlTotals, { "2": "4" });
	});

	test("the mapping sees each message with its type, reference and the interchange's UNB sender, recipient and reference", () => {
		const parsed = parseEdifact(fixture());
		assert.deepEqual(edifactDocuments(fixture()), [{
			type: "DESADV",
			reference: "1",
			interchange: { sender: "5412345000006", recipient: "5498765000000", reference: "DESADV0042" },
			document: readDesadvMessage(parsed.messages[0]!),
		}]);
	});
});

describe("DESADV to a canonical wms.shipment.manifested fact, by the wms/edifact-3pl profile", () => {
	test("yields one shipment with SSCC packages and shipped quantities per order line, as the code mapping did", async () => {
		const fact = await mapped(fixture());
		assert.deepEqual([fact.type, fact.subject, fact.time, fact.partnerEventId], [WMS_FACTS.SHIPMENT_MANIFESTED, "SO-1001", "2024-03-15T08:15:00Z", "desadv:DES-240315-01:9"]);
		assert.deepEqual(fact.data, EXPECTED);
	});

	test("the shipment passes the canonical envelope and Shipment schema unchanged", async () => {
		const fact = await mapped(fixture());
		const entry = catalogueEntry(fact.type)!;
		const envelope = createEnvelope({ type: fact.type, source: "partner/wms/edifact-3pl", subject: fact.subject, time: fact.time, data: structuredClone(fact.data), schemaVersion: entry.version, idempotencyKey: fact.partnerEventId, partnerEventId: fact.partnerEventId });
		assertValidMessage(envelope);
		assert.deepEqual(envelope.data, EXPECTED);
	});

	test("reads the same shipment when the partner declares other separators in UNA", async () => {
		const redelimited = serialise(parseEdifact(fixture()), { component: "^", element: "|", decimal: ",", release: "!", repetition: " ", segment: "~" });
		assert.match(redelimited, /^UNA\^\|,! ~/);
		assert.match(redelimited, /L'Epicerie/, "the apostrophe no longer needs releasing");
		assert.deepEqual((await mapped(redelimited)).data, EXPECTED);
	});

	test("takes the warehouse and the partner's UTC offset from the profile's partner table", async () => {
		const shipment = (await mapped(fixture(), withPartner({ localTimeOffset: "+01:00", warehouse: "WH-BRU" }))).data as Shipment;
		assert.deepEqual([shipment.orderId, shipment.warehouse, shipment.shippedAt], ["SO-1001", "WH-BRU", "2024-03-15T08:15:00+01:00"]);
	});

	test("refuses a local time when the partner table names no usable offset, rather than guessing a zone", async () => {
		await assert.rejects(mapInbound(withPartner({ localTimeOffset: "CET" }), fixture()), (e: unknown) => isMappingFailed(e) && /sets no localTimeOffset/.test((e as Error).message));
	});

	test("falls back to the document date when no despatch date is given", async () => {
		assert.equal((await mapped(fixture().replace("DTM+11:202403150815:203'\n", "").replace("UNT+55+1'", "UNT+54+1'"))).time, "2024-03-15T00:00:00Z");
	});

	test("refuses a cancellation, a missing order, a count that contradicts CNT, a line without a despatched quantity and a bad SSCC", async () => {
		await refused(fixture().replace("BGM+351+DES-240315-01+9'", "BGM+351+DES-240315-01+1'"), /cancellation/);
		await refused(fixture().replace("RFF+ON:SO-1001'", "RFF+VN:V-1'"), /no order reference/);
		await refused(fixture().replace("CNT+2:4'", "CNT+2:5'"), /CNT\+2 declares 5 line items but 4 are present/);
		await refused(fixture().replace("QTY+12:24'", "QTY+21:24'"), /LIN 2 has no whole despatched quantity/);
		await refused(fixture().replace("QTY+12:6'", "QTY+12:6.5'"), /LIN 4 has no whole despatched quantity \(QTY\+12, got '6.5'\)/);
		await refused(fixture().replace("GIN+BJ+354123450000000038'", "GIN+BJ+354123450000000039'"), /SSCC '354123450000000039' is not 18 digits with a valid check digit/);
		await refused(fixture().replace("PIA+1+SKU-TEA-COFFEE:IN'\nQTY+12:6'", "PIA+1+SKU-GREEN-TEA:IN'\nQTY+12:6'"), /order line 3 is given as both 'SKU-TEA-COFFEE' and 'SKU-GREEN-TEA'/);
	});

	test("refuses a despatched quantity that is sent empty, rather than reading it as none shipped", async () => {
		await refused(fixture().replace("QTY+12:6'", "QTY+12:'"), /LIN 4 has no whole despatched quantity \(QTY\+12, got ''\)/);
	});

	test("refuses a truncated interchange whole, naming the UNT that miscounts, rather than manifesting part of it", async () => {
		const cut = fixture().replace(/CPS\+5\+3'[\s\S]*CNT\+2:4'\n/, "");
		await refused(cut, /UNT declares 55 segments but 46 are present \(segment UNT\)/);
	});

	test("a flat DESADV without packaging still yields its lines, with no packages", async () => {
		const flat = "UNH+1+DESADV:D:01B:UN:EAN007'BGM+351+D2+9'DTM+11:20240401:102'RFF+ON:SO-7'LIN+1++4000862141404:SRV'QTY+12:3'UNT+7+1'";
		assert.deepEqual((await mapped(flat)).data, { shipmentId: "D2", orderId: "SO-7", shippedAt: "2024-04-01T00:00:00Z", packages: [], lines: [{ lineNo: 1, sku: "4000862141404", qty: 3 }] });
	});

	test("an unmarked carton level folds into the SSCC-marked pallet above it", async () => {
		const text = "UNH+1+DESADV:D:96A:UN:EAN005'BGM+351+D3+9'DTM+11:20240401:102'RFF+ON:SO-8'CPS+1'CPS+2+1'PAC+1++201'PCI+33E'GIN+BJ+354123450000000014'CPS+3+2'PAC+10++CT'LIN+1++5412345111115:EN'QTY+12:40'UNT+14+1'";
		assert.deepEqual(((await mapped(text)).data as Shipment).packages, [{ sscc: "354123450000000014", lines: [{ lineNo: 1, sku: "5412345111115", qty: 40 }] }]);
	});

	test("each DESADV message of an interchange is its own shipment; other message types are left to other profiles", async () => {
		const two = "UNH+1+DESADV:D:01B:UN:EAN007'BGM+351+D1+9'DTM+11:20240401:102'RFF+ON:SO-1'LIN+1++4000862141404:SRV'QTY+12:3'UNT+7+1'"
			+ "UNH+2+IFTSTA:D:01B:UN:EAN004'BGM+23+S1+9'UNT+3+2'"
			+ "UNH+3+DESADV:D:01B:UN:EAN007'BGM+351+D2+9'DTM+11:20240402:102'RFF+ON:SO-2'LIN+1++4000862141404:SRV'QTY+12:1'UNT+7+3'";
		assert.deepEqual((await mapInbound(PROFILE, two)).map((f) => [f.subject, f.partnerEventId]), [["SO-1", "desadv:D1:9"], ["SO-2", "desadv:D2:9"]]);
	});
});
