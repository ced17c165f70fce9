import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { testOrder } from "../helpers/orders.ts";

/** Releases an order, reporting what the client saw: the status, or that the connection failed. */
async function release(h: Harness, orderId: string): Promise<number | "connection failed"> {
	try {
		const response = await fetch(`${h.gatewayUrl}/api/v1/orders`, { method: "POST", headers: { "content-type": "application/json", ...h.auth }, body: JSON.stringify(testOrder(orderId)) });
		await response.arrayBuffer();
		return response.status;
	} catch {
		return "connection failed";
	}
}

describe("graceful shutdown under load (one broker per service, over NATS and Redis)", () => {
	let h: Harness;
	before(async () => {
		h = await startHarness({ mode: "distributed" });
	});
	after(async () => h?.stop());

	it("never acknowledges an order it did not store, when the gateway stops mid-burst, and completes every acknowledged one", async () => {
		const ids = Array.from({ length: 120 }, (_, i) => `SO-STOP-${i}`);
		const outcomes = ids.map((id) => release(h, id));
		await new Promise((r) => setTimeout(r, 30));
		await h.stopService("gateway");
		const seen = await Promise.all(outcomes);
		const acknowledged = ids.filter((_, i) => seen[i] === 202);
		assert.ok(seen.every((s) => s === 202 || s === 503 || s === "connection failed"), `only 202, 503 or no answer: ${[...new Set(seen)].join(", ")}`);
		assert.ok(acknowledged.length > 0, "some orders got in before the stop");

		await h.startService("gateway");
		await eventually("every acknowledged order invoiced", async () => {
			const stats = await h.client.call<{ invoiced: number }>("saga.stats");
			return stats.invoiced >= acknowledged.length;
		}, 90_000, 250);
		for (const id of acknowledged) {
			const order = await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: id });
			assert.equal(order.status, "invoiced", id);
			assert.equal(h.erp.invoicesFor(id), 1, id);
		}
	});

	it("finishes the handler in flight when a consumer stops, so a restarted saga loses and repeats nothing", async () => {
		const ids = Array.from({ length: 20 }, (_, i) => `SO-SAGA-${i}`);
		for (const id of ids) assert.equal(await release(h, id), 202);
		await new Promise((r) => setTimeout(r, 100));
		await h.stopService("saga");
		await new Promise((r) => setTimeout(r, 300));
		await h.startService("saga");
		await eventually("the orders invoiced after the saga's restart", async () => {
			const states = await Promise.all(ids.map((orderId) => h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId }).catch(() => ({ status: "?" }))));
			return states.every((s) => s.status === "invoiced");
		}, 90_000, 250);
		for (const id of ids) {
			assert.equal(h.wms.fulfillmentOrdersFor(id), 1, id);
			assert.equal(h.lastmile.tasksFor(id), 1, id);
			assert.equal(h.erp.invoicesFor(id), 1, id);
		}
	});
});
