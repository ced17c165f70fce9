import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FieldOwnership } from "../../services/mapper/field-ownership.ts";

describe("the field-ownership registry", () => {
	const registry = FieldOwnership.load();

	it("removes a field a source does not own, wherever it sits, and names the conflict", () => {
		const fact = { orderId: "SO-1", shipTo: { city: "Elsewhere" }, packages: [{ sscc: "1", lines: [{ lineNo: 1, qty: 1, unitPrice: 99 }] }] };
		const { data, conflicts } = registry.enforce("wms", fact);
		assert.deepEqual(data, { orderId: "SO-1", packages: [{ sscc: "1", lines: [{ lineNo: 1, qty: 1 }] }] });
		assert.deepEqual(conflicts.map((c) => [c.path, c.owners]), [["shipTo", ["erp"]], ["packages[0].lines[0].unitPrice", ["erp"]]]);
		assert.deepEqual(fact.packages[0]!.lines[0], { lineNo: 1, qty: 1, unitPrice: 99 }, "the input is not mutated");
	});

	it("lets an owner write its own fields, and a shared field be written by any of its owners", () => {
		assert.deepEqual(registry.enforce("lastmile", { orderId: "SO-1", eta: "2026-11-26T10:00:00Z", trackingNumber: "T1" }).conflicts, []);
		assert.deepEqual(registry.enforce("wms", { trackingNumber: "T1", carrier: "X" }).conflicts, []);
		assert.deepEqual(registry.enforce("erp", { trackingNumber: "T1" }).conflicts.map((c) => c.field), ["trackingNumber"]);
	});

	it("refuses a registry file that is not valid, naming it", () => {
		const file = join(mkdtempSync(join(tmpdir(), "waybill-owners-")), "owners.json");
		writeFileSync(file, JSON.stringify({ fields: { shipTo: ["nobody"] } }));
		assert.throws(() => FieldOwnership.load(file), (e: { type?: string; message?: string }) => e.type === "CONFIGURATION_INVALID" && /owners\.json/.test(e.message ?? ""));
	});
});
