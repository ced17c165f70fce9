import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ERP_COMMANDS, LASTMILE_COMMANDS, ORDER_STATUS as S, WMS_COMMANDS } from "../../canonical/index.ts";
import { SHIP_TO, at } from "../helpers/fixtures.ts";
import { E, L, M, ORDER_ID, W, priced } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, cmds, column, statusCmd, toInvoiced, toOutForDelivery } from "../helpers/saga-flow-run.ts";

describe("returns", () => {
	test("an RMA after invoicing: pickup and expected receipt, then receipt, credit note and the order returned", () => {
		const o = new OrderRun();
		toInvoiced(o);
		const rma = E.rma("RMA-1", [L(1, 1)], 500);
		const r = o.apply(rma);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.EXPECT_RETURN, "return-expected:RMA-1", "acme-3pl"], [LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, "return-pickup:RMA-1", "onfleet"]]);
		const returnOrder = { rma: "RMA-1", orderId: ORDER_ID, reason: "damaged in transit", pickupFrom: SHIP_TO, warehouse: "WH1", lines: [L(1, 1)] };
		assert.deepEqual(r.commands.map((c) => c.data), [returnOrder, returnOrder]);
		assert.equal(o.maybe(rma), null);
		assertNothingNew(o.apply(E.rma("RMA-1", [L(1, 1)], 501, "erp:rma:again")), /already under way/);

		assert.deepEqual(cmds(o.apply(M.pickupAccepted("RMA-1", "task_r1", 600))), [statusCmd(S.RETURNING)]);
		const received = W.returnReceived("RMA-1", [L(1, 1)], 900);
		const credit = o.apply(received);
		assert.deepEqual(cmds(credit), [[ERP_COMMANDS.POST_CREDIT_NOTE, "credit:RMA-1", undefined]]);
		assert.deepEqual(credit.commands[0]!.data, { kind: "credit-note", orderId: ORDER_ID, currency: "EUR", lines: priced([L(1, 1)]), total: 12.5, at: at(900), rma: "RMA-1" });
		assert.equal(o.maybe(received), null);
		assertNothingNew(o.apply(W.returnReceived("RMA-1", [L(1, 1)], 901, "wms:received:again")), /already received/);
		assert.deepEqual(column(o, "returned"), [1, 0, 0]);

		const posted = E.creditPosted("RMA-1", [L(1, 1)], 12.5, 1000);
		assert.deepEqual(cmds(o.apply(posted)), [statusCmd(S.RETURNED)]);
		assertNothingNew(o.apply(E.creditPosted("RMA-1", [L(1, 1)], 12.5, 1001, "erp:credit:again")), /already recorded/);
		assert.equal(o.saga.status, S.RETURNED);
		assert.deepEqual(o.saga.credits, [{ documentId: "CN-RMA-1", rma: "RMA-1", total: 12.5, postedAt: at(1000) }]);
		assert.equal(o.saga.returns["RMA-1"]!.state, "credited");
	});

	test("the receipt before the pickup's acceptance: the order still ends returned, and the late acceptance cannot move it back", () => {
		const o = new OrderRun();
		toInvoiced(o);
		o.apply(E.rma("RMA-1", [L(1, 1)], 500));
		o.apply(W.returnReceived("RMA-1", [L(1, 1)], 900));
		o.apply(E.creditPosted("RMA-1", [L(1, 1)], 12.5, 1000));
		assert.equal(o.saga.status, S.RETURNED);
		assertNothingNew(o.apply(M.pickupAccepted("RMA-1", "task_r1", 600)));
		assert.equal(o.saga.status, S.RETURNED);
	});

	test("an RMA before delivery is refused to the ERP", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const r = o.apply(E.rma("RMA-1", [L(1, 1)], 320));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-return:RMA-1", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "RMA-1", fields: ["return"], reason: "order is out_for_delivery, not delivered: cancel it instead of returning it" });
		assert.deepEqual(o.saga.returns, {});
	});
});
