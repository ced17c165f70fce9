import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isSchemaInvalid } from "../../canonical/index.ts";
import { parseInterchange, read210, read214, writeInterchange, type Segment, type X12Transaction } from "../../services/mapper/formats/x12/index.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/", import.meta.url));
const NO_CORPUS = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}`;

const single = (code: string, segments: Segment[]): X12Transaction =>
	parseInterchange(writeInterchange({ senderId: "EDICARRIER", receiverId: "WAYBILL", controlNumber: 5, functionalId: "XX", version: "004010", transactions: [{ code, segments }] })).groups[0]!.transactions[0]!;

function problems(read: () => unknown): string[] {
	try {
		read();
	} catch (e: unknown) {
		assert.ok(isSchemaInvalid(e));
		return (e.data as { problems: Array<{ message: string }> }).problems.map((p) => p.message);
	}
	return assert.fail("the document was read");
}

const status = (...at7s: Segment[]) => single("214", [["B10", "PRO-1", "SO-1", "EDIC"], ...at7s.flatMap((at7, i) => [["LX", String(i + 1)], at7])]);

describe("the 214 reader resolves AT7 dates, times and zones", () => {
	test("a zone with daylight saving follows it; fixed zones, UTC and the numeric ISO offsets do not", () => {
		const read = read214(status(
			["AT7", "D1", "NS", "", "", "20240115", "0930", "ET"],
			["AT7", "D1", "NS", "", "", "20240715", "0930", "ET"],
			["AT7", "D1", "NS", "", "", "20240715", "0930", "ES"],
			["AT7", "D1", "NS", "", "", "20240715", "093015", "UT"],
			["AT7", "D1", "NS", "", "", "20240715", "0930", "02"],
			["AT7", "D1", "NS", "", "", "20240715", "0930", "20"],
			["AT7", "D1", "NS", "", "", "20240715", "", "NT"],
		));
		assert.deepEqual(read.events.map((e) => e.at), [
			"2024-01-15T09:30:00-05:00", "2024-07-15T09:30:00-04:00", "2024-07-15T09:30:00-05:00", "2024-07-15T09:30:15Z",
			"2024-07-15T09:30:00+02:00", "2024-07-15T09:30:00-05:00", "2024-07-15T00:00:00-02:30",
		]);
	});

	test("local time, no zone or a code not read here leaves the instant to the mapping, with the local time kept", () => {
		const read = read214(status(["AT7", "X1", "NS", "", "", "20240305", "1407", "LT"], ["AT7", "X1", "NS", "", "", "20240305", "1407"], ["AT7", "X1", "NS", "", "", "20240305", "1407", "QQ"]));
		assert.deepEqual(read.events.map((e) => [e.localTime, e.at]), [["2024-03-05T14:07:00", undefined], ["2024-03-05T14:07:00", undefined], ["2024-03-05T14:07:00", undefined]]);
	});

	test("a date or time that is not one is refused, naming the LX", () => {
		assert.deepEqual(problems(() => read214(status(["AT7", "X1", "NS", "", "", "2024035", "1407", "ET"], ["AT7", "X1", "NS", "", "", "20240305", "14h07", "ET"], ["AT7", "X1", "NS", "", "", "20240231", "1407", "ET"]))), [
			"AT705 in LX 1 '2024035' is not a CCYYMMDD date",
			"AT706 in LX 2 '14h07' is not an HHMM time",
			"AT705/AT706 in LX 3 '20240231 1407' is not a real date and time",
		]);
	});

	test("MS1 positions are DDDMMSS with their directions (MS104 the longitude), or decimal degrees in MS109/MS110", () => {
		const read = read214(single("214", [
			["B10", "PRO-1", "SO-1", "EDIC"],
			["LX", "1"], ["AT7", "X1", "NS", "", "", "20240305", "1407", "UT"], ["MS1", "", "", "", "0013257", "0534803", "W", "N"],
			["LX", "2"], ["AT7", "X1", "NS", "", "", "20240305", "1407", "UT"], ["MS1", "", "", "", "1511230", "0335200", "E", "S"],
			["LX", "3"], ["AT7", "X1", "NS", "", "", "20240305", "1407", "UT"], ["MS1", "", "", "", "", "", "", "", "", "-87.6298", "41.8781"],
		]));
		assert.deepEqual(read.events.map((e) => [e.location?.latitude, e.location?.longitude]), [[53.800833, -1.549167], [-33.866667, 151.208333], [41.8781, -87.6298]]);
		assert.deepEqual(problems(() => read214(single("214", [["B10", "PRO-1"], ["LX", "1"], ["AT7", "X1", "NS", "", "", "20240305", "1407", "UT"], ["MS1", "LEEDS", "", "GB", "53.8008", "-1.5491"]]))), [
			"MS104 '53.8008' is not DDDMMSS degrees, minutes and seconds",
			"MS105 '-1.5491' is not DDDMMSS degrees, minutes and seconds",
		]);
	});
});

describe("the 210 reader", () => {
	const invoice = (b3: Segment, ...rest: Segment[]) => single("210", [b3, ...rest]);

	test("reads N2 amounts as currency units and keeps the lines' descriptions, lading and charges", () => {
		const read = read210(invoice(
			["B3", "", "INV-1", "SO-1", "PP", "", "20240307", "10005", "", "", "", "EDIC"],
			["LX", "1"], ["L5", "1", "PALLET"], ["L5", "1", "SHRINK WRAPPED"], ["L0", "1", "", "", "340", "G", "", "", "1", "PLT", "", "L"], ["L1", "1", "12.5", "PH", "4250"], ["L1", "1", "", "", "-250", "", "", "", "DSC"],
			["LX", "2"], ["L1", "2", "5", "FR"],
			["L3", "340", "G", "", "", "10005"],
		));
		assert.deepEqual([read.invoiceNumber, read.shipmentId, read.billingDate, read.netAmountDue, read.scac, read.currency], ["INV-1", "SO-1", "20240307", 100.05, "EDIC", ""]);
		assert.deepEqual(read.lines, [
			{
				lx: "1", descriptions: ["PALLET", "SHRINK WRAPPED"],
				quantity: { weight: 340, weightQualifier: "G", weightUnit: "L", ladingQuantity: 1, packaging: "PLT" },
				charges: [{ lineNumber: "1", rate: 12.5, rateQualifier: "PH", amount: 42.5, specialChargeCode: "" }, { lineNumber: "1", rateQualifier: "", amount: -2.5, specialChargeCode: "DSC" }],
			},
			{ lx: "2", descriptions: [], charges: [{ lineNumber: "2", rate: 5, rateQualifier: "FR", specialChargeCode: "" }] },
		]);
		assert.deepEqual(read.totals, { weight: 340, weightQualifier: "G", charge: 100.05, ladingQuantity: undefined, weightUnit: "" });
	});

	test("an amount written with a decimal point, and a missing invoice number or amount, are refused together", () => {
		assert.deepEqual(problems(() => read210(invoice(["B3", "", "", "SO-1", "PP", "", "20240307", "100.05", "", "", "", "EDIC"], ["LX", "1"], ["L1", "1", "", "", "12.50"]))), [
			"B302 invoice number is required",
			"B307 net amount due '100.05' is not an N2 amount (digits with two implied decimals, no point)",
			"L1 in LX 1: L104 '12.50' is not an N2 amount (digits with two implied decimals, no point)",
		]);
		assert.deepEqual(problems(() => read210(single("210", [["N9", "PO", "1"]]))), ["the 210 has no B3 header"]);
	});

	test("the corpus 210, wrapped at 80 columns mid-element, reads whole: header, three PO references, three lines, totals", { skip: NO_CORPUS }, () => {
		const read = read210(parseInterchange(readFileSync(`${CORPUS}210_staedi_wrapped-80-char-lines.edi`)).groups[0]!.transactions[0]!);
		assert.deepEqual([read.controlNumber, read.invoiceNumber, read.shipmentId, read.paymentMethod, read.billingDate, read.netAmountDue, read.deliveryDate, read.scac], ["1305", "699751522", "134982", "PP", "20180914", 124.17, "20180915", "DDDD"]);
		assert.deepEqual(read.references.map((r) => `${r.qualifier}=${r.value}`), ["PO=721295", "PO=721295", "PO=109483"]);
		assert.deepEqual(read.parties.map((p) => `${p.code} ${p.city}`), ["SH WILKESBORO", "CN DUDLEY", "BT FAIRFAX"]);
		assert.deepEqual(read.lines.map((l) => [l.lx, l.descriptions, l.charges.map((c) => `${c.specialChargeCode || "-"} ${c.amount}`)]), [
			["1", ["PLT  PL FILM/SHEET 15-30P FOOD GRADE  156830-3 CLA", "SS 775"], ["- 561.86"]],
			["2", ["XPO LOGISTICS DISCOUNT SAVES YOU"], ["DSC -449.49"]],
			["3", ["FSC FUEL SURCHARGE 10.50%"], ["FUE 11.8"]],
		]);
		assert.deepEqual(read.totals, { weight: 1340, weightQualifier: "G", charge: 124.17, ladingQuantity: 1, weightUnit: "L" });
	});
});
