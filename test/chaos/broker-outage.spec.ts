import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { PrivateNats } from "../helpers/private-nats.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";

describe("a NATS outage while orders are released", () => {
	let nats: PrivateNats;
	let h: Harness;

	before(async () => {
		nats = await PrivateNats.start();
		h = await startHarness({ mode: "distributed", natsUrl: nats.url, services: ["gateway", "erp", "wms", "lastmile", "mapper", "saga", "ledger"] });
	});

	after(async () => {
		await h?.stop().catch(() => undefined);
		await nats?.destroy();
	});

	it("refuses new orders with 503 problem+json and Retry-After while the broker is down, then completes every accepted order once it is back", async () => {
		assert.equal((await releaseOrder(h, testOrder("SO-OUT-1"))).status, 202);
		await nats.kill();

		const refused = await releaseOrder(h, testOrder("SO-OUT-2"));
		assert.equal(refused.status, 503);
		assert.match(refused.headers.get("content-type") ?? "", /^application\/problem\+json/);
		assert.equal(refused.headers.get("retry-after"), "1");
		assert.equal(((await refused.json()) as { type: string }).type, "https://waybill.dev/problems/stream-unavailable");

		await nats.up();
		const accepted = await eventually("the gateway accepting again", async () => (await releaseOrder(h, testOrder("SO-OUT-3"))).status === 202, 30_000, 250);
		assert.equal(accepted, true);

		await eventually("both accepted orders invoiced", async () => {
			const stats = await h.client.call<{ invoiced: number; orders: number }>("saga.stats");
			return stats.invoiced === 2 && stats.orders === 2;
		}, 90_000, 250);
		for (const id of ["SO-OUT-1", "SO-OUT-3"]) {
			assert.equal(h.wms.fulfillmentOrdersFor(id), 1, id);
			assert.equal(h.lastmile.tasksFor(id), 1, id);
			assert.equal(h.erp.invoicesFor(id), 1, id);
		}
		assert.equal(h.wms.fulfillmentOrdersFor("SO-OUT-2"), 0, "the refused order went nowhere");
	});
});
