import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isPayloadUnparseable } from "../../canonical/errors/index.ts";
import { ENVELOPE_PROBLEMS, checkEnvelope, parseInterchange, validateEnvelope, type InterchangeRegistry, type X12Interchange } from "../../services/mapper/formats/x12/index.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/", import.meta.url));
const SKIP = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}; these tests need the shared folder next to the repo`;
const corpus = (file: string): Buffer => readFileSync(CORPUS + file);
const ids = (interchange: X12Interchange): string[][] => interchange.groups.map((g) => g.transactions.map((t) => `${t.st[1]}/${t.st[2]}`));

/** What MANIFEST.md says each file holds, and what its envelope problems must be (none, or the named ones). */
const EXPECTED: Record<string, { transactions: string[][]; segment: string; bodySegments: number[]; problems?: string[] }> = {
	"204_edinet_mgctlyst.edi": { transactions: [["204/178780001"]], segment: "\n", bodySegments: [36], problems: [ENVELOPE_PROBLEMS.SE_COUNT_MISMATCH] },
	"210_staedi_wrapped-80-char-lines.edi": { transactions: [["210/1305"]], segment: "~", bodySegments: [29] },
	"214_staedi_ellipsis-segment-terminator.edi": { transactions: [["214/757760001"]], segment: "…", bodySegments: [18] },
	"856_edi-engine_crossdock.edi": { transactions: [["856/0001"]], segment: "\n", bodySegments: [55] },
	"856_x12-types_004060.edi": { transactions: [["856/0008"]], segment: "\n", bodySegments: [29] },
	"940_edi-engine_2_ok.edi": { transactions: [["940/20066"]], segment: "\n", bodySegments: [7] },
	"940_edi-engine_failed_SE01.edi": { transactions: [["940/20066"]], segment: "\n", bodySegments: [7], problems: [ENVELOPE_PROBLEMS.SE_COUNT_MISMATCH] },
	"940_edi-engine_multi-group_acktest.edi": { transactions: [["940/20066", "940/20067"], ["940/20068"]], segment: "\n", bodySegments: [7, 7, 7] },
	"940_edi-engine_ok.edi": { transactions: [["940/0001"]], segment: "\n", bodySegments: [27] },
	"990_edinet_mgctlyst.edi": { transactions: [["990/000000448"]], segment: "\n", bodySegments: [1] },
	"997_staedi_simple.edi": { transactions: [["997/0001"]], segment: "~", bodySegments: [6] },
};

describe("X12 conformance corpus", { skip: SKIP }, () => {
	test("every file in the corpus has an expectation here, so a new file cannot go unchecked", () => {
		assert.deepEqual(readdirSync(CORPUS).sort(), Object.keys(EXPECTED).sort());
	});

	for (const [file, expected] of Object.entries(EXPECTED)) {
		test(`${file} parses into the groups, transaction sets and segments it declares`, () => {
			const interchange = parseInterchange(corpus(file));
			assert.deepEqual(ids(interchange), expected.transactions);
			assert.equal(interchange.delimiters.segment, expected.segment);
			assert.deepEqual(interchange.groups.flatMap((g) => g.transactions.map((t) => t.segments.length)), expected.bodySegments);
			assert.deepEqual(checkEnvelope(interchange).map((p) => p.code), expected.problems ?? []);
		});
	}

	test("the negative 940 is caught by its SE01: 12 declared, 9 present, with every control number named", () => {
		const [problem] = checkEnvelope(parseInterchange(corpus("940_edi-engine_failed_SE01.edi")));
		assert.deepEqual(problem, {
			code: ENVELOPE_PROBLEMS.SE_COUNT_MISMATCH,
			message: "SE01 says 12 segments but transaction 940 20066 has 9 (ST to SE inclusive)",
			level: "transaction",
			controlNumbers: { interchange: "000009221", group: "9221", transaction: "20066" },
		});
	});

	test("the 204 sample is itself miscounted: SE01 says 41 but ST..SE holds 38 segments", () => {
		const problems = checkEnvelope(parseInterchange(corpus("204_edinet_mgctlyst.edi")));
		assert.match(problems[0]?.message ?? "", /SE01 says 41 segments but transaction 204 178780001 has 38/);
	});

	test("the multi-group interchange keeps each group's own control numbers and trailers", () => {
		const interchange = parseInterchange(corpus("940_edi-engine_multi-group_acktest.edi"));
		assert.deepEqual(interchange.groups.map((g) => [g.gs[6], g.ge[1], g.ge[2]]), [["9221", "2", "9221"], ["9222", "1", "9222"]]);
		assert.deepEqual(interchange.iea, ["IEA", "2", "000009221"]);
		assert.deepEqual(interchange.groups[0]?.transactions[1]?.segments[5], ["N9", "", "3"]);
	});

	test("the 214 with '…' terminators reads element values without a trace of the three-byte terminator", () => {
		const interchange = parseInterchange(corpus("214_staedi_ellipsis-segment-terminator.edi"));
		assert.deepEqual(interchange.delimiters, { element: "*", segment: "…", subElement: ">" });
		assert.deepEqual(interchange.groups[0]?.transactions[0]?.segments[0], ["B10", "0542550913", "7727019", "XXXX"]);
		assert.deepEqual(interchange.iea, ["IEA", "1", "000075776"]);
	});

	test("the 80-column wrapped 210 is rejoined mid-ISA, mid-segment and mid-element", () => {
		const interchange = parseInterchange(corpus("210_staedi_wrapped-80-char-lines.edi"));
		assert.equal(interchange.isa[10], "0224", "ISA10 was wrapped after '022'");
		assert.equal(interchange.isa[16], ">");
		const body = interchange.groups[0]?.transactions[0]?.segments ?? [];
		assert.deepEqual(body.find((s) => s[0] === "N4"), ["N4", "WILKESBORO", "NC", "286977576", "US"], "the N4 id and the zip were both split by a wrap");
		assert.deepEqual(body.filter((s) => s[0] === "N9").map((s) => s[2]), ["721295", "721295", "109483"]);
		assert.ok(body.some((s) => s[0] === "L5" && s[2] === "FSC FUEL SURCHARGE 10.50%"), "a space that opens a wrapped line is data and stays");
		assert.deepEqual(body.at(-1), ["L3", "1340", "G", "", "", "12417", "", "", "", "", "", "1", "L"]);
	});

	test("the 005010 997 declares a repetition separator in ISA11; 004010 files do not", () => {
		assert.equal(parseInterchange(corpus("997_staedi_simple.edi")).delimiters.repetition, "^");
		assert.equal(parseInterchange(corpus("940_edi-engine_ok.edi")).delimiters.repetition, undefined);
	});
});

const ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240105*1200*U*00401*000000042*0*P*>";
const BODY = ["GS*OW*SENDER*RECEIVER*20240105*1200*42*X*004010", "ST*940*0001", "W05*N*SO-1", "LX*1", "W01*2*EA**VN*SKU-1", "SE*5*0001", "GE*1*42", "IEA*1*000000042"];
const wellFormed = (interchange: X12Interchange): void => {
	assert.deepEqual(ids(interchange), [["940/0001"]]);
	assert.deepEqual(interchange.groups[0]?.transactions[0]?.segments, [["W05", "N", "SO-1"], ["LX", "1"], ["W01", "2", "EA", "", "VN", "SKU-1"]]);
	assert.deepEqual(checkEnvelope(interchange), []);
};
const refusal = (input: string): string => {
	try { parseInterchange(input); } catch (e: unknown) { assert.ok(isPayloadUnparseable(e)); return e.message; }
	return assert.fail("expected a PayloadUnparseableError");
};

describe("X12 tokenizer tolerance", () => {
	test("a UTF-8 byte-order mark, CRLF line ends and indentation are layout, not data", () => {
		wellFormed(parseInterchange(Buffer.from(`\uFEFF  ${ISA}~\r\n${BODY.map((s) => `    ${s}~`).join("\r\n")}\r\n`, "utf8")));
	});

	test("segments with nothing between them, LF between them, or newline as the terminator read the same", () => {
		wellFormed(parseInterchange(`${ISA}~${BODY.join("~")}~`));
		wellFormed(parseInterchange(`${ISA}~\n${BODY.join("~\n")}~\n`));
		const newlineTerminated = parseInterchange(`${ISA}\n${BODY.join("\n")}`);
		assert.equal(newlineTerminated.delimiters.segment, "\n");
		wellFormed(newlineTerminated);
		assert.equal(parseInterchange(`${ISA}\r\n${BODY.join("\r\n")}\r\n`).delimiters.segment, "\r\n");
	});

	test("a wrap that falls right after ISA16 is not mistaken for a newline terminator", () => {
		const interchange = parseInterchange(`${ISA}\n~${BODY.join("~")}~`);
		assert.equal(interchange.delimiters.segment, "~");
		wellFormed(interchange);
	});

	test("a multi-byte terminator arriving as bytes is one delimiter, whatever follows it", () => {
		wellFormed(parseInterchange(Buffer.from(`${ISA}…\n${BODY.join("…\n")}…`, "utf8")));
	});

	test("wrapped lines in a newline-terminated file are refused: the wrap cannot be told from a segment end", () => {
		const wrapped = `${ISA}\n${BODY.join("\n")}`.replace("W05*N*SO-1", "W05*N*S\nO-1");
		assert.match(refusal(wrapped), /segment 5 starts with "O-1", not a segment id; the newline is the segment terminator here/);
	});

	test("bytes that are not an interchange, or one cut short, are refused as unparseable with the reason", () => {
		assert.match(refusal("UNB+UNOC:3+SENDER+RECEIVER'"), /does not start with an ISA segment/);
		assert.match(refusal(""), /empty/);
		assert.match(refusal(ISA.slice(0, 60)), /ISA segment is truncated/);
		assert.match(refusal(`${ISA}~${BODY.slice(0, 5).join("~")}~`), /transaction 0001 has no SE trailer/);
		assert.match(refusal(`${ISA}~${BODY.slice(0, 7).join("~")}~`), /interchange has no IEA trailer/);
		assert.match(refusal(`${ISA}~ST*940*0001~SE*2*0001~IEA*0*000000042~`), /segment 2 \(ST\): expected GS or IEA/);
		assert.match(refusal(`${ISA}~${BODY.join("~")}~${ISA}~`), /content after IEA/);
	});
});

describe("X12 envelope checks", () => {
	const doctor = (replace: Record<string, string>): X12Interchange =>
		parseInterchange(`${ISA}~${BODY.map((s) => replace[s] ?? s).join("~")}~`);

	test("every header and trailer disagreement is reported at its level with its control numbers", () => {
		const problems = checkEnvelope(doctor({ "SE*5*0001": "SE*5*0002", "GE*1*42": "GE*2*43", "IEA*1*000000042": "IEA*3*000000041" }));
		assert.deepEqual(problems.map((p) => [p.code, p.level, p.controlNumbers]), [
			[ENVELOPE_PROBLEMS.IEA_CONTROL_MISMATCH, "interchange", { interchange: "000000042" }],
			[ENVELOPE_PROBLEMS.IEA_COUNT_MISMATCH, "interchange", { interchange: "000000042" }],
			[ENVELOPE_PROBLEMS.GE_CONTROL_MISMATCH, "group", { interchange: "000000042", group: "42" }],
			[ENVELOPE_PROBLEMS.GE_COUNT_MISMATCH, "group", { interchange: "000000042", group: "42" }],
			[ENVELOPE_PROBLEMS.SE_CONTROL_MISMATCH, "transaction", { interchange: "000000042", group: "42", transaction: "0001" }],
		]);
	});

	test("leading zeros are padding: GE02 000042 closes GS06 42", () => {
		assert.deepEqual(checkEnvelope(doctor({ "GE*1*42": "GE*1*000042" })), []);
	});

	test("a replayed interchange control number from the same sender is a duplicate; the registry is asked once per interchange", async () => {
		const calls: Array<[string, string]> = [];
		const accepted = new Set<string>();
		const registry: InterchangeRegistry = {
			async seen(sender, controlNumber) {
				calls.push([sender, controlNumber]);
				const key = `${sender}|${controlNumber}`;
				const before = accepted.has(key);
				accepted.add(key);
				return before;
			},
		};
		const interchange = parseInterchange(`${ISA}~${BODY.join("~")}~`);
		assert.deepEqual(await validateEnvelope(interchange, registry), []);
		const replay = await validateEnvelope(interchange, registry);
		assert.deepEqual(replay.map((p) => [p.code, p.level, p.message]), [[ENVELOPE_PROBLEMS.DUPLICATE_INTERCHANGE, "interchange", "sender 'SENDER' already sent interchange 000000042"]]);
		assert.deepEqual(calls, [["SENDER", "000000042"], ["SENDER", "000000042"]]);
	});
});
