import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ERP_COMMANDS, ORDER_STATUS as S, WAYBILL_FACTS } from "../../canonical/index.ts";
import { caseIdFor } from "../../services/saga/flows/flow-kit.ts";
import { at } from "../helpers/fixtures.ts";
import { ALL, FO1, L, ORDER_ID, W } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, caseTimer, cmds, column, opened, statusCmd, toAllocated, toPacked } from "../helpers/saga-flow-run.ts";

describe("warehouse exceptions", () => {
	test("damaged stock is a shortfall: backordered per line, status short, a warehouse case and a short-pick case", () => {
		const o = new OrderRun();
		toAllocated(o);
		const damaged = W.exception("damaged-stock", "pallet dropped", 20, [L(3, 1)]);
		const r = o.apply(damaged);
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, lines: [L(3, 1)], policy: "backorder" });
		assert.deepEqual(r.cases, [
			opened("warehouse-exception", damaged, { owner: "warehouse-ops", severity: "warning", partner: "acme-3pl", summary: "WH1: damaged-stock: pallet dropped" }),
			opened("short-pick", damaged, { owner: "inventory-control", severity: "warning", partner: "acme-3pl", summary: "line 3 (SKU-C) 1 unit lost to damaged-stock at acme-3pl: backordered; the rest ships" }),
		]);
		assert.deepEqual(r.timers, [caseTimer("warehouse-exception", damaged), caseTimer("short-pick", damaged)]);
		assert.deepEqual(column(o, "backordered"), [0, 0, 1]);
		assert.equal(o.maybe(damaged), null);
	});

	test("a carrier no-show puts the dispatch SLA at risk now, once", () => {
		const o = new OrderRun();
		toPacked(o);
		const noShow = W.exception("carrier-no-show", "carrier did not collect", 120);
		const r = o.apply(noShow);
		assert.deepEqual(cmds(r), []);
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_AT_RISK, key: "sla-at-risk:order-to-dispatch", data: { orderId: ORDER_ID, sla: "order-to-dispatch", dueAt: at(240), at: at(120) } }]);
		assert.deepEqual(r.cases, [opened("warehouse-exception", noShow, { owner: "transport-ops", severity: "warning", partner: "acme-3pl", summary: "WH1: carrier-no-show: carrier did not collect" })]);
		assert.equal(r.statusChange, undefined);
		assertNothingNew(o.apply(W.exception("carrier-no-show", "carrier did not collect", 121, undefined, "wms:no-show:again")));
	});

	test("a hold only opens a case, which the shipment resolves", () => {
		const o = new OrderRun();
		toAllocated(o);
		const hold = W.exception("wave-blocked", "wave 12 blocked by a system fault", 20);
		const r = o.apply(hold);
		assert.deepEqual({ commands: r.commands, facts: r.facts, statusChange: r.statusChange }, { commands: [], facts: [], statusChange: undefined });
		assert.deepEqual(r.cases, [opened("warehouse-exception", hold, { owner: "warehouse-ops", severity: "info", partner: "acme-3pl", summary: "WH1: wave-blocked: wave 12 blocked by a system fault" })]);
		o.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50));
		const shipped = o.apply(W.manifested(FO1, "shp_1", ALL, 90));
		assert.deepEqual(shipped.cases, [{ action: "resolve", caseId: caseIdFor(ORDER_ID, "warehouse-exception", hold.id), kind: "warehouse-exception", summary: "the warehouse shipped shp_1" }]);
	});
});
