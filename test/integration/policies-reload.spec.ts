import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";

const DEFAULTS = fileURLToPath(new URL("../../config/policies.json", import.meta.url));

interface PolicyStatus {
	version: string;
	refused?: { version: string; error: string };
}

/**
 * Policies change without a restart, as an operator edits the file (a ConfigMap in Kubernetes):
 * a valid change goes live, a broken one is refused with the reason and the policies in force stay.
 */
describe("policies reloaded while the platform runs", () => {
	let h: Harness;
	const file = join(mkdtempSync(join(tmpdir(), "waybill-policies-")), "policies.json");
	const policies = () => fetch(`${h.gatewayUrl}/ops/policies`, { headers: h.auth }).then((r) => r.json() as Promise<PolicyStatus>);

	before(async () => {
		copyFileSync(DEFAULTS, file);
		process.env.POLICIES_RELOAD_MS = "100";
		h = await startHarness({ mode: "embedded", policiesFile: file });
	});
	after(async () => {
		delete process.env.POLICIES_RELOAD_MS;
		await h?.stop();
	});

	it("routes by the new rules once a valid change is saved", async () => {
		const before = await policies();
		const changed = JSON.parse(readFileSync(file, "utf8")) as { routing: Array<{ match: Record<string, unknown>; warehouses: string[] }> };
		for (const rule of changed.routing) rule.warehouses = ["WH2", "WH1"];
		writeFileSync(file, JSON.stringify(changed));
		const after = await eventually("the change live", async () => {
			const now = await policies();
			return now.version !== before.version ? now : undefined;
		}, 10_000);
		assert.equal(after.refused, undefined);
		assert.equal((await releaseOrder(h, testOrder("SO-POL-1"))).status, 202);
		await eventually("the order sent to WH2's 3PL", async () => h.wmsX12.fulfillmentOrdersFor("SO-POL-1") === 1, 10_000);
		assert.equal(h.wms.fulfillmentOrdersFor("SO-POL-1"), 0);
	});

	it("refuses a broken file with the reason and keeps the policies in force", async () => {
		const live = await policies();
		const broken = JSON.parse(readFileSync(file, "utf8")) as { sla: Array<{ timeZone: string }> };
		broken.sla[0]!.timeZone = "Mars/Olympus_Mons";
		writeFileSync(file, JSON.stringify(broken));
		const status = await eventually("the change refused", async () => {
			const now = await policies();
			return now.refused ? now : undefined;
		}, 10_000);
		assert.equal(status.version, live.version, "the policies in force stay");
		assert.match(status.refused!.error, /sla\[0\]\.timeZone/);
		assert.equal((await releaseOrder(h, testOrder("SO-POL-2"))).status, 202);
		await eventually("the order still routed by the policies in force", async () => h.wmsX12.fulfillmentOrdersFor("SO-POL-2") === 1, 10_000);
	});
});
