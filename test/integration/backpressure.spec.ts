import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";

// Read by the gateway when its module loads: set before the harness imports it.
process.env.BACKLOG_LIMIT = "5";
process.env.BACKLOG_REFRESH_MS = "50";

describe("back-pressure at the gateway", () => {
	let h: Harness;
	before(async () => {
		const { startHarness } = await import("../helpers/platform-harness.ts");
		// No mapper: nothing drains the inbound stream, so its backlog only grows.
		h = await startHarness({ mode: "distributed", services: ["gateway", "erp", "wms", "lastmile", "saga", "ledger"] });
	});
	after(async () => h?.stop());

	it("answers 503 overloaded with Retry-After once the backlog passes the limit, and accepts again when it drains", async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 12; i++) {
			statuses.push((await releaseOrder(h, testOrder(`SO-BP-${i}`))).status);
			await new Promise((r) => setTimeout(r, 60));
		}
		const accepted = statuses.filter((s) => s === 202).length;
		assert.ok(accepted >= 5 && accepted < 12, `some accepted, then refused: ${statuses.join(",")}`);
		assert.deepEqual([...new Set(statuses)].sort(), [202, 503]);

		const refused = await releaseOrder(h, testOrder("SO-BP-REFUSED"));
		assert.equal(refused.status, 503);
		assert.equal(refused.headers.get("retry-after"), "1");
		assert.equal(((await refused.json()) as { type: string }).type, "https://waybill.dev/problems/overloaded");

		await h.startService("mapper");
		await eventually("intake open again once the mapper drained the backlog", async () => (await releaseOrder(h, testOrder("SO-BP-LATE"))).status === 202, 30_000, 200);
		await eventually("every accepted order invoiced", async () => (await h.client.call<{ invoiced: number }>("saga.stats")).invoiced === accepted + 1, 60_000, 250);
	});
});
