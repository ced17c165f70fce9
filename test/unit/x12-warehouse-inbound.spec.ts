import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isSchemaInvalid } from "../../canonical/errors/index.ts";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { parseInterchange, read944, read947, writeInterchange, type Segment, type X12Transaction } from "../../services/mapper/formats/x12/index.ts";
import { convertDocument } from "../../bin/cli/convert-document.ts";
import type { CanonicalLine } from "../../bin/cli/document-problem.ts";

const profiles = loadProfiles(fileURLToPath(new URL("../../mappings", import.meta.url)));
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/x12/${name}`, import.meta.url)), "utf8");
const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/", import.meta.url));
const NO_CORPUS = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}`;
const RECEIVED_AT = "2026-03-14T09:00:00Z";

/** Through the CLI's path: profile chosen by the sets, every fact checked against its catalogue schema. */
async function facts(text: string): Promise<CanonicalLine[]> {
	const conversion = await convertDocument(text, { profiles, receivedAt: RECEIVED_AT });
	assert.ok(conversion.accepted, conversion.accepted ? "" : conversion.problem.detail);
	assert.equal(conversion.profile, "wms/x12-3pl");
	return conversion.facts;
}

async function refusal(text: string): Promise<string> {
	const conversion = await convertDocument(text, { profiles, receivedAt: RECEIVED_AT });
	assert.equal(conversion.accepted, false);
	return conversion.accepted ? "" : conversion.problem.detail;
}

const single = (code: string, segments: Segment[]): X12Transaction =>
	parseInterchange(writeInterchange({ senderId: "EDI3PL", receiverId: "WAYBILL", controlNumber: 30, functionalId: "XX", version: "004010", transactions: [{ code, segments }] })).groups[0]!.transactions[0]!;
const problemsOf = (read: () => unknown): string[] => {
	try { read(); } catch (e: unknown) { assert.ok(isSchemaInvalid(e)); return (e.data as { problems: Array<{ message: string }> }).problems.map((p) => p.message); }
	return assert.fail("expected a SchemaInvalidError");
};

describe("the X12 3PL profile reads 856 ship notices", () => {
	test("the profile is x12-3pl@1.3.0 and routes 945, 856, 944 and 947 inbound", () => {
		const x12 = profiles.get("wms/x12-3pl")!;
		assert.equal(x12.version, "x12-3pl@1.3.0");
		assert.deepEqual([...x12.inbound!.routes.keys()].sort(), ["856", "944", "945", "947"]);
	});

	test("one manifested shipment per order level, packs with their SSCC and contents, a SKU packed twice summed per order", async () => {
		const [first, second, ...rest] = await facts(fixture("856-two-orders.edi"));
		assert.equal(rest.length, 0);
		assert.deepEqual([first!.type, first!.subject, first!.partnerEventId, first!.mappingVersion], ["wms.shipment.manifested", "SO-2001", "856:EDI3PL:000000021:0001:2", "x12-3pl@1.3.0"]);
		assert.deepEqual(first!.data, {
			shipmentId: "SHP-700", orderId: "SO-2001", carrier: "UPS GROUND", trackingNumber: "1Z999AA10123456784", shippedAt: "2026-03-10T14:15:00Z",
			packages: [
				{ sscc: "012345600000000017", lines: [{ lineNo: 1, sku: "SKU-A", qty: 4 }, { lineNo: 2, sku: "SKU-B", qty: 2 }] },
				{ sscc: "012345600000000024", lines: [{ lineNo: 1, sku: "SKU-A", qty: 3 }] },
			],
			lines: [{ lineNo: 1, sku: "SKU-A", qty: 7 }, { lineNo: 2, sku: "SKU-B", qty: 2 }],
		});
		assert.deepEqual([second!.subject, (second!.data as { packages: unknown[] }).packages, (second!.data as { lines: unknown[] }).lines], ["SO-2002", [], [{ lineNo: 1, sku: "036000291452", qty: 5 }]]);
	});

	test("an order level without PRF01 is refused naming the HL, not published without an order", async () => {
		const text = fixture("856-two-orders.edi").replace("PRF*SO-2002~\n", "REF*IV*INV-1~\n");
		assert.match(await refusal(text), /856 0001: order level HL 8 has no PRF01 purchase order to name the order/);
	});

	test("the cross-dock corpus 856: two store orders, four and one SSCC packs, twelve of each item", { skip: NO_CORPUS }, async () => {
		const got = await facts(readFileSync(`${CORPUS}856_edi-engine_crossdock.edi`, "utf8"));
		assert.deepEqual(got.map((f) => [f.subject, (f.data as { packages: unknown[] }).packages.length, (f.data as { lines: Array<{ qty: number }> }).lines.map((l) => l.qty)]), [
			["POREF00", 4, [12, 12, 12, 12]],
			["POREF01", 1, [12]],
		]);
		assert.deepEqual((got[1]!.data as { packages: unknown[] }).packages, [{ sscc: "000715670002152111", lines: [{ lineNo: 1, sku: "0000000000642", qty: 12 }] }]);
		const { shipmentId, carrier, trackingNumber, shippedAt } = got[0]!.data as Record<string, unknown>;
		assert.deepEqual([shipmentId, carrier, trackingNumber, shippedAt], ["000009", "OVERNITE", "0000000008741", "2009-09-21T00:00:00Z"]);
	});

	test("the 004060 corpus 856 (ISA12 00400): items straight under the order, named by their vendor part number", { skip: NO_CORPUS }, async () => {
		const [fact, ...rest] = await facts(readFileSync(`${CORPUS}856_x12-types_004060.edi`, "utf8"));
		assert.equal(rest.length, 0);
		assert.deepEqual([fact!.subject, (fact!.data as { lines: unknown }).lines], ["99999817", [{ lineNo: 1, sku: "87787D", qty: 24 }, { lineNo: 2, sku: "99887D", qty: 6 }]]);
	});
});

describe("X12 944 receipt advice", () => {
	test("the reader keeps W17, the header N9s and each W07 with its description", () => {
		const receipt = read944(parseInterchange(fixture("944-stock-receipt.edi")).groups[0]!.transactions[0]!);
		assert.deepEqual([receipt.reportingCode, receipt.date, receipt.receiptNumber, receipt.depositorOrderNumber, receipt.shipmentId], ["F", "20260311", "R-5001", "PO-77", "ASN-9"]);
		assert.deepEqual(receipt.references, [{ qualifier: "PO", value: "PO-77", description: "" }]);
		assert.deepEqual(receipt.lines.map((l) => [l.lx, l.receivedQty, l.uom, l.upc, l.productIds, l.description]), [
			["1", 10, "EA", "", [{ qualifier: "VN", value: "SKU-1" }], "BLUE WIDGET"],
			["2", 5, "EA", "012345678905", [], ""],
			["3", 0, "EA", "", [{ qualifier: "VN", value: "SKU-3" }], ""],
		]);
		assert.deepEqual(receipt.totals, { quantityReceived: 15 });
	});

	test("the reader lists every content problem: no W17, a quantity that is no number, a line naming no product, an empty N901", () => {
		assert.deepEqual(problemsOf(() => read944(single("944", [["N9", "", "X"], ["LX", "1"], ["W07", "ten", "EA", "", "VN", "SKU-1"], ["LX", "2"], ["W07", "1", "EA"], ["W14", "11"]]))), [
			"the 944 has no W17 header",
			"W07 in LX 1: W0701 quantity received must be a number, got 'ten'",
			"W07 in LX 2 names no product (W0703 UPC or W0704/W0705)",
			"N9: N901 reference qualifier is required",
		]);
	});

	test("a replenishment receipt is stock in: one positive adjustment per line received, reason receipt, nothing for a line of zero", async () => {
		const got = await facts(fixture("944-stock-receipt.edi"));
		assert.deepEqual(got.map((f) => [f.type, f.subject, f.time, f.partnerEventId, f.data]), [
			["wms.inventory.adjusted", "WH2/SKU-1", "2026-03-11T00:00:00Z", "944:EDI3PL:000000022:0001:1", { sku: "SKU-1", warehouse: "WH2", delta: 10, reason: "receipt", at: "2026-03-11T00:00:00Z" }],
			["wms.inventory.adjusted", "WH2/012345678905", "2026-03-11T00:00:00Z", "944:EDI3PL:000000022:0001:2", { sku: "012345678905", warehouse: "WH2", delta: 5, reason: "receipt", at: "2026-03-11T00:00:00Z" }],
		]);
	});

	test("a receipt naming an RMA (N9 RZ) is the return received for the order in W1704, at the W17 date and time", async () => {
		const got = await facts(fixture("944-return-receipt.edi"));
		assert.deepEqual(got.map((f) => [f.type, f.subject, f.time, f.data]), [
			["wms.return.received", "SO-1001", "2026-03-12T08:15:00Z", { orderId: "SO-1001", rma: "RMA-77", lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }, { lineNo: 2, sku: "SKU-2", qty: 2 }] }],
		]);
	});

	test("a customer return (W1701 C) takes its RMA from W1704 and its order from N9 CO; without an order it is refused", async () => {
		const customerReturn = fixture("944-return-receipt.edi").replace("N9*RZ*RMA-77~", "N9*CO*SO-1001~").replace("*SO-1001**T*0815~", "*RMA-78**T*0815~");
		const [fact] = await facts(customerReturn);
		assert.deepEqual([fact!.type, fact!.subject, (fact!.data as { rma: string }).rma], ["wms.return.received", "SO-1001", "RMA-78"]);
		assert.match(await refusal(customerReturn.replace("N9*CO*SO-1001~", "N9*BM*BOL-1~")), /944 0001 receives return RMA-78 but names no order/);
	});

	test("stock received at no named warehouse is refused rather than booked to a guessed one", async () => {
		assert.match(await refusal(fixture("944-stock-receipt.edi").replace("N1*WH*EDI3PL WH2*ZZ*WH2~", "N1*SF*SUPPLIER~")), /944 0001 names no warehouse \(N9 WH or N1 WH\)/);
	});
});

describe("X12 947 inventory adjustment advice", () => {
	test("the reader keeps W15 and each W19's reason code and quantity as sent, sign included", () => {
		const advice = read947(parseInterchange(fixture("947-adjustments.edi")).groups[0]!.transactions[0]!);
		assert.deepEqual([advice.date, advice.adjustmentNumber, advice.parties[0]?.id], ["20260313", "ADJ-9", "WH2"]);
		assert.deepEqual(advice.lines.map((l) => [l.lx, l.reasonCode, l.quantity, l.uom, l.productIds[0]?.value]), [
			["1", "AU", 2, "EA", "SKU-1"], ["2", "56", 3, "EA", "SKU-2"], ["3", "AA", -4, "EA", "SKU-3"], ["4", "07", -1, "EA", "SKU-4"],
		]);
	});

	test("the reader refuses a W19 without a reason code or a numeric quantity, and a 947 without W15", () => {
		assert.deepEqual(problemsOf(() => read947(single("947", [["LX", "1"], ["W19", "", "2", "EA", "", "VN", "SKU-1"], ["LX", "2"], ["W19", "AU", "two", "EA", "", "VN", "SKU-2"]]))), [
			"the 947 has no W15 header",
			"W19 in LX 1: W1901 adjustment reason code is required",
			"W19 in LX 2: W1902 credit/debit quantity must be a number, got 'two'",
		]);
	});

	test("each line is a signed adjustment: unsigned damage goes down, a book increase up, signed quantities stay as sent", async () => {
		const got = await facts(fixture("947-adjustments.edi"));
		assert.deepEqual(got.map((f) => [f.type, f.subject, (f.data as { delta: number }).delta, (f.data as { reason: string }).reason]), [
			["wms.inventory.adjusted", "WH2/SKU-1", -2, "damaged in facility (W1901 AU)"],
			["wms.inventory.adjusted", "WH2/SKU-2", 3, "book adjustment increase (W1901 56)"],
			["wms.inventory.adjusted", "WH2/SKU-3", -4, "physical count (W1901 AA)"],
			["wms.inventory.adjusted", "WH2/SKU-4", -1, "dumped or destroyed (W1901 07)"],
		]);
		assert.deepEqual(got[0]!.data, { sku: "SKU-1", warehouse: "WH2", delta: -2, reason: "damaged in facility (W1901 AU)", at: "2026-03-13T00:00:00Z" });
		assert.deepEqual(got.map((f) => f.partnerEventId), [1, 2, 3, 4].map((n) => `947:EDI3PL:000000024:0001:${n}`));
	});

	test("a reason code outside the table keeps the quantity as sent and says which code it was", async () => {
		const [fact] = await facts(fixture("947-adjustments.edi").replace("W19*AU*2*", "W19*ZQ*2*"));
		assert.deepEqual([(fact!.data as { delta: number }).delta, (fact!.data as { reason: string }).reason], [2, "adjustment (W1901 ZQ)"]);
	});
});
