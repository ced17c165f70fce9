import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMappingFailed } from "../../canonical/errors/index.ts";
import {
	CONTENT_INVALID, checkEnvelope, contentProblems, functionalAck, parseInterchange, read940, readFunctionalAck, writeInterchange, type Segment, type X12Problem,
} from "../../services/mapper/formats/x12/index.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/", import.meta.url));
const SKIP = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}; these tests need the shared folder next to the repo`;
const corpus = (file: string): Buffer => readFileSync(CORPUS + file);
const NOW = new Date("2024-03-05T14:07:00Z");
const US = { senderId: "WAYBILL", receiverId: "VENDOR", now: NOW };

const ORDER_940: Segment[] = [
	["W05", "N", "SO-1001", "PO-77"],
	["N1", "ST", "Corner Shop", "92", "0042"],
	["N4", "Leeds", "", "LS1 4AP", "GB"],
	["W66", "PP", "M", "", "", "UPS GROUND"],
	["LX", "1"],
	["W01", "12", "EA", "", "VN", "SKU-1"],
	["G69", "Blueberry strudel 11.5 oz"],
];
const TENDER_204: Segment[] = [["B2", "", "SCAC", "", "LOAD-9"], ["B2A", "00", "LT"], ["S5", "1", "CL"], ["S5", "2", "CU"], ["L3", "5472", "G"]];

describe("X12 writer", () => {
	const written = writeInterchange({ ...US, controlNumber: 1207, functionalId: "OW", version: "004010", transactions: [{ code: "940", segments: ORDER_940 }, { code: "940", segments: ORDER_940.slice(0, 1).concat(ORDER_940.slice(4)) }] });

	test("writes a fixed-width ISA, padded ids, and trailers whose counts and control numbers match", () => {
		assert.equal(written.slice(0, 106), "ISA*00*          *00*          *ZZ*WAYBILL        *ZZ*VENDOR         *240305*1407*U*00401*000001207*0*P*>~");
		assert.ok(written.includes("GS*OW*WAYBILL*VENDOR*20240305*1407*1207*X*004010~ST*940*0001~"));
		assert.ok(written.includes("W66*PP*M***UPS GROUND~"), "inner empty elements are kept, trailing ones dropped");
		assert.ok(written.endsWith("G69*Blueberry strudel 11.5 oz~SE*9*0001~ST*940*0002~W05*N*SO-1001*PO-77~LX*1~W01*12*EA**VN*SKU-1~G69*Blueberry strudel 11.5 oz~SE*6*0002~GE*2*1207~IEA*1*000001207~"));
	});

	test("what it writes parses back to the same segments, with a clean envelope", () => {
		const back = parseInterchange(written);
		assert.deepEqual(back.groups[0]?.transactions.map((t) => t.segments), [ORDER_940, ORDER_940.slice(0, 1).concat(ORDER_940.slice(4))]);
		assert.deepEqual(checkEnvelope(back), []);
		assert.equal(read940(back.groups[0]!.transactions[0]!).lines[0]?.orderedQty, 12);
	});

	test("a 204 with other delimiters and a 005010 version round-trips, with the repetition separator in ISA11", () => {
		const text = writeInterchange({ ...US, controlNumber: 9, functionalId: "SM", version: "005010", delimiters: { element: "|", segment: "\n", subElement: ":", repetition: "^" }, transactions: [{ code: "204", segments: TENDER_204 }] });
		const back = parseInterchange(text);
		assert.deepEqual(back.delimiters, { element: "|", segment: "\n", subElement: ":", repetition: "^" });
		assert.deepEqual(back.isa.slice(11, 14), ["^", "00501", "000000009"]);
		assert.deepEqual(back.groups[0]?.transactions[0]?.segments, TENDER_204);
		assert.deepEqual(checkEnvelope(back), []);
	});

	test("refuses values that would corrupt the interchange instead of writing them", () => {
		const attempt = (spec: Partial<Parameters<typeof writeInterchange>[0]>): string => {
			try { writeInterchange({ ...US, controlNumber: 1, functionalId: "OW", version: "004010", transactions: [{ code: "940", segments: ORDER_940 }], ...spec }); }
			catch (e: unknown) { assert.ok(isMappingFailed(e)); return e.message; }
			return assert.fail("expected a MappingFailedError");
		};
		assert.match(attempt({ transactions: [{ code: "940", segments: [["N9", "PO", "A*B"]] }] }), /N902 "A\*B" contains the delimiter "\*"/);
		assert.match(attempt({ transactions: [{ code: "940", segments: [["NTE", "", "two\nlines"]] }] }), /contains the delimiter "\\n"/);
		assert.match(attempt({ controlNumber: 1_000_000_000 }), /outside 1\.\.999999999/);
		assert.match(attempt({ senderId: "A-SENDER-ID-LONGER-THAN-15" }), /1 to 15 characters/);
		assert.match(attempt({ delimiters: { element: "~" } }), /delimiters must be distinct/);
		assert.match(attempt({ version: "4010" }), /not a GS08 version/);
	});
});

describe("997 functional acknowledgements", { skip: SKIP }, () => {
	const verdicts = (ack: string) => readFunctionalAck(parseInterchange(ack)).map((g) => ({
		group: g.controlNumber, status: g.status, counts: [g.included, g.received, g.acceptedCount], codes: g.errorCodes,
		transactions: g.transactions.map((t) => `${t.controlNumber}:${t.status}${t.errorCodes.length ? `(${t.errorCodes.join(",")})` : ""}`),
	}));

	test("the corpus 997 reads as a rejection: AK5 R with code 5, AK9 R, and the AK3/AK4 element error", () => {
		const [group, ...rest] = readFunctionalAck(parseInterchange(corpus("997_staedi_simple.edi")));
		assert.equal(rest.length, 0);
		assert.deepEqual({ ...group, transactions: undefined }, { functionalId: "HC", controlNumber: "000001", status: "R", verdict: "rejected", included: 1, received: 1, acceptedCount: 0, errorCodes: [], transactions: undefined });
		assert.deepEqual(group?.transactions, [{
			code: "837", controlNumber: "0021", status: "R", accepted: false, errorCodes: ["5"],
			segmentErrors: [{ segmentId: "NM1", position: 8, loopId: "", code: "8", elements: [{ position: "8", reference: "66", code: "7", badValue: "MI" }] }],
		}]);
	});

	test("the acktest interchange with a clean envelope gets one AK1 per group and every transaction accepted", () => {
		const interchange = parseInterchange(corpus("940_edi-engine_multi-group_acktest.edi"));
		const ack = functionalAck(interchange, checkEnvelope(interchange), { ...US, controlNumber: 31 });
		// The empty N901 in 20067 is content, which the envelope check does not judge: see the next test.
		assert.deepEqual(verdicts(ack), [
			{ group: "9221", status: "A", counts: [2, 2, 2], codes: [], transactions: ["20066:A", "20067:A"] },
			{ group: "9222", status: "A", counts: [1, 1, 1], codes: [], transactions: ["20068:A"] },
		]);
		const back = parseInterchange(ack);
		assert.deepEqual(checkEnvelope(back), []);
		assert.deepEqual(back.groups.map((g) => [g.gs[1], g.gs[6], g.gs[8]]), [["FA", "31", "004010"]]);
		assert.deepEqual(back.groups[0]?.transactions[0]?.segments, [["AK1", "OW", "9221"], ["AK2", "940", "20066"], ["AK5", "A"], ["AK2", "940", "20067"], ["AK5", "A"], ["AK9", "A", "2", "2", "2"]]);
	});

	test("once read940 refuses the empty N901, the 997 rejects 20067 alone and partially accepts its group", () => {
		const interchange = parseInterchange(corpus("940_edi-engine_multi-group_acktest.edi"));
		const problems: X12Problem[] = checkEnvelope(interchange);
		for (const group of interchange.groups) for (const tx of group.transactions) {
			try { read940(tx); } catch (e: unknown) { problems.push(...contentProblems(e, interchange, group, tx)); }
		}
		assert.deepEqual(problems, [{ code: CONTENT_INVALID, message: "N9 in LX 1: N901 reference qualifier is required", level: "transaction", controlNumbers: { interchange: "000009221", group: "9221", transaction: "20067" } }]);
		assert.deepEqual(verdicts(functionalAck(interchange, problems, { ...US, controlNumber: 32 })), [
			{ group: "9221", status: "P", counts: [2, 2, 1], codes: [], transactions: ["20066:A", "20067:R(5)"] },
			{ group: "9222", status: "A", counts: [1, 1, 1], codes: [], transactions: ["20068:A"] },
		]);
	});

	test("the negative 940 is rejected with AK5 code 4 (segment count) and its group with AK9 R", () => {
		const interchange = parseInterchange(corpus("940_edi-engine_failed_SE01.edi"));
		assert.deepEqual(verdicts(functionalAck(interchange, checkEnvelope(interchange), { ...US, controlNumber: 33 })), [
			{ group: "9221", status: "R", counts: [1, 1, 0], codes: [], transactions: ["20066:R(4)"] },
		]);
	});

	test("group trailer problems reject the group with AK9 codes 4 and 5 even when its transactions pass", () => {
		const text = corpus("940_edi-engine_2_ok.edi").toString("utf8").replace("GE*1*9221", "GE*3*9229");
		const interchange = parseInterchange(text);
		assert.deepEqual(verdicts(functionalAck(interchange, checkEnvelope(interchange), { ...US, controlNumber: 34 })), [
			{ group: "9221", status: "R", counts: [3, 1, 1], codes: ["4", "5"], transactions: ["20066:A"] },
		]);
	});

	test("a 005010 group is acknowledged with its version in AK103", () => {
		const text = writeInterchange({ ...US, controlNumber: 5, functionalId: "SH", version: "005010", transactions: [{ code: "856", segments: [["BSN", "00", "X", "20240305", "1407"]] }] });
		const ack = parseInterchange(functionalAck(parseInterchange(text), [], { ...US, controlNumber: 35 }));
		assert.deepEqual(ack.groups[0]?.gs[8], "005010");
		assert.deepEqual(ack.groups[0]?.transactions[0]?.segments[0], ["AK1", "SH", "5", "005010"]);
	});
});
