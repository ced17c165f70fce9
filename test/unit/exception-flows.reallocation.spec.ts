import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ORDER_STATUS as S, WMS_COMMANDS } from "../../canonical/index.ts";
import { caseIdFor } from "../../services/saga/flows/flow-kit.ts";
import { SHIP_TO } from "../helpers/fixtures.ts";
import { ALL, FO1, FO2, ORDER_ID, W, policies, reallocation } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, caseTimer, cmds, opened, stateOf, toAllocated } from "../helpers/saga-flow-run.ts";

describe("inventory discrepancy", () => {
	test("a broken reservation cancels the fulfillment order at WH1 with the reason, then re-allocates to WH2 once the WMS confirms", () => {
		const o = new OrderRun();
		toAllocated(o);
		const broken = reallocation("WH1", "SKU-B", "cycle count (-3)", 20);
		const r = o.apply(broken);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, fulfillmentOrderId: FO1, warehouse: "WH1", partnerRef: "wo_1", reason: "re-allocated to WH2: SKU-B at WH1: cycle count (-3)" });
		assert.deepEqual(r.cases, [opened("inventory-discrepancy", broken, { owner: "inventory-control", severity: "info", partner: undefined, summary: "reservation broken (SKU-B at WH1: cycle count (-3)); re-allocating to WH2" })]);
		assert.equal(r.statusChange, undefined);
		assert.equal(o.saga.fulfillments[FO1]!.state, "cancelling");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "compensating");
		assert.equal(o.maybe(broken), null);

		const cancelled = W.cancelled(FO1, 25);
		const moved = o.apply(cancelled);
		assert.deepEqual(cmds(moved), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO2}`, "edi-3pl"]]);
		assert.deepEqual(moved.commands[0]!.data, { fulfillmentOrderId: FO2, orderId: ORDER_ID, warehouse: "WH2", partner: "edi-3pl", shipTo: SHIP_TO, serviceLevel: "standard", lines: ALL });
		assert.deepEqual(moved.cases, [{ action: "resolve", caseId: caseIdFor(ORDER_ID, "inventory-discrepancy", broken.id), kind: "inventory-discrepancy", summary: "re-allocated to WH2" }]);
		assert.equal(o.saga.fulfillments[FO1]!.state, "cancelled");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "compensated");
		assert.equal(o.saga.status, S.ALLOCATED);

		assert.equal(o.maybe(cancelled), null, "wms.fulfillment.cancelled redelivered");
		assertNothingNew(o.apply(W.cancelled(FO1, 26, "wms:cancelled:again")), /already cancelled/);
		assertNothingNew(o.apply(reallocation("WH1", "SKU-B", "cycle count (-1)", 27)), /no open fulfillment order at WH1/);
		assert.equal(o.commands().filter((c) => c.type === WMS_COMMANDS.CREATE_FULFILLMENT_ORDER).length, 2);
	});

	test("a reservation broken before the WMS accepted the order is re-allocated once it does", () => {
		const o = new OrderRun();
		const waiting = o.apply(reallocation("WH1", "SKU-B", "cycle count (-3)", 5));
		assert.deepEqual(cmds(waiting), []);
		assert.equal(waiting.cases.length, 1);
		const accepted = o.apply(W.accepted(FO1, 6));
		assert.deepEqual(cmds(accepted), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.equal((accepted.commands[0]!.data as { partnerRef?: string }).partnerRef, "wo_1");
		assert.deepEqual(cmds(o.apply(W.cancelled(FO1, 8))), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO2}`, "edi-3pl"]]);
	});

	test("with no other warehouse in the routing rule, only an exception case is opened", () => {
		const o = new OrderRun(policies({ warehouses: ["WH1"] }));
		toAllocated(o);
		const broken = reallocation("WH1", "SKU-B", "cycle count (-3)", 20);
		const r = o.apply(broken);
		assert.deepEqual(cmds(r), []);
		assert.deepEqual(r.cases, [opened("inventory-discrepancy", broken, { owner: "inventory-control", severity: "warning", partner: undefined, summary: "reservation broken (SKU-B at WH1: cycle count (-3)); no other warehouse to take it" })]);
		assert.deepEqual(r.timers, [caseTimer("inventory-discrepancy", broken)]);
		assert.equal(o.saga.fulfillments[FO1]!.state, "accepted");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "done");
		assertNothingNew(o.apply(reallocation("WH1", "SKU-B", "cycle count (-4)", 21)));
	});

	test("when the other warehouse already ships part of the order, it gets a second fulfillment order for the re-allocated lines", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 3: 0 }, 10), W.accepted(FO2, 11));
		const r = o.apply(reallocation("WH1", "SKU-A", "damaged in the rack", 20));
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.cases.map((c) => [c.action, c.kind, c.severity]), [["open", "inventory-discrepancy", "info"]]);
		const moved = o.apply(W.cancelled(FO1, 30));
		assert.deepEqual(cmds(moved), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:FO-${ORDER_ID}-WH2-2`, "edi-3pl"]]);
		assert.deepEqual((moved.commands[0]!.data as { lines: unknown[] }).lines, o.saga.fulfillments[FO1]!.lines);
	});
});
