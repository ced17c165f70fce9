import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ERP_COMMANDS, LASTMILE_COMMANDS, ORDER_STATUS as S, WMS_COMMANDS, type Envelope } from "../../canonical/index.ts";
import { SHIP_TO, at } from "../helpers/fixtures.ts";
import { ALL, DJ1, E, FO1, FO2, M, ORDER_ID, W, deadLetter } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, caseTimer, cmds, column, dataOf, opened, stateOf, statusCmd, toDelivered, toDispatched, toManifested, toOutForDelivery } from "../helpers/saga-flow-run.ts";

describe("cancellation", () => {
	const REASON = "customer changed their mind";

	test("before dispatch: the delivery job is cancelled first, the fulfillment order only once the job's cancellation is confirmed", () => {
		const o = new OrderRun();
		toManifested(o);
		const cancel = E.cancelled(REASON, 120);
		const r = o.apply(cancel);
		assert.deepEqual(cmds(r), [[LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, `undo:delivery:${DJ1}`, "onfleet"], statusCmd(S.CANCELLED)]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, deliveryJobId: DJ1, partnerRef: "task_1", reason: `order cancelled: ${REASON}` },
			{ orderId: ORDER_ID, status: S.CANCELLED, at: at(120), detail: REASON },
		]);
		assert.deepEqual(o.saga.compensation, { reason: REASON, startedAt: at(120) });
		assert.equal(stateOf(o, `delivery:${DJ1}`), "compensating");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "done");
		assert.equal(o.maybe(cancel), null);
		assertNothingNew(o.apply(E.cancelled(REASON, 121, "erp:cancelled:again")), /already cancelled/);

		const jobCancelled = M.jobCancelled(DJ1, "task_1", 125);
		assert.deepEqual(cmds(o.apply(jobCancelled)), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.equal(stateOf(o, `delivery:${DJ1}`), "compensated");
		assert.equal(o.maybe(jobCancelled), null);
		assertNothingNew(o.apply(M.jobCancelled(DJ1, "task_1", 126, "onfleet:cancelled:again")));

		const foCancelled = W.cancelled(FO1, 130);
		assertNothingNew(o.apply(foCancelled));
		assertNothingNew(o.apply(W.cancelled(FO1, 131, "wms:cancelled:again")), /already cancelled/);
		assert.equal(o.maybe(foCancelled), null);
		assert.deepEqual(Object.entries(o.saga.steps).map(([k, s]) => [k, s.state]), [
			[`fulfillment:${FO1}`, "compensated"], ["shipment-confirmation:shp_1", "done"], [`delivery:${DJ1}`, "compensated"],
		]);
		assert.equal(o.saga.status, S.CANCELLED);
		assert.deepEqual(o.commands().filter((c) => c.step.startsWith("undo:")).map((c) => c.step), [`undo:delivery:${DJ1}`, `undo:fulfillment:${FO1}`]);
	});

	test("a step still waiting for its partner's answer is compensated once it is done", () => {
		const o = new OrderRun();
		toManifested(o, false);
		assert.deepEqual(cmds(o.apply(E.cancelled(REASON, 120))), [statusCmd(S.CANCELLED)], "nothing to cancel yet: the job has no reference");
		const accepted = o.apply(M.jobAccepted(DJ1, "task_1", 121));
		assert.deepEqual(cmds(accepted), [[LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, `undo:delivery:${DJ1}`, "onfleet"]]);
		assert.equal((accepted.commands[0]!.data as { partnerRef: string }).partnerRef, "task_1");
		assert.deepEqual(cmds(o.apply(M.jobCancelled(DJ1, "task_1", 125))), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
	});

	test("cancelled before the WMS accepted: the fulfillment order is cancelled with its reference when it does; every line is cancelled", () => {
		const o = new OrderRun();
		assert.deepEqual(cmds(o.apply(E.cancelled(REASON, 0.5))), [statusCmd(S.CANCELLED)]);
		assert.deepEqual(column(o, "cancelled"), [2, 3, 1]);
		const accepted = o.apply(W.accepted(FO1, 1));
		assert.deepEqual(cmds(accepted), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.equal((accepted.commands[0]!.data as { partnerRef: string }).partnerRef, "wo_1");
		assertNothingNew(o.apply(W.allocated(FO1, ALL, 2)));
		assert.equal(o.saga.status, S.CANCELLED, "late warehouse progress cannot revive a cancelled order");
	});

	test("a dead-lettered compensation opens a compensation-failed case and the unwinding goes on", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10), W.accepted(FO2, 11));
		const cancel = o.apply(E.cancelled(REASON, 20));
		assert.deepEqual(cmds(cancel), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO2}`, "edi-3pl"], statusCmd(S.CANCELLED)]);

		const letter = deadLetter(cancel.commands[0]!, "order already released to the floor", 30);
		const data = letter.data as { channel: string; message: Envelope };
		assert.equal(data.channel, "commands-wms");
		assert.equal(data.message.idempotencykey, `${ORDER_ID}:undo:fulfillment:${FO2}:1`);
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		const summary = `compensation failed: could not undo fulfillment:${FO2}: edi-3pl refused wms.fulfillment-order.cancel: order already released to the floor`;
		assert.deepEqual(r.cases, [opened("compensation-failed", letter, { owner: "integration-ops", severity: "critical", summary })]);
		assert.deepEqual(r.timers, [caseTimer("compensation-failed", letter)]);
		assert.equal(stateOf(o, `fulfillment:${FO2}`), "compensation-failed");
		assert.equal(o.saga.steps[`fulfillment:${FO2}`]!.error, "edi-3pl refused wms.fulfillment-order.cancel: order already released to the floor");
		assert.equal(o.maybe(letter), null);
		assertNothingNew(o.apply(deadLetter(cancel.commands[0]!, "order already released to the floor", 31, "dlq:again")));

		assertNothingNew(o.apply(W.cancelled(FO1, 40)));
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "compensated");
	});

	test("a dead-lettered delivery job cancellation is escalated and the fulfillment order is still cancelled", () => {
		const o = new OrderRun();
		toManifested(o);
		const cancel = o.apply(E.cancelled(REASON, 120));
		const letter = deadLetter(cancel.commands[0]!, "task already started", 121);
		assert.equal((letter.data as { channel: string }).channel, "commands-lastmile");
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.cases.map((c) => [c.action, c.kind, c.severity]), [["open", "compensation-failed", "critical"]]);
	});

	test("after dispatch: the delivery is intercepted (job cancelled, parcel returned), nothing is unwound", () => {
		const o = new OrderRun();
		toDispatched(o);
		const cancel = E.cancelled(REASON, 305);
		const r = o.apply(cancel);
		const INT = `INT-${DJ1}`;
		assert.deepEqual(cmds(r), [
			[LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, `undo:delivery:${DJ1}`, "onfleet"],
			[WMS_COMMANDS.EXPECT_RETURN, `return-expected:${INT}`, "acme-3pl"],
			[LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, `return-pickup:${INT}`, "onfleet"],
			[ERP_COMMANDS.RAISE_CS_CASE, "cs-case:intercept", undefined],
		]);
		assert.deepEqual(dataOf(r, WMS_COMMANDS.EXPECT_RETURN), [{ rma: INT, orderId: ORDER_ID, reason: `intercepted: ${REASON}`, pickupFrom: SHIP_TO, warehouse: "WH1", lines: ALL }]);
		assert.deepEqual(dataOf(r, ERP_COMMANDS.RAISE_CS_CASE), [{ orderId: ORDER_ID, kind: "intercept", reason: `cancelled after dispatch: ${REASON}` }]);
		assert.equal(r.statusChange, undefined);
		assert.equal(o.saga.status, S.DISPATCHED);
		assert.equal(o.saga.compensation, undefined);
		assert.equal(o.maybe(cancel), null);
		assertNothingNew(o.apply(E.cancelled(REASON, 306, "erp:cancelled:again")));

		assertNothingNew(o.apply(M.jobCancelled(DJ1, "task_1", 307)));
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "done", "the warehouse's step is not undone: the goods come back as a return");
		assert.deepEqual(cmds(o.apply(M.pickupAccepted(INT, "task_r1", 400))), [statusCmd(S.RETURNING)]);
		assert.deepEqual(cmds(o.apply(W.returnReceived(INT, ALL, 500))), [[ERP_COMMANDS.POST_CREDIT_NOTE, `credit:${INT}`, undefined]]);
	});

	test("a failed attempt reported for an intercepted delivery schedules no re-attempt and starts no second return", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.apply(E.cancelled(REASON, 315));
		assertNothingNew(o.apply(M.failed(DJ1, "task_1", "cancelled by dispatcher", 320)), /already recorded/);
		assert.deepEqual(Object.keys(o.saga.returns), [`INT-${DJ1}`]);
		assert.equal(o.saga.status, S.OUT_FOR_DELIVERY);
	});

	test("while a re-attempt is scheduled: the delivery is intercepted, not refused", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.all(M.failed(DJ1, "task_1", "no one home", 330), M.jobAccepted(DJ1, "task_2", 600));
		const r = o.apply(E.cancelled(REASON, 700));
		assert.deepEqual(cmds(r)!.map(([type]) => type), [LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, WMS_COMMANDS.EXPECT_RETURN, LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, ERP_COMMANDS.RAISE_CS_CASE]);
		assert.equal((r.commands[0]!.data as { partnerRef: string }).partnerRef, "task_2");
	});

	test("after delivery: the cancellation is refused to the ERP, with the reason", () => {
		const o = new OrderRun();
		toDelivered(o);
		const r = o.apply(E.cancelled(REASON, 350));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-cancellation", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "cancellation", fields: ["status"], reason: "order is delivered: it can no longer be cancelled; authorise a return instead" });
		assert.equal(o.saga.status, S.DELIVERED);
		assert.equal(o.saga.compensation, undefined);
	});
});
