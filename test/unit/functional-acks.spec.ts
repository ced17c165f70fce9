import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeInterchange, type Segment } from "../../services/mapper/formats/x12/index.ts";
import { acknowledgementOf, isAcknowledgement, partnerVerdicts } from "../../services/mapper/functional-acks.ts";
import { readInterchange } from "../../services/mapper/x12-documents.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/997_staedi_simple.edi", import.meta.url));
const NOW = new Date("2026-03-05T14:07:00Z");

const advice = (order: string, shipped: string): Segment[] => [
	["W06", "N", order, "20260305", "SHP-1"],
	["N1", "ST", "Corner Shop"],
	["W27", "M", "WBLM", "WAYBILL-LASTMILE"],
	["LX", "1"],
	["W12", "CC", "2", shipped, "", "EA", "", "VN", "SKU-1"],
	["W03", shipped, "1", "LB"],
];

describe("the 997 Waybill owes for a received interchange", () => {
	test("accepts every set of a clean interchange, addressed back to the sender, with one AK1 per group", () => {
		const body = writeInterchange({ senderId: "EDI3PL", receiverId: "WAYBILL", controlNumber: 77, functionalId: "SW", version: "004010", transactions: [{ code: "945", segments: advice("SO-1", "2") }], now: NOW });
		const ack = acknowledgementOf(readInterchange(body), "edi-3pl", "WAYBILL", NOW);
		assert.equal(ack.interchangeControl, "000000077");
		assert.deepEqual(ack.groups, [{ functionalId: "SW", groupControl: "77", status: "A" }]);
		assert.match(ack.document, /^ISA\*00\*          \*00\*          \*ZZ\*WAYBILL        \*ZZ\*EDI3PL         \*/);
		assert.match(ack.document, /GS\*FA\*WAYBILL\*EDI3PL\*.*ST\*997\*0001~AK1\*SW\*77~AK2\*945\*0001~AK5\*A~AK9\*A\*1\*1\*1~SE\*6\*0001~/);
	});

	test("rejects the one set a reader refuses and accepts the other: AK9 P, and only the good set is mapped", () => {
		const body = writeInterchange({ senderId: "EDI3PL", receiverId: "WAYBILL", controlNumber: 78, functionalId: "SW", version: "004010", transactions: [{ code: "945", segments: advice("SO-2", "2") }, { code: "945", segments: advice("SO-2", "1").filter((s) => s[0] !== "W06") }], now: NOW });
		const read = readInterchange(body);
		assert.deepEqual(read.documents.map((d) => d.controlNumber), ["0001"]);
		assert.deepEqual(read.refused.map((r) => r.controlNumber), ["0002"]);
		const ack = acknowledgementOf(read, "edi-3pl", "WAYBILL", NOW);
		assert.deepEqual(ack.groups, [{ functionalId: "SW", groupControl: "78", status: "P" }]);
		assert.match(ack.document, /AK2\*945\*0001~AK5\*A~AK2\*945\*0002~AK5\*R\*5~AK9\*P\*2\*2\*1~/);
	});

	test("the same interchange always gets the same 997 control number: a redelivery is one 997", () => {
		const body = writeInterchange({ senderId: "EDI3PL", receiverId: "WAYBILL", controlNumber: 79, functionalId: "SW", version: "004010", transactions: [{ code: "945", segments: advice("SO-3", "2") }], now: NOW });
		assert.equal(acknowledgementOf(readInterchange(body), "edi-3pl", "WAYBILL", NOW).document, acknowledgementOf(readInterchange(body), "edi-3pl", "WAYBILL", NOW).document);
		assert.notEqual(acknowledgementOf(readInterchange(body), "edi-3pl", "WAYBILL", NOW).document, acknowledgementOf(readInterchange(body), "other-3pl", "WAYBILL", NOW).document);
	});
});

describe("a partner's 997 as verdicts on what Waybill sent", () => {
	test("reads the corpus 997: group 1 of HC rejected, with the AK3/AK4 element error in words", { skip: existsSync(CORPUS) ? false : "no corpus" }, () => {
		const read = readInterchange(readFileSync(CORPUS, "utf8"));
		assert.equal(isAcknowledgement(read), true);
		const [verdict] = partnerVerdicts(read);
		assert.equal(verdict!.functionalId, "HC");
		assert.equal(verdict!.accepted, false);
		assert.equal(verdict!.status, "R");
		assert.equal(verdict!.sets[0]!.accepted, false);
		assert.ok(verdict!.sets[0]!.problems!.some((p) => /^segment [A-Z0-9]+ .*element/.test(p)), verdict!.sets[0]!.problems!.join(" | "));
	});

	test("an interchange of documents is not an acknowledgement", () => {
		const body = writeInterchange({ senderId: "EDI3PL", receiverId: "WAYBILL", controlNumber: 80, functionalId: "SW", version: "004010", transactions: [{ code: "945", segments: advice("SO-4", "2") }], now: NOW });
		assert.equal(isAcknowledgement(readInterchange(body)), false);
	});
});
