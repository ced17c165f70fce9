import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { renderCommand } from "../../services/mapper/canonical-mapper.ts";
import { controlNumberFor } from "../../services/mapper/x12-documents.ts";
import { checkEnvelope, el, parseInterchange, read940 } from "../../services/mapper/formats/x12/index.ts";
import { WMS_COMMANDS } from "../../canonical/index.ts";

const profile = () => loadProfiles(new URL("../../mappings", import.meta.url).pathname).get("wms/x12-3pl")!;
const order = (lines: number) => ({
	fulfillmentOrderId: "FO-SO-9-WH2", orderId: "SO-9", warehouse: "WH2", partner: "edi-3pl", serviceLevel: "standard",
	shipTo: { name: "Ada Lovelace", line1: "12 Harbour Street", city: "Hamburg", postalCode: "20095", country: "DE" },
	lines: Array.from({ length: lines }, (_, i) => ({ lineNo: i + 1, sku: `SKU-${i + 1}`, qty: i + 2 })),
});

describe("the X12 3PL profile writes 940s", () => {
	for (const lines of [1, 3]) {
		it(`writes a ${lines}-line fulfillment order as a valid 940 that reads back line for line`, async () => {
			const request = await renderCommand(profile(), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, order(lines), "SO-9:fulfillment-requested:1");
			assert.equal(request.contentType, "application/edi-x12");
			const interchange = parseInterchange(request.body as string);
			assert.deepEqual(checkEnvelope(interchange), []);
			const read = read940(interchange.groups[0]!.transactions[0]!);
			assert.equal(read.depositorOrderNumber, "SO-9");
			assert.deepEqual(read.lines.map((l) => [l.productIds[0]!.value, l.orderedQty]), order(lines).lines.map((l) => [l.sku, l.qty]));
		});
	}

	it("names the interchange after the command: a redelivered command is the same interchange", async () => {
		const first = await renderCommand(profile(), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, order(1), "SO-9:fulfillment-requested:1");
		const again = await renderCommand(profile(), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, order(1), "SO-9:fulfillment-requested:1");
		const other = await renderCommand(profile(), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, order(1), "SO-10:fulfillment-requested:1");
		const control = (body: unknown) => Number(el(parseInterchange(body as string).isa, 13));
		assert.equal(control(first.body), controlNumberFor("SO-9:fulfillment-requested:1"));
		assert.equal(control(again.body), control(first.body));
		assert.notEqual(control(other.body), control(first.body));
	});
});
