import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ERP_COMMANDS, LASTMILE_COMMANDS, ORDER_STATUS as S, WAYBILL_FACTS, WMS_COMMANDS } from "../../canonical/index.ts";
import { SHIP_TO, at, salesOrder } from "../helpers/fixtures.ts";
import { ALL, DJ1, DJ2, E, FO1, FO2, L, M, ORDER_ID, W, policies, priced } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, caseTimer, cmds, column, dataOf, opened, statusCmd, toOutForDelivery } from "../helpers/saga-flow-run.ts";

describe("failed delivery", () => {
	const RTW = `RTW-${DJ1}`;

	test("a first failed attempt: status delivery_failed, a CS case and alert, invoicing paused, a re-attempt scheduled", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const failed = M.failed(DJ1, "task_1", "no one home", 330);
		const r = o.apply(failed);
		assert.deepEqual(cmds(r), [
			[ERP_COMMANDS.RAISE_CS_CASE, `cs-case:${DJ1}:1`, undefined],
			[ERP_COMMANDS.PAUSE_INVOICING, "invoicing-paused:1", undefined],
			[LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, `reattempt:${DJ1}:2`, "onfleet"],
			statusCmd(S.DELIVERY_FAILED),
		]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, kind: "delivery-failed", reason: "attempt 1: no one home" },
			{ orderId: ORDER_ID, reason: "delivery failed" },
			{ orderId: ORDER_ID, deliveryJobId: DJ1, partnerRef: "task_1", window: salesOrder(ORDER_ID).requestedWindow, attempt: 2 },
			{ orderId: ORDER_ID, status: S.DELIVERY_FAILED, at: at(330), detail: "attempt 1 failed: no one home" },
		]);
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.CS_CASE_ALERTED, key: `cs-alert:${DJ1}:1`, data: { orderId: ORDER_ID, reason: "attempt 1: no one home" } }]);
		assert.deepEqual(r.cases, [opened("delivery-failed", failed, { owner: "customer-service", severity: "warning", partner: "onfleet", summary: "delivery attempt 1 failed: no one home" })]);
		assert.deepEqual(r.timers, [caseTimer("delivery-failed", failed)]);
		assert.deepEqual(r.statusChange, { from: S.OUT_FOR_DELIVERY, to: S.DELIVERY_FAILED });
		assert.equal(o.saga.invoicingPaused, true);
		assert.equal(o.saga.steps["invoicing-paused:1"]!.at, at(330));
		assert.deepEqual(o.saga.deliveries[DJ1]!.failures, [{ at: at(330), reason: "no one home" }]);
		assert.equal(o.saga.deliveries[DJ1]!.attempt, 2);
	});

	test("the same attempt.failed twice: redelivered or sent again, before or after the re-attempt is accepted, it changes nothing", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const failed = M.failed(DJ1, "task_1", "no one home", 330);
		o.apply(failed);
		assert.equal(o.maybe(failed), null);
		assertNothingNew(o.apply(M.failed(DJ1, "task_1", "no one home", 330, "onfleet:taskFailed:again")));
		assert.equal(o.saga.status, S.DELIVERY_FAILED);
		assert.deepEqual(o.saga.returns, {}, "no return for a failure reported twice");
		o.apply(M.jobAccepted(DJ1, "task_2", 600));
		assertNothingNew(o.apply(M.failed(DJ1, "task_1", "no one home", 331, "onfleet:taskFailed:third")));
		assert.equal(o.saga.status, S.REATTEMPT);
		assert.deepEqual(o.saga.deliveries[DJ1]!.failures, [{ at: at(330), reason: "no one home" }]);
	});

	test("a re-attempt, then a second failure: the parcel comes back to the warehouse, is credited, and the order is returned", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.apply(M.failed(DJ1, "task_1", "no one home", 330));
		const accepted = o.apply(M.jobAccepted(DJ1, "task_2", 600));
		assert.deepEqual(cmds(accepted), [statusCmd(S.REATTEMPT)]);
		assert.deepEqual(accepted.commands[0]!.data, { orderId: ORDER_ID, status: S.REATTEMPT, at: at(600), detail: "re-attempt 2 scheduled" });
		assert.equal(o.saga.steps[`delivery:${DJ1}`]!.compensation?.data && (o.saga.steps[`delivery:${DJ1}`]!.compensation!.data as { partnerRef: string }).partnerRef, "task_2");
		assert.deepEqual(cmds(o.apply(M.dispatched(DJ1, "task_2", 1500))), [statusCmd(S.DISPATCHED, 2)]);
		assert.deepEqual(cmds(o.apply(M.out(DJ1, "task_2", 1510))), [statusCmd(S.OUT_FOR_DELIVERY, 2)]);

		const second = o.apply(M.failed(DJ1, "task_2", "refused", 1530));
		assert.deepEqual(cmds(second), [
			[ERP_COMMANDS.RAISE_CS_CASE, `cs-case:${DJ1}:2`, undefined],
			[WMS_COMMANDS.EXPECT_RETURN, `return-expected:${RTW}`, "acme-3pl"],
			[LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, `return-pickup:${RTW}`, "onfleet"],
			statusCmd(S.DELIVERY_FAILED, 2),
		]);
		const returnOrder = { rma: RTW, orderId: ORDER_ID, reason: "undeliverable: 2 attempts failed", pickupFrom: SHIP_TO, warehouse: "WH1", lines: ALL };
		assert.deepEqual(dataOf(second, WMS_COMMANDS.EXPECT_RETURN), [returnOrder]);
		assert.deepEqual(dataOf(second, LASTMILE_COMMANDS.CREATE_RETURN_PICKUP), [returnOrder]);
		assert.deepEqual(second.facts, [{ type: WAYBILL_FACTS.CS_CASE_ALERTED, key: `cs-alert:${DJ1}:2`, data: { orderId: ORDER_ID, reason: "attempt 2: refused" } }]);
		assert.deepEqual(second.cases, [], "the delivery-failed case is still open");
		assert.equal(o.saga.deliveries[DJ1]!.state, "returning");
		assertNothingNew(o.apply(M.failed(DJ1, "task_2", "refused", 1530, "onfleet:taskFailed:2:again")));

		const pickup = o.apply(M.pickupAccepted(RTW, "task_r1", 1600));
		assert.deepEqual(cmds(pickup), [statusCmd(S.RETURNING)]);
		assert.deepEqual(pickup.commands[0]!.data, { orderId: ORDER_ID, status: S.RETURNING, at: at(1600), detail: `return ${RTW}: undeliverable: 2 attempts failed` });

		const received = o.apply(W.returnReceived(RTW, ALL, 2000));
		assert.deepEqual(cmds(received), [[ERP_COMMANDS.POST_CREDIT_NOTE, `credit:${RTW}`, undefined]]);
		assert.deepEqual(received.commands[0]!.data, { kind: "credit-note", orderId: ORDER_ID, currency: "EUR", lines: priced(ALL), total: 139.97, at: at(2000), rma: RTW });
		assert.deepEqual(received.cases.map((c) => [c.action, c.kind]), [["resolve", "delivery-failed"]]);
		assert.deepEqual(column(o, "returned"), [2, 3, 1]);

		const credited = o.apply(E.creditPosted(RTW, ALL, 139.97, 2100));
		assert.deepEqual(cmds(credited), [statusCmd(S.RETURNED)]);
		assert.equal(o.saga.status, S.RETURNED);
		assert.equal(o.saga.returns[RTW]!.state, "credited");
		assert.equal(o.commands().filter((c) => c.type === ERP_COMMANDS.POST_INVOICE).length, 0, "an undelivered order is never invoiced");
	});

	test("a delivery after a failure lifts the invoicing hold before the invoice is posted", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.apply(M.failed(DJ1, "task_1", "no one home", 330));
		o.all(M.jobAccepted(DJ1, "task_2", 600), M.out(DJ1, "task_2", 1510));
		const delivered = o.apply(M.delivered(DJ1, "task_2", 1540));
		assert.deepEqual(cmds(delivered), [[ERP_COMMANDS.RESUME_INVOICING, "invoicing-resumed:1", undefined], [ERP_COMMANDS.POST_INVOICE, "invoice:1", undefined], statusCmd(S.DELIVERED)]);
		assert.deepEqual(delivered.commands[0]!.data, { orderId: ORDER_ID, reason: "delivered after all" });
		assert.deepEqual(delivered.cases.map((c) => [c.action, c.kind, c.summary]), [["resolve", "delivery-failed", "delivered on attempt 2"]]);
		assert.equal(o.saga.invoicingPaused, false);
		assertNothingNew(o.apply(M.failed(DJ1, "task_2", "no one home", 1545)), /already recorded/);
		assert.equal(o.saga.status, S.DELIVERED);
	});

	test("delivered before out-for-delivery on the re-attempt: the late out-for-delivery cannot move the order back", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.all(M.failed(DJ1, "task_1", "no one home", 330), M.jobAccepted(DJ1, "task_2", 600));
		o.apply(M.delivered(DJ1, "task_2", 1540));
		assertNothingNew(o.apply(M.out(DJ1, "task_2", 1510)), /late/);
		assert.equal(o.saga.status, S.DELIVERED);
	});

	test("the re-attempt window closed: the next failure goes straight to a return, even with attempts left", () => {
		const o = new OrderRun(policies({ maxAttempts: 3 }));
		toOutForDelivery(o);
		o.all(M.failed(DJ1, "task_1", "no one home", 330), M.jobAccepted(DJ1, "task_2", 600), M.out(DJ1, "task_2", 4300));
		const late = o.apply(M.failed(DJ1, "task_2", "no one home", 330 + 3 * 24 * 60));
		assert.deepEqual(cmds(late), [
			[ERP_COMMANDS.RAISE_CS_CASE, `cs-case:${DJ1}:2`, undefined],
			[WMS_COMMANDS.EXPECT_RETURN, `return-expected:${RTW}`, "acme-3pl"],
			[LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, `return-pickup:${RTW}`, "onfleet"],
			statusCmd(S.DELIVERY_FAILED, 2),
		]);
		assert.equal((late.commands[1]!.data as { reason: string }).reason, "undeliverable: the re-attempt window closed");
	});

	test("the return goes to the WMS of the warehouse that shipped the parcel", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 3, 3: 0 }, 10), W.accepted(FO2, 11));
		o.all(W.manifested(FO2, "shp_2", [L(3, 1)], 95), M.jobAccepted(DJ2, "task_2", 97), M.out(DJ2, "task_2", 310));
		o.apply(M.failed(DJ2, "task_2", "address not found", 330));
		o.all(M.jobAccepted(DJ2, "task_3", 600), M.out(DJ2, "task_3", 1510));
		const r = o.apply(M.failed(DJ2, "task_3", "address not found", 1530));
		assert.deepEqual(r.commands.filter((c) => c.type === WMS_COMMANDS.EXPECT_RETURN).map((c) => [c.partner, (c.data as { warehouse: string }).warehouse]), [["edi-3pl", "WH2"]]);
	});
});
