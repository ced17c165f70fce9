import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { ledgerTypes } from "../helpers/exception-scenarios.ts";

const POLICIES = fileURLToPath(new URL("../fixtures/policies/exception-flows.json", import.meta.url));
const RETRY = "SO-RST-RETRY";
const CANCEL = "SO-RST-CANCEL";
const SLA = "SO-RST-SLA";

/**
 * Sagas survive a restart mid-step: the saga service is stopped while a re-attempt, a
 * cancellation and an SLA clock are under way, and started again on a fresh broker. Each flow
 * resumes from its saved step state, and the SLA clock that came due while no saga ran fires.
 */
describe("sagas restarted mid-flow (over NATS and Redis)", () => {
	let h: Harness;

	before(async () => {
		h = await startHarness({ mode: "distributed", policiesFile: POLICIES, wmsDelays: { exceptionDelayMs: 3_000, returnReceiptDelayMs: 200 } });
		h.wms.setScenario({ orders: { [CANCEL]: { warehouseException: "wave-blocked" }, [SLA]: { warehouseException: "wave-blocked" } } });
		h.lastmile.setScenario({ orders: { [RETRY]: { failAttempts: 1 } } });
		h.erp.setScenario({ orders: { [CANCEL]: { cancelOn: "allocated" } } });
		for (const order of [testOrder(RETRY), testOrder(CANCEL), { ...testOrder(SLA), serviceLevel: "express" }]) assert.equal((await releaseOrder(h, order)).status, 202);
		await eventually("the saga saw the first delivery attempt fail", async () => {
			const order = await h.client.call<{ timeline: Array<{ type: string }> }, { orderId: string }>("saga.getOrder", { orderId: RETRY });
			return order.timeline.some((t) => t.type === "lastmile.attempt.failed");
		}, 30_000);
		await h.stopService("saga");
		// Long enough for the express order's 2 s dispatch clock to come due with no saga running.
		await sleep(3_000);
		await h.startService("saga");
		await eventually("every order settled", async () => {
			const stats = await h.client.call<{ invoiced: number; cancelled: number; inFlight: number }>("saga.stats");
			return stats.invoiced + stats.cancelled === 3 && stats.inFlight === 0;
		}, 60_000, 250);
	});

	after(async () => h?.stop());

	it("the re-attempt decided before the restart is delivered and invoiced once", async () => {
		assert.deepEqual([h.lastmile.orderStats(RETRY).clones, h.erp.invoicesFor(RETRY)], [1, 1]);
		assert.deepEqual(h.erp.receivedFor(RETRY).filter((k) => k !== "status"), ["shipment", "cs-case", "invoicing-hold", "invoicing-release", "invoice"]);
	});

	it("the cancellation is compensated once", async () => {
		assert.equal(h.wms.countsFor(CANCEL).cancellations, 1);
		assert.equal(h.erp.statusesFor(CANCEL).at(-1), "cancelled");
	});

	it("the SLA clock that came due while the saga was down fires after the restart, once", async () => {
		const ledger = await ledgerTypes(h, SLA);
		assert.equal(ledger["waybill.sla.breached"], 1);
		assert.equal(ledger["waybill.clock.elapsed"] !== undefined, true);
	});
});
