import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";

interface Conflict {
	orderId: string;
	partner: string;
	factType: string;
	field: string;
	path: string;
	writer: string;
	owners: string[];
}

describe("field ownership enforced on what partners send", () => {
	let h: Harness;
	let mappings: string;
	before(async () => {
		// A mapping that lets the 3PL write the service level, which only the ERP owns.
		mappings = mkdtempSync(join(tmpdir(), "waybill-mappings-"));
		cpSync(new URL("../../mappings", import.meta.url), mappings, { recursive: true });
		const allocated = join(mappings, "wms", "generic-3pl", "allocated.jsonata");
		writeFileSync(allocated, readFileSync(allocated, "utf8").replace('"orderId": order.orderRef,', '"orderId": order.orderRef,\n\t\t"serviceLevel": "same-day",'));
		process.env.MAPPINGS_DIR = mappings;
		const { startHarness } = await import("../helpers/platform-harness.ts");
		h = await startHarness({ mode: "embedded" });
	});
	after(async () => {
		await h?.stop();
		delete process.env.MAPPINGS_DIR;
		rmSync(mappings, { recursive: true, force: true });
	});

	it("does not apply a field the writer does not own, records the conflict in the ledger and shows it to operators", async () => {
		assert.equal((await releaseOrder(h, testOrder("SO-OWN-1"))).status, 202);
		await eventually("the order invoiced", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: "SO-OWN-1" })).status === "invoiced");
		const order = await h.client.call<{ order: { serviceLevel: string } }, { orderId: string }>("saga.getOrder", { orderId: "SO-OWN-1" });
		assert.equal(order.order.serviceLevel, "standard", "the ERP's service level stands");

		const conflicts = (await (await fetch(`${h.gatewayUrl}/ops/conflicts`, { headers: h.auth })).json()) as Conflict[];
		assert.deepEqual(
			conflicts.map((c) => [c.orderId, c.partner, c.factType, c.path, c.writer, c.owners]),
			[["SO-OWN-1", "acme-3pl", "wms.fulfillment.allocated", "serviceLevel", "wms", ["erp"]]],
		);
		const entries = await h.client.call<Array<{ type: string; partner?: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-OWN-1" });
		assert.deepEqual(entries.filter((e) => e.type === "waybill.field.conflict").map((e) => e.partner), ["acme-3pl"]);
	});
});
