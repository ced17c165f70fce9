import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder } from "../helpers/orders.ts";
import { NEW_ADDRESS, ledgerTypes, orderIdOf, ordersFor, scriptScenarios, type Flow } from "../helpers/exception-scenarios.ts";

const POLICIES = fileURLToPath(new URL("../fixtures/policies/exception-flows.json", import.meta.url));
const SERVICES = ["gateway", "erp", "wms", "lastmile", "mapper", "saga", "ledger"];

interface OrderView {
	status: string;
	lines: Array<{ lineNo: number; ordered: number; shipped: number; delivered: number; invoiced: number; backordered: number; cancelled: number; returned: number }>;
	shipments: unknown[];
}

async function settled(h: Harness, orders: number): Promise<boolean> {
	const backlogs = await Promise.all(SERVICES.map((n) => h.client.call<Array<{ backlog: number }>>(`${n}.streamBacklog`)));
	if (!backlogs.flat().every((b) => b.backlog === 0) || (h.erp.stats().waybillCallsPending ?? 0) > 0) return false;
	const stats = await h.client.call<{ invoiced: number; cancelled: number; returned: number; inFlight: number }>("saga.stats");
	return stats.invoiced + stats.cancelled + stats.returned === orders && stats.inFlight === 0;
}

/**
 * Every exception flow of issue 4, end to end, in both modes: each order is scripted to meet one
 * exception, every webhook arrives twice and warehouse and last-mile events overtake each other; the side
 * effects each partner received and the ledger are then checked exactly.
 */
for (const mode of ["embedded", "distributed"] as const) {
	describe(`exception flows end to end (${mode})`, () => {
		let h: Harness;
		const prefix = `EXF${mode === "embedded" ? "E" : "D"}`;
		const id = (flow: Flow) => orderIdOf(prefix, flow);
		const order = (flow: Flow) => h.client.call<OrderView, { orderId: string }>("saga.getOrder", { orderId: id(flow) });
		const erpKinds = (flow: Flow, kind: string) => h.erp.recordsFor(id(flow)).filter((r) => r.kind === kind);

		before(async () => {
			h = await startHarness({ mode, policiesFile: POLICIES, wmsDelays: { exceptionDelayMs: 3_000, returnReceiptDelayMs: 200 } });
			scriptScenarios(h, prefix);
			const orders = ordersFor(prefix);
			for (const o of orders) assert.equal((await releaseOrder(h, o)).status, 202);
			await eventually("every order settled twice in a row", async () => (await settled(h, orders.length)) && (await new Promise((r) => setTimeout(r, 500)), settled(h, orders.length)), 120_000, 250);
		});

		after(async () => h?.stop());

		it("short pick: ships what was picked, backorders the rest line by line, invoices only what shipped", async () => {
			assert.deepEqual(erpKinds("SHORT", "backorder").map((r) => r.body), [{ lines: [{ lineNo: 2, sku: "SKU-2", qty: 1 }], policy: "backorder" }]);
			const invoice = erpKinds("SHORT", "invoice").map((r) => (r.body as { lines: Array<{ lineNo: number; qty: number }> }).lines.map((l) => [l.lineNo, l.qty]));
			assert.deepEqual(invoice, [[[1, 1], [2, 1]]]);
			assert.ok(h.erp.statusesFor(id("SHORT")).includes("short"));
			const o = await order("SHORT");
			assert.equal(o.status, "invoiced");
			assert.deepEqual(o.lines.map((l) => [l.ordered, l.shipped, l.backordered, l.invoiced]), [[1, 1, 0, 1], [2, 1, 1, 1]]);
			const ledger = await ledgerTypes(h, id("SHORT"));
			assert.deepEqual([ledger["erp.lines.backorder"], ledger["erp.invoice.post"], ledger["waybill.exception.opened"], ledger["waybill.exception.resolved"]], [1, 1, 1, 1]);
		});

		it("allocation short: the rest goes to the X12 warehouse, both shipments are delivered, one invoice covers the sum", async () => {
			assert.equal(h.wmsX12.fulfillmentOrdersFor(id("SPLIT")), 1);
			assert.equal(h.lastmile.tasksFor(id("SPLIT")), 2);
			assert.equal(h.erp.shipmentConfirmationsFor(id("SPLIT")), 2);
			assert.equal(h.erp.invoicesFor(id("SPLIT")), 1);
			assert.equal(erpKinds("SPLIT", "backorder").length, 0);
			const o = await order("SPLIT");
			assert.deepEqual([o.status, o.shipments.length], ["invoiced", 2]);
			assert.deepEqual(o.lines.map((l) => [l.ordered, l.shipped, l.delivered, l.invoiced]), [[1, 1, 1, 1], [2, 2, 2, 2]]);
		});

		it("split shipment from one warehouse: two parcels, two delivery jobs, one invoice once both are delivered", async () => {
			assert.deepEqual([h.wms.fulfillmentOrdersFor(id("PARCELS")), h.lastmile.tasksFor(id("PARCELS")), h.erp.shipmentConfirmationsFor(id("PARCELS")), h.erp.invoicesFor(id("PARCELS"))], [1, 2, 2, 1]);
			const o = await order("PARCELS");
			assert.deepEqual([o.status, o.shipments.length], ["invoiced", 2]);
			assert.deepEqual(o.lines.map((l) => [l.ordered, l.shipped, l.delivered, l.invoiced]), [[1, 1, 1, 1], [2, 2, 2, 2]]);
			const statuses = h.erp.statusesFor(id("PARCELS"));
			assert.ok(statuses.indexOf("delivered") > statuses.lastIndexOf("out_for_delivery"), "delivered only once both parcels were");
		});

		it("inventory discrepancy: the broken reservation is cancelled at WH1 and the order re-allocated to WH2", async () => {
			assert.equal(h.wms.countsFor(id("REALLOC")).cancellations, 1);
			assert.equal(h.wmsX12.fulfillmentOrdersFor(id("REALLOC")), 1);
			assert.equal(h.erp.invoicesFor(id("REALLOC")), 1);
			const ledger = await ledgerTypes(h, id("REALLOC"));
			assert.deepEqual([ledger["waybill.reallocation.required"], ledger["wms.fulfillment-order.cancel"], ledger["wms.fulfillment.cancelled"], ledger["wms.fulfillment-order.create"]], [1, 1, 1, 2]);
		});

		it("warehouse exceptions: damaged stock is backordered and not invoiced; a carrier no-show puts the dispatch SLA at risk", async () => {
			assert.deepEqual(erpKinds("DAMAGED", "backorder").map((r) => r.body), [{ lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }], policy: "backorder" }]);
			assert.deepEqual(erpKinds("DAMAGED", "invoice").map((r) => (r.body as { lines: Array<{ lineNo: number }> }).lines.map((l) => l.lineNo)), [[2]]);
			const noShow = await ledgerTypes(h, id("NOSHOW"));
			assert.deepEqual([noShow["waybill.sla.at-risk"], noShow["waybill.exception.opened"], noShow["waybill.exception.resolved"]], [1, 1, 1]);
			const cases = await h.client.call<Array<{ kind: string; owner: string; state: string }>, Record<string, string>>("saga.exceptions", { orderId: id("NOSHOW"), status: "all" });
			assert.deepEqual(cases.map((c) => [c.kind, c.owner, c.state]), [["warehouse-exception", "transport-ops", "resolved"]]);
			const overHttp = await fetch(`${h.gatewayUrl}/ops/exceptions?status=all&orderId=${id("NOSHOW")}&type=warehouse-exception&partner=acme-3pl`, { headers: h.auth });
			assert.equal(overHttp.status, 200);
			assert.deepEqual(((await overHttp.json()) as Array<{ orderId: string }>).map((c) => c.orderId), [id("NOSHOW")]);
			const byType = (await (await fetch(`${h.gatewayUrl}/ops/exceptions?status=all&type=sla-breach`, { headers: h.auth })).json()) as Array<{ orderId: string }>;
			assert.deepEqual(byType.map((c) => c.orderId), [id("SLA")]);
			const refused = await fetch(`${h.gatewayUrl}/ops/exceptions?type=no-such-type`, { headers: h.auth });
			assert.deepEqual([refused.status >= 400 && refused.status < 500, refused.headers.get("content-type")?.startsWith("application/problem+json")], [true, true]);
		});

		it("failed delivery, then delivered on the re-attempt: ERP told, CS case raised, invoicing paused and released, invoiced once", async () => {
			assert.deepEqual(h.lastmile.orderStats(id("RETRY")), { deliveryTasks: 1, attempts: 2, failedAttempts: 1, clones: 1, cancellations: 0, updates: 0, returnPickups: 0 });
			const statuses = h.erp.statusesFor(id("RETRY"));
			// Route events overtake each other: a dispatched that arrives after out-for-delivery is not applied (never backwards).
			const afterFailure = statuses.slice(statuses.indexOf("delivery_failed"));
			assert.deepEqual([afterFailure.slice(0, 2), afterFailure.slice(-2)], [["delivery_failed", "reattempt"], ["delivered", "invoiced"]]);
			const onRoute = afterFailure.slice(2, -2);
			assert.ok(onRoute.length >= 1 && onRoute.every((s, i) => ["dispatched", "out_for_delivery"].indexOf(s) >= i), onRoute.join());
			assert.deepEqual(h.erp.receivedFor(id("RETRY")).filter((k) => k !== "status"), ["shipment", "cs-case", "invoicing-hold", "invoicing-release", "invoice"]);
			assert.equal(h.erp.stats().invoicesWhileHeldByOrder?.[id("RETRY")], undefined);
			assert.equal((await ledgerTypes(h, id("RETRY")))["waybill.cs-case.alerted"], 1);
		});

		it("failed delivery past the policy: returned to the warehouse, which expected it; credited, never invoiced", async () => {
			assert.deepEqual(h.lastmile.orderStats(id("RTW")), { deliveryTasks: 1, attempts: 2, failedAttempts: 2, clones: 1, cancellations: 0, updates: 0, returnPickups: 1 });
			const wms = h.wms.countsFor(id("RTW"));
			assert.deepEqual([wms.returnsExpected, wms.returnsReceived], [1, 1]);
			assert.deepEqual(h.erp.receivedFor(id("RTW")).filter((k) => k !== "status"), ["shipment", "cs-case", "invoicing-hold", "cs-case", "credit-note"]);
			assert.deepEqual(h.erp.statusesFor(id("RTW")).slice(-3), ["delivery_failed", "returning", "returned"]);
			const o = await order("RTW");
			assert.deepEqual([o.status, o.lines.map((l) => l.returned)], ["returned", [1, 2]]);
		});

		it("cancellation before dispatch: the fulfillment order is cancelled (reservation released), nothing is delivered or invoiced", async () => {
			assert.equal(h.wms.countsFor(id("CANCEL")).cancellations, 1);
			assert.deepEqual([h.lastmile.tasksFor(id("CANCEL")), h.erp.invoicesFor(id("CANCEL"))], [0, 0]);
			assert.equal(h.erp.statusesFor(id("CANCEL")).at(-1), "cancelled");
			assert.equal((await order("CANCEL")).status, "cancelled");
			const ledger = await ledgerTypes(h, id("CANCEL"));
			assert.deepEqual([ledger["erp.order.cancelled"], ledger["wms.fulfillment-order.cancel"], ledger["wms.fulfillment.cancelled"]], [1, 1, 1]);
		});

		it("return: the RMA becomes a pickup, a warehouse receipt and a credit note for what came back", async () => {
			assert.equal(h.lastmile.orderStats(id("RMA")).returnPickups, 1);
			assert.deepEqual([h.wms.countsFor(id("RMA")).returnsExpected, h.wms.countsFor(id("RMA")).returnsReceived], [1, 1]);
			assert.deepEqual(erpKinds("RMA", "credit-note").map((r) => (r.body as { rma: string; total: number }).rma), [`RMA-${id("RMA")}`]);
			assert.equal((erpKinds("RMA", "credit-note")[0]!.body as { total: number }).total, 32);
			assert.deepEqual(h.erp.statusesFor(id("RMA")).slice(-3), ["invoiced", "returning", "returned"]);
		});

		it("order changes: an address change before packing reaches the WMS and the delivery job; a line change once shipped is refused with the reason", async () => {
			assert.equal(h.wms.countsFor(id("CHANGE")).updates, 1, "the WMS took the address change");
			const task = h.lastmile.received().find((r) => r.method === "POST" && r.path === "/api/v2/tasks" && JSON.stringify(r.body).includes(id("CHANGE")));
			assert.match(JSON.stringify(task?.body), new RegExp(NEW_ADDRESS.line1));
			assert.equal(erpKinds("CHANGE", "change-refusal").length, 0);
			const refusals = erpKinds("LATECHANGE", "change-refusal").map((r) => r.body as { fields: string[]; reason: string });
			assert.equal(refusals.length, 1, "the late line change was refused once");
			assert.deepEqual(refusals[0]!.fields, ["lines"]);
			assert.match(refusals[0]!.reason, /already (packed|manifested|dispatched|out)/);
			assert.equal(h.erp.invoicesFor(id("LATECHANGE")), 1);
		});

		it("SLA clocks: an express order held by a blocked wave is flagged at risk, then breached, with a case", async () => {
			const ledger = await ledgerTypes(h, id("SLA"));
			assert.deepEqual([ledger["waybill.sla.at-risk"], ledger["waybill.sla.breached"]], [1, 1]);
			const cases = await h.client.call<Array<{ kind: string }>, Record<string, string>>("saga.exceptions", { orderId: id("SLA"), kind: "sla-breach", status: "all" });
			assert.equal(cases.length, 1);
			assert.deepEqual([h.lastmileRapid.tasksFor(id("SLA")), h.lastmile.tasksFor(id("SLA"))], [1, 0], "express is routed to the second courier");
			for (const flow of ["SHORT", "RETRY", "RMA"] as const) assert.equal((await ledgerTypes(h, id(flow)))["waybill.sla.breached"], undefined, `${flow} met its SLA`);
		});

		it("sends no command twice, although every webhook arrived twice", async () => {
			const expected: Array<[Flow, number, number, number]> = [["SHORT", 1, 1, 1], ["SPLIT", 2, 2, 1], ["RETRY", 1, 1, 1], ["RTW", 1, 1, 0], ["RMA", 1, 1, 1], ["CANCEL", 1, 0, 0]];
			for (const [flow, fulfillmentOrders, deliveryJobs, invoices] of expected) {
				const ledger = await ledgerTypes(h, id(flow));
				const counts = ["wms.fulfillment-order.create", "lastmile.delivery-job.create", "erp.invoice.post"].map((t) => ledger[t] ?? 0);
				assert.deepEqual(counts, [fulfillmentOrders, deliveryJobs, invoices], flow);
			}
			for (const [orderId, n] of Object.entries(h.erp.stats().invoicesByOrder)) assert.equal(n, 1, orderId);
		});
	});
}
