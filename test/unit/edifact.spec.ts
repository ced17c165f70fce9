import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ERROR_TYPES, isMappingFailed, isPayloadUnparseable } from "../../canonical/errors/index.ts";
import { EDIFACT_PROBLEMS, edifactTime, parseEdifact, readDtm } from "../../services/mapper/formats/edifact/index.ts";
import { edifactDocuments } from "../../services/mapper/edifact-documents.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/edifact/", import.meta.url));
const corpusMissing = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}`;
const corpus = (name: string) => readFileSync(`${CORPUS}${name}`, "utf8");

function unparseable(text: string, mentions: RegExp): void {
	assert.throws(() => parseEdifact(text), (e: unknown) => {
		assert.ok(isPayloadUnparseable(e), `expected PAYLOAD_UNPARSEABLE, got ${String(e)}`);
		assert.match((e as Error).message, mentions);
		return true;
	});
}

describe("the EDIFACT tokenizer", () => {
	test("reads a bare UNH...UNT message with default separators and no envelope", () => {
		const parsed = parseEdifact("UNH+7+IFTSTA:D:01B:UN:EAN004'BGM+44+R1+9'UNT+3+7'");
		assert.equal(parsed.una, undefined);
		assert.equal(parsed.unb, undefined);
		assert.deepEqual(parsed.delimiters, { component: ":", element: "+", decimal: ".", release: "?", repetition: " ", segment: "'" });
		assert.equal(parsed.messages.length, 1);
		const [m] = parsed.messages;
		assert.deepEqual([m!.reference, m!.type, m!.version, m!.association], ["7", "IFTSTA", "D.01B", "EAN004"]);
		assert.deepEqual(m!.segments, [{ tag: "BGM", elements: [["44"], ["R1"], ["9"]] }]);
		assert.deepEqual(m!.unt, { tag: "UNT", elements: [["3"], ["7"]] });
		assert.deepEqual(parsed.problems, []);
	});

	test("keeps released separators as data and drops the release character", () => {
		const parsed = parseEdifact("UNH+1+DESADV:D:96A:UN'FTX+AAA+++Price ?+ tax?: 20?? off, O?'Brien?'s'UNT+3+1'");
		assert.deepEqual(parsed.messages[0]!.segments[0]!.elements, [["AAA"], [""], [""], ["Price + tax: 20? off, O'Brien's"]]);
	});

	test("honours a UNA with non-default separators, release and terminator", () => {
		const text = "UNA^|,! ~\r\nUNB|UNOC^3|SENDER|RECEIVER|240315^0930|REF1~\r\nUNH|1|DESADV^D^96A^UN^EAN005~\r\nQTY|12^4,5~\r\nFTX|AAA|||a!|b!^c!~d!!e~\r\nUNT|4|1~\r\nUNZ|1|REF1~\r\n";
		const parsed = parseEdifact(text);
		assert.deepEqual(parsed.una, { component: "^", element: "|", decimal: ",", release: "!", repetition: " ", segment: "~" });
		assert.deepEqual(parsed.unb?.[4], ["REF1"]);
		const [qty, ftx] = parsed.messages[0]!.segments;
		assert.deepEqual(qty, { tag: "QTY", elements: [["12", "4,5"]] });
		assert.deepEqual(ftx!.elements[3], ["a|b^c~d!e"]);
		assert.deepEqual(parsed.problems, []);
	});

	test("treats a space in the UNA release position as no release character", () => {
		const parsed = parseEdifact("UNA:+.  'UNH+1+IFTSTA:D:01B:UN'FTX+AAA+++50? off'UNT+3+1'");
		assert.equal(parsed.delimiters.release, "");
		assert.deepEqual(parsed.messages[0]!.segments[0]!.elements[3], ["50? off"]);
	});

	test("ignores CR/LF between segments and a byte-order mark, but keeps them inside data", () => {
		const parsed = parseEdifact("\uFEFFUNH+1+IFTSTA:D:01B:UN'\r\n\r\nFTX+AAA+++two\nlines'\nUNT+3+1'\r\n");
		assert.deepEqual(parsed.messages[0]!.segments[0]!.elements[3], ["two\nlines"]);
		assert.deepEqual(parsed.problems, []);
	});

	test("lists a UNT segment count and reference that disagree with the message", () => {
		const { problems } = parseEdifact("UNH+1+IFTSTA:D:01B:UN'BGM+44+R1+9'UNT+5+2'");
		assert.deepEqual(problems.map((p) => [p.code, p.declared, p.actual]), [
			[EDIFACT_PROBLEMS.SEGMENT_COUNT_MISMATCH, "5", "3"],
			[EDIFACT_PROBLEMS.MESSAGE_REFERENCE_MISMATCH, "2", "1"],
		]);
	});

	test("lists a UNZ whose control reference or message count disagrees with UNB", () => {
		const { problems } = parseEdifact("UNB+UNOA:1+S+R+240101:1200+42'UNH+1+X:D:96A:UN'UNT+2+1'UNH+2+X:D:96A:UN'UNT+2+2'UNZ+1+43'");
		assert.deepEqual(problems.map((p) => [p.code, p.declared, p.actual]), [
			[EDIFACT_PROBLEMS.INTERCHANGE_COUNT_MISMATCH, "1", "2"],
			[EDIFACT_PROBLEMS.INTERCHANGE_REFERENCE_MISMATCH, "43", "42"],
		]);
	});

	test("counts functional groups in UNZ and checks each UNE", () => {
		const { problems, groups } = parseEdifact("UNB+UNOA:1+S+R+240101:1200+42'UNG+DESADV+S+R+240101:1200+G1+UN+D:96A'UNH+1+DESADV:D:96A:UN'UNT+2+1'UNE+2+G1'UNZ+1+42'");
		assert.equal(groups.length, 1);
		assert.deepEqual(problems.map((p) => [p.code, p.reference]), [[EDIFACT_PROBLEMS.GROUP_COUNT_MISMATCH, "G1"]]);
	});

	test("lists a missing UNT, a missing UNZ and a document that stops inside a segment", () => {
		const { problems, messages } = parseEdifact("UNB+UNOA:1+S+R+240101:1200+42'UNH+1+X:D:96A:UN'BGM+1'UNH+2+X:D:96A:UN'UNT+2+2'BGM+cut");
		assert.equal(messages.length, 2);
		assert.deepEqual(problems.map((p) => p.code), [EDIFACT_PROBLEMS.UNT_MISSING, EDIFACT_PROBLEMS.UNZ_MISSING, EDIFACT_PROBLEMS.UNTERMINATED_SEGMENT]);
	});

	test("the mapper refuses a document with envelope problems whole, naming them and their trailer", () => {
		assert.throws(() => edifactDocuments("UNH+1+IFTSTA:D:01B:UN'UNT+9+1'"), (e: unknown) => isMappingFailed(e) && /UNT declares 9 segments but 2 are present \(segment UNT\)/.test((e as Error).message));
	});

	test("refuses input that is not EDIFACT at all with PayloadUnparseableError", () => {
		unparseable("", /empty/);
		unparseable("  \r\n ", /empty/);
		unparseable('{"orderId":"SO-1"}', /no segment ends with the terminator/);
		unparseable('{"note":"it\'s"}', /no segment tag at offset 0/);
		unparseable("hello world, this is not a despatch advice", /no segment ends/);
		unparseable("ISA*00*          *00*          *ZZ*SENDER~GS*SH~", /no segment ends/);
		unparseable("UNB+UNOA:1+S+R+240101:1200+42'UNZ+0+42'", /no UNH message/);
		unparseable("BGM+351+X+9'UNH+1+DESADV:D:96A:UN'UNT+2+1'", /BGM .* outside a UNH...UNT message/);
		unparseable("UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+1'UNH+2+X:D:96A:UN'", /follows UNZ/);
		unparseable("UNA:+", /shorter than 9/);
		unparseable("UNA::.? 'UNH+1+X'", /colliding separators/);
		unparseable("UNH+1+X:D:96A:UN'FTX+AAA+++end?", /escapes nothing/);
	});

	test("the unparseable error carries its machine-readable type and is not retryable", () => {
		try {
			parseEdifact("not edifact");
			assert.fail("expected a throw");
		} catch (e: unknown) {
			const err = e as { type: string; code: number; retryable: boolean; data: { format: string } };
			assert.deepEqual([err.type, err.code, err.retryable, err.data.format], [ERROR_TYPES.PAYLOAD_UNPARSEABLE, 400, false, "EDIFACT"]);
		}
	});
});

describe("EDIFACT date/time formats", () => {
	test("read DTM values as ISO-8601 local time, and format 205, which states its offset, as an instant", () => {
		assert.deepEqual(edifactTime("20020204", "102"), { localTime: "2002-02-04T00:00:00" });
		assert.deepEqual(edifactTime("200202011450", "203"), { localTime: "2002-02-01T14:50:00" });
		assert.deepEqual(edifactTime("20240315081530", "204"), { localTime: "2024-03-15T08:15:30" });
		assert.deepEqual(edifactTime("202403150815+0530", "205"), { localTime: "2024-03-15T08:15:00", at: "2024-03-15T08:15:00+05:30" });
		assert.deepEqual(edifactTime("180525", "101"), { localTime: "2018-05-25T00:00:00" });
		assert.deepEqual(edifactTime("7001011200", "201"), { localTime: "1970-01-01T12:00:00" });
	});

	test("read nothing from impossible dates and formats this reader does not know", () => {
		for (const [value, format] of [["20020230", "102"], ["200202012460", "203"], ["2002020", "102"], ["20020101-20020131", "718"]] as const) {
			assert.equal(edifactTime(value, format), undefined, `${value} (${format})`);
		}
	});

	test("a DTM is read with its reading beside the value as sent, a format implied by the value's length included", () => {
		assert.deepEqual(readDtm({ tag: "DTM", elements: [["334", "200202011450"]] }), { qualifier: "334", value: "200202011450", format: "203", localTime: "2002-02-01T14:50:00" });
		assert.deepEqual(readDtm({ tag: "DTM", elements: [["17", "20020230", "102"]] }), { qualifier: "17", value: "20020230", format: "102" });
	});
});

describe("the EDIFACT tokenizer on the conformance corpus", { skip: corpusMissing }, () => {
	test("reads the GS1 IFTSTA sample: one unenveloped D.01B EAN004 message whose UNT count holds", () => {
		const parsed = parseEdifact(corpus("IFTSTA_D01B_EAN004_iftstaparser-gs1-sample.txt"));
		assert.equal(parsed.unb, undefined);
		assert.equal(parsed.unz, undefined);
		const [m] = parsed.messages;
		assert.deepEqual([m!.reference, m!.type, m!.version, m!.association], ["ME000021", "IFTSTA", "D.01B", "EAN004"]);
		assert.equal(m!.segments.length, 32, "34 segments declared by UNT+34, UNH and UNT included");
		assert.deepEqual(m!.segments.slice(0, 2), [
			{ tag: "BGM", elements: [["44"], ["95-455"], ["9"]] },
			{ tag: "DTM", elements: [["137", "20020204", "102"]] },
		]);
		assert.deepEqual(parsed.problems, []);
	});

	test("reads every segment of the truncated IFCSUM sample and reports its UNT count, never accepting it", () => {
		const parsed = parseEdifact(corpus("IFCSUM_D01B_EAN003_edinet.edi"));
		assert.deepEqual(parsed.unb?.[4], ["2216"]);
		assert.deepEqual(parsed.unz, [["1"], ["2216"]]);
		const [m] = parsed.messages;
		assert.deepEqual([m!.type, m!.version, m!.association], ["IFCSUM", "D.01B", "EAN003"]);
		assert.equal(m!.segments.length, 25);
		assert.deepEqual(m!.segments.filter((s) => s.tag === "GID").map((s) => s.elements[1]), [["", "350114081527920321", "1", "9"], ["", "350114081527920321", "1", "9"]]);
		assert.deepEqual(m!.segments.find((s) => s.tag === "CNT" && s.elements[0]![0] === "7")?.elements, [["7", "25.784", "KG"]]);
		assert.deepEqual(parsed.problems, [{
			code: EDIFACT_PROBLEMS.SEGMENT_COUNT_MISMATCH,
			level: "message",
			reference: "1",
			declared: "787",
			actual: "27",
			message: "message 1 (IFCSUM): UNT declares 787 segments but 27 are present",
		}]);
		assert.throws(() => edifactDocuments(corpus("IFCSUM_D01B_EAN003_edinet.edi")), (e: unknown) => isMappingFailed(e) && /787 segments .* \(segment UNT\)/.test((e as Error).message));
	});
});
