import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { issueKey } from "../helpers/api-keys.ts";
import type { ControlTowerOverview } from "../../services/gateway/control-tower/overview.ts";

interface CaseView {
	caseId: string;
	kind: string;
	state: string;
	orderId?: string;
	resolvedBy?: string;
	resolution?: string;
}

const DONE = "SO-CTA-DONE";
const HELD = "SO-CTA-HELD";

/** An /ops request as `as` (the platform's admin key unless a test acts with a key of its own). */
const ops = (h: Harness, path: string, init?: RequestInit, as: { authorization: string } = h.auth) => fetch(`${h.gatewayUrl}/ops${path}`, { ...init, headers: { ...init?.headers, ...as } });
const getOrder = (h: Harness, orderId: string) =>
	h.client.call<{ status: string; cases: Array<{ caseId: string; resolvedAt?: string }>; timeline: Array<{ type: string; note?: string }> }, { orderId: string }>("saga.getOrder", { orderId });

for (const mode of ["embedded", "distributed"] as const) describe(`control tower API (${mode}): the overview operations read, and resolving a case by hand with the operator recorded`, () => {
	let h: Harness;
	let held: CaseView;
	before(async () => {
		// A blocked wave holds the order in the warehouse for a minute: in flight, dispatch at risk, a case open.
		h = await startHarness({ mode, wmsDelays: { exceptionDelayMs: 60_000 } });
		h.wms.setScenario({ orders: { [HELD]: { warehouseException: "wave-blocked" } } });
		for (const orderId of [DONE, HELD]) assert.equal((await releaseOrder(h, testOrder(orderId))).status, 202);
		await eventually(`${DONE} invoiced`, async () => (await getOrder(h, DONE)).status === "invoiced");
		[held] = await eventually(`the open case of ${HELD}`, async () => {
			const cases = (await (await ops(h, `/exceptions?orderId=${HELD}`)).json()) as CaseView[];
			return cases.length === 1 ? cases : undefined;
		});
	});
	after(async () => h?.stop());

	it("shows orders in flight and finished by status, the held order's dispatch at risk with its due time, and what each partner holds", async () => {
		const overview = await eventually("the at-risk SLA in the overview", async () => {
			const answer = (await (await ops(h, "/overview?window=15")).json()) as ControlTowerOverview;
			return answer.sla.atRisk.length === 1 ? answer : undefined;
		});
		assert.equal(overview.windowMs, 15 * 60_000);
		assert.equal(overview.inFlight.total, 1);
		assert.equal(overview.finished.byStatus.invoiced, 1);
		const [risk] = overview.sla.atRisk;
		assert.deepEqual([risk!.orderId, risk!.sla], [HELD, "order-to-dispatch"]);
		assert.ok(risk!.dueAt && Date.parse(risk!.dueAt) > Date.now(), "the dispatch deadline is named");
		const wms = overview.partners.find((p) => p.partner === "acme-3pl")!;
		assert.deepEqual([wms.system, wms.circuit, wms.degraded, wms.commandBacklog], ["wms", "closed", false, 0]);
		assert.deepEqual(wms.holds?.orderIds, [HELD], "the warehouse partner holds the blocked order");
		assert.deepEqual(wms.holds?.byWarehouse, { WH1: 1 });
		assert.ok(wms.recent && wms.recent.calls >= 2 && wms.errorRate === 0, `recent calls and error rate: ${JSON.stringify(wms.recent)}`);
		const wh1 = overview.warehouses.find((w) => w.warehouse === "WH1")!;
		assert.deepEqual([wh1.shipped, wh1.open, wh1.perBucket.reduce((a, b) => a + b, 0)], [1, 1, 1]);
		const onfleet = overview.providers.find((p) => p.partner === "onfleet")!;
		assert.deepEqual([onfleet.delivered, onfleet.onTime, onfleet.firstAttempt], [1, 1, 1]);
		assert.deepEqual(overview.scanned, { open: 1, openIndexed: 1, recent: 2, truncated: false });
	});

	it("resolves a case by hand once, records who did it on the case, the order and in the ledger, and stops its resolution clock", async () => {
		const kim = await issueKey(h, "ops: Kim", "operator");
		const resolve = () => ops(h, `/exceptions/${held.caseId}/resolve`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ note: "wave released by hand" }) }, kim.auth);
		const first = await resolve();
		assert.equal(first.status, 200);
		const body = (await first.json()) as { resolved: boolean; case: CaseView };
		assert.equal(body.resolved, true);
		assert.deepEqual([body.case.state, body.case.resolvedBy, body.case.resolution], ["resolved", kim.actor, `resolved by ${kim.actor}: wave released by hand`]);
		const again = (await (await resolve()).json()) as { resolved: boolean; skipped?: string };
		assert.equal(again.resolved, false);
		assert.ok(again.skipped?.includes(`already resolved by ${kim.actor}`), `skipped: ${again.skipped}`);

		assert.deepEqual(await (await ops(h, `/exceptions?orderId=${HELD}`)).json(), [], "no longer in the inbox");
		const order = await getOrder(h, HELD);
		assert.ok(order.cases.find((c) => c.caseId === held.caseId)?.resolvedAt, "the order's resolution clock sees it resolved");
		assert.ok(order.timeline.some((t) => t.type === "waybill.exception.resolved" && t.note?.includes(kim.actor)), "the order's timeline says who resolved it");
		const entries = await eventually("the resolution in the ledger", async () => {
			const list = await h.client.call<Array<{ type: string; actor?: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId: HELD });
			const resolved = list.filter((e) => e.type === "waybill.exception.resolved");
			return resolved.length > 0 ? resolved : undefined;
		});
		assert.deepEqual(entries.map((e) => e.actor), [kim.actor], "one ledger entry, with the operator's key, however often it was asked");
	});

	it("answers 404 for a case it does not know", async () => {
		const response = await ops(h, "/exceptions/EX-000000000000/resolve", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
		assert.equal(response.status, 404);
		assert.equal(((await response.json()) as { type: string }).type, "https://waybill.dev/problems/not-found");
	});
});
