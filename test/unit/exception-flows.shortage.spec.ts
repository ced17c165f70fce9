import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ERP_COMMANDS, LASTMILE_COMMANDS, ORDER_STATUS as S, WMS_COMMANDS } from "../../canonical/index.ts";
import { caseIdFor } from "../../services/saga/flows/flow-kit.ts";
import { reconciled } from "../../services/saga/line-reconciliation.ts";
import { SHIP_TO, at } from "../helpers/fixtures.ts";
import { ALL, DJ1, DJ2, E, FO1, FO2, L, M, ORDER_ID, W, clock, policies, priced } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, caseTimer, cmds, column, dataOf, opened, statusCmd, toAllocated } from "../helpers/saga-flow-run.ts";

describe("allocation short", () => {
	test("with re-allocation, the missing quantity goes to WH2 as a second fulfillment order for edi-3pl", () => {
		const o = new OrderRun();
		o.apply(W.accepted(FO1, 1));
		const short = W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10);
		const r = o.apply(short);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO2}`, "edi-3pl"], statusCmd(S.ALLOCATED)]);
		assert.deepEqual(dataOf(r, WMS_COMMANDS.CREATE_FULFILLMENT_ORDER), [{
			fulfillmentOrderId: FO2, orderId: ORDER_ID, warehouse: "WH2", partner: "edi-3pl", shipTo: SHIP_TO, serviceLevel: "standard", lines: [L(2, 2), L(3, 1)],
		}]);
		const summary = "WH1 could allocate only part of the order; line 2 (SKU-B) 2 units, line 3 (SKU-C) 1 unit split to WH2";
		assert.deepEqual(r.cases, [opened("allocation-short", short, { owner: "inventory-control", severity: "info", partner: "acme-3pl", summary })]);
		assert.deepEqual(r.timers, [caseTimer("allocation-short", short)]);
		assert.deepEqual(r.facts, []);
		assert.deepEqual(r.statusChange, { from: S.RELEASED, to: S.ALLOCATED });
		assert.deepEqual(o.saga.fulfillments[FO1]!.lines, [L(1, 2), L(2, 1)]);
		assert.equal(o.saga.fulfillments[FO2]!.state, "requested");
		assert.deepEqual(column(o, "allocated"), [2, 1, 0]);
		assert.deepEqual(column(o, "backordered"), [0, 0, 0]);

		assert.equal(o.maybe(short), null, "the same allocation.short delivered twice changes nothing");
	});

	test("a short pick that overtook its allocation is held, then judged against it: the rest is split off, not backordered", () => {
		const o = new OrderRun();
		o.apply(W.accepted(FO1, 1));
		const pick = W.picked(FO1, ALL, 30, { 2: 1, 3: 0 });
		const held = o.apply(pick);
		assert.deepEqual([cmds(held), held.statusChange, held.cases], [[], undefined, []]);
		assert.deepEqual(held.timers.map((t) => t.clock), [`held:${pick.id}`]);
		assert.match(o.saga.timeline.at(-1)!.note ?? "", /held until the allocation arrives/);
		assert.equal(o.maybe(pick), null, "the held pick delivered again changes nothing");
		const allocation = o.apply(W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10));
		assert.deepEqual(cmds(allocation), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO2}`, "edi-3pl"], statusCmd(S.ALLOCATED), statusCmd(S.PICKED)]);
		assert.deepEqual(allocation.statusChanges.map((c) => [c.from, c.to, c.cause]), [[S.RELEASED, S.ALLOCATED, "wms.allocation.short"], [S.ALLOCATED, S.PICKED, "wms.pick.confirmed"]]);
		assert.deepEqual([column(o, "picked"), column(o, "backordered")], [[2, 1, 0], [0, 0, 0]]);
		assert.deepEqual(o.saga.parked, []);
		assertNothingNew(o.apply(clock(`held:${pick.id}`, 40)), /already applied/);
	});

	test("a held pick whose allocation never comes is judged when its clock runs out", () => {
		const o = new OrderRun();
		o.apply(W.accepted(FO1, 1));
		const pick = W.picked(FO1, ALL, 30, { 3: 0 });
		o.apply(pick);
		const released = o.apply(clock(`held:${pick.id}`, 31));
		assert.deepEqual(cmds(released), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(column(o, "backordered"), [0, 0, 1]);
	});

	test("a split that both warehouses ship and deliver reconciles: one invoice for the sum, the case resolved at invoice", () => {
		const o = new OrderRun();
		o.apply(W.accepted(FO1, 1));
		const short = W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10);
		o.apply(short);
		o.all(W.accepted(FO2, 11), W.allocated(FO2, [L(2, 2), L(3, 1)], 20));
		o.all(W.picked(FO1, [L(1, 2), L(2, 1)], 30), W.picked(FO2, [L(2, 2), L(3, 1)], 35), W.packed(FO1, 50), W.packed(FO2, 55));
		const first = o.apply(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90));
		const second = o.apply(W.manifested(FO2, "shp_2", [L(2, 2), L(3, 1)], 95));
		assert.deepEqual(cmds(first), [
			[ERP_COMMANDS.CONFIRM_SHIPMENT, "shipment-confirmation:shp_1", undefined], [LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, `delivery:${DJ1}`, "onfleet"], statusCmd(S.MANIFESTED),
		]);
		assert.deepEqual(cmds(second), [[ERP_COMMANDS.CONFIRM_SHIPMENT, "shipment-confirmation:shp_2", undefined], [LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, `delivery:${DJ2}`, "onfleet"]]);
		o.all(M.jobAccepted(DJ1, "task_1", 96), M.jobAccepted(DJ2, "task_2", 97), M.dispatched(DJ1, "task_1", 300), M.dispatched(DJ2, "task_2", 305));
		o.all(M.out(DJ1, "task_1", 310), M.out(DJ2, "task_2", 315));
		assertNothingNew(o.apply(M.delivered(DJ1, "task_1", 340)), /waiting for the order's other shipments/);
		assert.equal(o.saga.status, S.OUT_FOR_DELIVERY);
		const delivered = o.apply(M.delivered(DJ2, "task_2", 350));
		assert.deepEqual(cmds(delivered), [[ERP_COMMANDS.POST_INVOICE, "invoice:1", undefined], statusCmd(S.DELIVERED)]);
		assert.deepEqual(dataOf(delivered, ERP_COMMANDS.POST_INVOICE), [{ kind: "invoice", orderId: ORDER_ID, currency: "EUR", lines: priced(ALL), total: 139.97, at: at(350) }]);
		const invoiced = o.apply(E.invoicePosted(ALL, 139.97, 400));
		assert.deepEqual(invoiced.cases, [{ action: "resolve", caseId: caseIdFor(ORDER_ID, "allocation-short", short.id), kind: "allocation-short", summary: "reconciled across warehouses" }]);
		assert.equal(o.saga.status, S.INVOICED);
		assert.equal(o.commands().filter((c) => c.type === ERP_COMMANDS.POST_INVOICE).length, 1);
		assert.deepEqual(o.commands().filter((c) => c.type === WMS_COMMANDS.CREATE_FULFILLMENT_ORDER).map((c) => [c.step, c.partner]), [[`fulfillment:${FO1}`, "acme-3pl"], [`fulfillment:${FO2}`, "edi-3pl"]]);
		assert.deepEqual(column(o, "allocated"), [2, 3, 1]);
		assert.deepEqual(column(o, "picked"), [2, 3, 1]);
		assert.deepEqual(column(o, "shipped"), [2, 3, 1]);
		assert.deepEqual(column(o, "delivered"), [2, 3, 1]);
		assert.deepEqual(column(o, "invoiced"), [2, 3, 1]);
		assert.ok(reconciled(o.saga));
	});

	test("a split whose second shipment is delivered first invoices once, when the last one is delivered", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10), W.accepted(FO2, 11));
		o.all(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90), W.manifested(FO2, "shp_2", [L(2, 2), L(3, 1)], 95));
		o.all(M.jobAccepted(DJ1, "task_1", 96), M.jobAccepted(DJ2, "task_2", 97));
		const early = M.delivered(DJ2, "task_2", 350);
		assertNothingNew(o.apply(early));
		assert.equal(o.maybe(early), null);
		const last = o.apply(M.delivered(DJ1, "task_1", 360));
		assert.deepEqual(cmds(last), [[ERP_COMMANDS.POST_INVOICE, "invoice:1", undefined], statusCmd(S.DELIVERED)]);
		assertNothingNew(o.apply(M.out(DJ1, "task_1", 310)), /late/);
		assert.equal(o.saga.status, S.DELIVERED);
	});

	test("without re-allocation, each short line is backordered and the ERP told per line; the order is short", () => {
		const o = new OrderRun(policies({ shortage: { action: "backorder", reallocate: false } }));
		o.apply(W.accepted(FO1, 1));
		const short = W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10);
		const r = o.apply(short);
		const summary = "line 2 (SKU-B) 2 units, line 3 (SKU-C) 1 unit could not be allocated at acme-3pl: backordered; the rest ships";
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, lines: [L(2, 2), L(3, 1)], policy: "backorder" },
			{ orderId: ORDER_ID, status: S.SHORT, at: at(10), detail: summary },
		]);
		assert.deepEqual(r.cases, [opened("allocation-short", short, { owner: "inventory-control", severity: "warning", partner: "acme-3pl", summary })]);
		assert.equal(o.saga.status, S.SHORT);
		assert.deepEqual(column(o, "backordered"), [0, 2, 1]);
		assert.deepEqual(Object.keys(o.saga.fulfillments), [FO1], "no second warehouse asked");
		assert.equal(o.maybe(short), null);

		o.all(W.picked(FO1, [L(1, 2), L(2, 1)], 30), W.packed(FO1, 50), W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90), M.jobAccepted(DJ1, "task_1", 91));
		const delivered = o.apply(M.delivered(DJ1, "task_1", 340));
		assert.deepEqual(dataOf(delivered, ERP_COMMANDS.POST_INVOICE), [{ kind: "invoice", orderId: ORDER_ID, currency: "EUR", lines: priced([L(1, 2), L(2, 1)]), total: 29.99, at: at(340) }]);
		o.apply(E.invoicePosted([L(1, 2), L(2, 1)], 29.99, 400));
		assert.equal(o.saga.status, S.INVOICED);
		assert.ok(reconciled(o.saga));
	});
});

describe("short pick", () => {
	test("backorder policy: the ERP is told per line, only what shipped is invoiced, the case resolves at invoice", () => {
		const o = new OrderRun();
		toAllocated(o);
		const pick = W.picked(FO1, ALL, 30, { 2: 1, 3: 0 });
		const r = o.apply(pick);
		const summary = "line 2 (SKU-B) 2 units, line 3 (SKU-C) 1 unit short picked at acme-3pl: backordered; the rest ships";
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, lines: [L(2, 2), L(3, 1)], policy: "backorder" });
		assert.deepEqual(r.cases, [opened("short-pick", pick, { owner: "inventory-control", severity: "warning", partner: "acme-3pl", summary })]);
		assert.deepEqual(r.timers, [caseTimer("short-pick", pick)]);
		assert.deepEqual(r.statusChange, { from: S.ALLOCATED, to: S.SHORT });
		assert.deepEqual(column(o, "picked"), [2, 1, 0]);
		assert.deepEqual(column(o, "backordered"), [0, 2, 1]);
		assert.equal(o.maybe(pick), null, "the same pick confirmation delivered twice changes nothing");

		assert.deepEqual(cmds(o.apply(W.packed(FO1, 50))), [statusCmd(S.PACKED)], "a short order goes on along the chain");
		o.all(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90), M.jobAccepted(DJ1, "task_1", 91), M.out(DJ1, "task_1", 310));
		const delivered = o.apply(M.delivered(DJ1, "task_1", 340));
		assert.deepEqual(dataOf(delivered, ERP_COMMANDS.POST_INVOICE), [{ kind: "invoice", orderId: ORDER_ID, currency: "EUR", lines: priced([L(1, 2), L(2, 1)]), total: 29.99, at: at(340) }]);
		const invoiced = o.apply(E.invoicePosted([L(1, 2), L(2, 1)], 29.99, 400));
		assert.deepEqual(invoiced.cases, [{
			action: "resolve", caseId: caseIdFor(ORDER_ID, "short-pick", pick.id), kind: "short-pick", summary: "reconciled: what shipped was invoiced, the rest was backordered or cancelled",
		}]);
		assert.equal(o.saga.status, S.INVOICED);
		assert.deepEqual(o.saga.cases.map((c) => [c.kind, c.resolvedAt]), [["short-pick", at(400)]]);
		assert.ok(reconciled(o.saga));
	});

	test("cancel policy: the short quantities are cancelled at the ERP, per line", () => {
		const o = new OrderRun(policies({ shortage: { action: "cancel", reallocate: true } }));
		toAllocated(o);
		const r = o.apply(W.picked(FO1, ALL, 30, { 2: 1 }));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, lines: [L(2, 2)], policy: "cancel" },
			{ orderId: ORDER_ID, status: S.SHORT, at: at(30), detail: "line 2 (SKU-B) 2 units short picked at acme-3pl: cancelled; the rest ships" },
		]);
		assert.deepEqual(column(o, "cancelled"), [0, 2, 0]);
		assert.deepEqual(column(o, "backordered"), [0, 0, 0]);
	});

	test("nothing picked at all under the cancel policy: nothing is left to ship and the order is cancelled", () => {
		const o = new OrderRun(policies({ shortage: { action: "cancel", reallocate: true } }));
		toAllocated(o);
		const r = o.apply(W.picked(FO1, ALL, 30, { 1: 0, 2: 0, 3: 0 }));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.CANCELLED)]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, lines: ALL, policy: "cancel" });
		assert.equal(o.saga.fulfillments[FO1]!.state, "cancelled");
	});

	test("a short pick reported after the pack still tells the ERP per line, without moving the status back", () => {
		const o = new OrderRun();
		toAllocated(o);
		o.apply(W.packed(FO1, 50));
		const r = o.apply(W.picked(FO1, ALL, 30, { 3: 0 }));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined]]);
		assert.equal(r.statusChange, undefined);
		assert.equal(o.saga.status, S.PACKED);
		assert.deepEqual(column(o, "backordered"), [0, 0, 1]);
	});
});
