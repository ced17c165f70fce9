import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isSchemaInvalid } from "../../canonical/errors/index.ts";
import {
	ancestorOf, parseInterchange, read214, read856, read940, read945, read990, writeInterchange, type Segment, type X12Transaction,
} from "../../services/mapper/formats/x12/index.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/", import.meta.url));
const SKIP = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}; these tests need the shared folder next to the repo`;
const first = (file: string): X12Transaction => parseInterchange(readFileSync(CORPUS + file)).groups[0]!.transactions[0]!;
const refusal = (read: () => unknown): string[] => {
	try { read(); } catch (e: unknown) { assert.ok(isSchemaInvalid(e)); return (e.data as { problems: Array<{ message: string }> }).problems.map((p) => p.message); }
	return assert.fail("expected a SchemaInvalidError");
};

describe("X12 readers on the corpus", { skip: SKIP }, () => {
	test("856 cross-dock: 13 HL levels, S over two store orders, each pack with its SSCC over one item of 12", () => {
		const asn = read856(first("856_edi-engine_crossdock.edi"));
		assert.deepEqual([asn.purpose, asn.shipmentId, asn.date, asn.time, asn.lineItemCount], ["00", "000009", "20090921", "0801", 13]);
		assert.equal(asn.levels.length, 13);
		assert.deepEqual(asn.levels.map((l) => `${l.id}<${l.parentId || "-"}:${l.levelCode}`), [
			"1<-:S", "2<1:O", "3<2:P", "4<3:I", "5<2:P", "6<5:I", "7<2:P", "8<7:I", "9<2:P", "10<9:I", "11<1:O", "12<11:P", "13<12:I",
		]);
		const [shipment] = asn.levels;
		assert.deepEqual(shipment?.children, ["2", "11"]);
		assert.deepEqual(shipment?.carrier, { scac: "OVNT", routing: "OVERNITE", transportationMethod: "" });
		assert.deepEqual(shipment?.parties.map((p) => `${p.code} ${p.name} ${p.id}`), ["SF SOME COMPANY 000009", "ST RETAILER 0001"]);
		const orders = asn.levels.filter((l) => l.levelCode === "O");
		assert.deepEqual(orders.map((o) => [o.purchaseOrder, o.parties[0]?.code, o.parties[0]?.id, o.children.length]), [["POREF00", "BY", "002", 4], ["POREF01", "BY", "003", 1]]);
		const packs = asn.levels.filter((l) => l.levelCode === "P");
		assert.deepEqual(packs.map((p) => p.cartons.map((c) => `${c.kind}:${c.qualifier}:${c.sscc}`)).flat(), [
			"sscc:GM:000715670002152360", "sscc:GM:000715670002152377", "sscc:GM:000715670002152384", "sscc:GM:000715670002152391", "sscc:GM:000715670002152111",
		]);
		const items = asn.levels.filter((l) => l.levelCode === "I");
		assert.deepEqual(items.map((i) => `${i.item?.ids[0]?.qualifier}:${i.item?.ids[0]?.value} x${i.item?.shippedQty} ${i.item?.uom}`), [
			"UP:0000000000642 x12 EA", "EN:0000000000831 x12 EA", "UP:0000000000283 x12 EA", "UP:0000000000203 x12 EA", "UP:0000000000642 x12 EA",
		]);
		assert.equal(ancestorOf(asn, "13", "O")?.purchaseOrder, "POREF01", "the last item was packed for the second store");
		assert.equal(ancestorOf(asn, "13", "P")?.cartons[0]?.value, "00000715670002152111");
	});

	test("856 004060: items hang directly under the order, with LIN pairs, SN1 quantities and PID descriptions", () => {
		const asn = read856(first("856_x12-types_004060.edi"));
		assert.deepEqual([asn.purpose, asn.shipmentId, asn.lineItemCount], ["14", "829716", 4]);
		assert.deepEqual(asn.levels.map((l) => `${l.id}<${l.parentId || "-"}:${l.levelCode}`), ["1<-:S", "2<1:O", "3<2:I", "4<2:I"]);
		assert.deepEqual(asn.levels[0]?.references.map((r) => `${r.qualifier}=${r.value}`), ["BM=999999-001", "CN=5787970539"]);
		assert.deepEqual(asn.levels[0]?.parties.find((p) => p.code === "OB"), { code: "OB", name: "XYZ RETAIL", idQualifier: "", id: "", addressLines: ["P O BOX 9999999"], city: "ATLANTA", state: "GA", postalCode: "31139-0020", country: "" });
		assert.equal(asn.levels[1]?.purchaseOrder, "99999817");
		assert.deepEqual(asn.levels.slice(2).map((l) => l.item), [
			{ lineId: "1", ids: [{ qualifier: "VP", value: "87787D" }, { qualifier: "UP", value: "999999310145" }], shippedQty: 24, uom: "EA", description: "BLUE WIDGET" },
			{ lineId: "2", ids: [{ qualifier: "VP", value: "99887D" }, { qualifier: "UP", value: "999999311746" }], shippedQty: 6, uom: "EA", description: "RED WIDGET" },
		]);
	});

	test("214 with '…' terminators: B10 references, two AT7 statuses with date, time, zone and the MS2 equipment", () => {
		const status = read214(first("214_staedi_ellipsis-segment-terminator.edi"));
		assert.deepEqual([status.carrierReference, status.shipmentId, status.scac], ["0542550913", "7727019", "XXXX"]);
		assert.deepEqual(status.references, [{ qualifier: "PO", value: "900169", description: "" }]);
		assert.deepEqual(status.parties.map((p) => `${p.code}:${p.city},${p.state}`), ["SH:CARTERSVILLE,GA", "CN:ORLANDO,FL", "BT:MANLIUS,NY"]);
		assert.deepEqual(status.events.map((e) => [e.lx, e.statusCode, e.reasonCode, e.date, e.time, e.timeCode, e.equipment?.number]), [
			["1", "AG", "NS", "20200911", "1159", "ET", "902577"],
			["2", "AF", "NS", "20200910", "1135", "ET", "902577"],
		]);
		assert.deepEqual(status.weight, { qualifier: "G", unit: "L", value: 2085, ladingQuantity: 5 });
	});

	test("990 answers load 75027674 with B104 A: accepted", () => {
		const answer = read990(first("990_edinet_mgctlyst.edi"));
		assert.deepEqual([answer.scac, answer.shipmentId, answer.actionCode, answer.decision], ["SCAC", "75027674", "A", "accepted"]);
	});

	test("940: header parties, dates and carrier, three W01 lines and the W76 totals", () => {
		const order = read940(first("940_edi-engine_ok.edi"));
		assert.deepEqual([order.statusCode, order.depositorOrderNumber], ["N", "538686"]);
		assert.deepEqual(order.parties.map((p) => `${p.code}:${p.name}:${p.id}`), ["ST:ST COMPANY:00000001", "DE:DE COMPANY:0000000000001", "WH:WHNAME:0000000000140"]);
		assert.deepEqual(order.dates.map((d) => `${d.qualifier}=${d.date}`), ["10=20000204", "02=20000207"]);
		assert.deepEqual(order.notes, [{ code: "WHI", text: "SHIP ON CHEP PALLETS" }]);
		assert.deepEqual(order.carrier, { paymentMethod: "PP", transportationMethod: "M", routing: "MTEN", scac: "" });
		assert.deepEqual(order.lines.map((l) => [l.lx, l.orderedQty, l.uom, l.upc, l.productIds[0]?.value, l.description, l.references[0]?.value]), [
			["1", 12, "CA", "000100000010", "000100", "11.500 STRUD BLUBRY", "DEC0199"],
			["2", 32, "CA", "000000000220", "000200", "11.500 STRUD CINN", "DEC0299"],
			["3", 12, "CA", "000000000330", "000300", "11.500 STRUDEL RASPBRY", "JAN0100"],
		]);
		assert.deepEqual(order.totals, { quantity: 56, weight: 500, weightUnit: "LB", volume: 24, volumeUnit: "CF" });
		assert.equal(order.lines.reduce((sum, l) => sum + l.orderedQty, 0), order.totals?.quantity);
	});

	test("the negative 940's shifted W01 is refused on content too: no quantity, and '1' where the unit belongs", () => {
		assert.deepEqual(refusal(() => read940(first("940_edi-engine_failed_SE01.edi"))), [
			"W01 in LX 1: W0101 quantity ordered must be a number, got ''",
			"W01 in LX 1: W0102 '1' is not a unit of measure code",
		]);
		assert.deepEqual(read940(first("940_edi-engine_2_ok.edi")).lines[0]?.productIds, [{ qualifier: "VC", value: "110220" }, { qualifier: "UP", value: "871209028795" }]);
	});

	test("a reader handed the wrong transaction set refuses it instead of reading garbage", () => {
		assert.deepEqual(refusal(() => read945(first("940_edi-engine_ok.edi"))), ["transaction 0001 is a 940, not a 945"]);
	});
});

/** No 945 in the corpus, so this one is written to the shape a WMS sends: partial line, SSCC and tracking cartons. */
const ADVICE_945: Segment[] = [
	["W06", "F", "SO-1001", "20240305", "SHP-88", "", "PO-77"],
	["N1", "ST", "Corner Shop", "92", "0042"],
	["N4", "Leeds", "", "LS1 4AP", "GB"],
	["N9", "BM", "BOL-5521"],
	["W27", "M", "UPSN", "UPS GROUND", "PP"],
	["LX", "1"],
	["MAN", "GM", "00012345600000000017"],
	["W12", "CC", "12", "12", "0", "EA", "", "VN", "SKU-1"],
	["G69", "Blueberry strudel"],
	["LX", "2"],
	["MAN", "CP", "1Z999AA10123456784"],
	["W12", "PR", "5", "3", "2", "EA", "", "VN", "SKU-2"],
	["W03", "15", "41.5", "LB", "", "", "2", "CT"],
];
const tx945 = (segments: Segment[]): X12Transaction =>
	parseInterchange(writeInterchange({ senderId: "WMS", receiverId: "WAYBILL", controlNumber: 7, functionalId: "SW", version: "004010", transactions: [{ code: "945", segments }] })).groups[0]!.transactions[0]!;

describe("X12 945 reader", () => {
	test("keeps ordered against shipped per line, the cartons of each LX, the carrier and the totals", () => {
		const advice = read945(tx945(ADVICE_945));
		assert.deepEqual([advice.reportingCode, advice.depositorOrderNumber, advice.date, advice.shipmentId, advice.purchaseOrderNumber], ["F", "SO-1001", "20240305", "SHP-88", "PO-77"]);
		assert.deepEqual(advice.carrier, { transportationMethod: "M", scac: "UPSN", routing: "UPS GROUND", paymentMethod: "PP" });
		assert.deepEqual(advice.references, [{ qualifier: "BM", value: "BOL-5521", description: "" }]);
		assert.deepEqual(advice.lines.map((l) => [l.lx, l.status, l.orderedQty, l.shippedQty, l.differenceQty, l.productId, l.cartons.map((c) => c.sscc ?? c.value)]), [
			["1", "CC", 12, 12, 0, "SKU-1", ["012345600000000017"]],
			["2", "PR", 5, 3, 2, "SKU-2", ["1Z999AA10123456784"]],
		]);
		assert.deepEqual(advice.cartons.map((c) => c.kind), ["sscc", "tracking"]);
		assert.equal(advice.lines[0]?.description, "Blueberry strudel");
		assert.deepEqual(advice.totals, { units: 15, weight: 41.5, weightUnit: "LB", volume: undefined, volumeUnit: "", ladingQuantity: 2 });
	});

	test("lists every content problem at once: no W06, a shipped quantity that is not a number, a bad total", () => {
		const broken = ADVICE_945.filter((s) => s[0] !== "W06").map((s) => (s[0] === "W12" && s[1] === "PR" ? ["W12", "PR", "5", "three", "2", "EA"] : s[0] === "W03" ? ["W03", "x"] : s));
		assert.deepEqual(refusal(() => read945(tx945(broken))), [
			"the 945 has no W06 header",
			"W12 in LX 2: W1203 must be a number, got 'three'",
			"W0301 must be a number, got 'x'",
		]);
	});
});

const single = (code: string, segments: Segment[]): X12Transaction =>
	parseInterchange(writeInterchange({ senderId: "PARTNER", receiverId: "WAYBILL", controlNumber: 8, functionalId: "XX", version: "004010", transactions: [{ code, segments }] })).groups[0]!.transactions[0]!;

describe("X12 readers on what the corpus lacks", () => {
	test("a 990 that declines carries its reasons in K1 remarks; a counter proposal is not an acceptance", () => {
		const declined = read990(single("990", [["B1", "SCAC", "LOAD-9", "20240305", "D"], ["N9", "CN", "PRO-1"], ["K1", "NO EQUIPMENT", "AVAILABLE"]]));
		assert.deepEqual([declined.decision, declined.references[0]?.value, declined.remarks], ["declined", "PRO-1", ["NO EQUIPMENT AVAILABLE"]]);
		assert.equal(read990(single("990", [["B1", "SCAC", "LOAD-9", "20240305", "C"]])).decision, "conditional");
		assert.deepEqual(refusal(() => read990(single("990", [["B1", "SCAC", "LOAD-9", "20240305", "Z"]]))), ["B104 'Z' is not a reservation action a load tender answer uses"]);
	});

	test("a 214 status located by MS1 city and coordinates, next to one with an appointment status only", () => {
		const status = read214(single("214", [
			["B10", "PRO-1", "SHP-88", "ABCD"],
			["LX", "1"], ["AT7", "D1", "NS", "", "", "20240305", "1407", "LT"], ["MS1", "LEEDS", "", "GB", "0013257", "0534803", "W", "N"],
			["LX", "2"], ["AT7", "", "", "AA", "NA", "20240306", "0900", "LT"],
		]));
		assert.deepEqual(status.events.map((e) => [e.statusCode, e.appointmentStatusCode, e.date, e.location]), [
			// MS104 longitude and MS105 latitude as DDDMMSS, MS106/MS107 the hemispheres: 1°32'57"W, 53°48'03"N.
			["D1", "", "20240305", { city: "LEEDS", state: "", country: "GB", latitude: 53.800833, longitude: -1.549167 }],
			["", "AA", "20240306", undefined],
		]);
		assert.deepEqual(refusal(() => read214(single("214", [["B10", "PRO-1"], ["LX", "1"], ["AT7", "", "NS", "", "", ""]]))), [
			"AT7 in LX 1 has neither a status (AT701) nor an appointment status (AT703)",
			"AT705 in LX 1 is required",
		]);
	});

	test("an 856 whose HL names a parent that does not precede it, or repeats an id, is refused", () => {
		assert.deepEqual(refusal(() => read856(single("856", [["BSN", "00", "X", "20240305", "1407"], ["HL", "1", "", "S"], ["HL", "2", "3", "O"], ["HL", "1", "", "P"]]))), [
			"HL 2 names parent 3, which does not precede it",
			"HL 1 appears twice",
		]);
	});
});
