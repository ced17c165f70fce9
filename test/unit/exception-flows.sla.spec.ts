import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ORDER_STATUS as S, WAYBILL_FACTS } from "../../canonical/index.ts";
import { at } from "../helpers/fixtures.ts";
import { ALL, E, FO1, ORDER_ID, W, caseClock, clock, deadLetter } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, caseTimer, cmds, opened, toAllocated, toDispatched, toInvoiced, toManifested, toPacked } from "../helpers/saga-flow-run.ts";

describe("SLA clocks", () => {
	test("the release arms the dispatch-at-risk, dispatch and freshness clocks", () => {
		const o = new OrderRun();
		assert.deepEqual(o.started.timers, [{ clock: "dispatch-at-risk", dueAt: at(180) }, { clock: "dispatch", dueAt: at(240) }, { clock: "freshness", dueAt: at(120) }]);
		assert.equal(o.saga.sla.dispatchDueAt, at(240));
	});

	test("the dispatch clock before dispatch: SLA breached, once, with an sla-breach case; the clock does not refresh the order", () => {
		const o = new OrderRun();
		toPacked(o);
		const updatedAt = o.saga.updatedAt;
		const due = clock("dispatch", 240);
		const r = o.apply(due);
		assert.deepEqual(cmds(r), []);
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_BREACHED, key: "sla-breached:order-to-dispatch", data: { orderId: ORDER_ID, sla: "order-to-dispatch", dueAt: at(240), at: at(240) } }]);
		assert.deepEqual(r.cases, [opened("sla-breach", due, { owner: "warehouse-ops", severity: "warning", summary: `order-to-dispatch SLA breached: not dispatched by ${at(240)} (status packed)` })]);
		assert.deepEqual(r.timers, [caseTimer("sla-breach", due)]);
		assert.equal(o.saga.status, S.PACKED);
		assert.equal(o.saga.updatedAt, updatedAt);
		assert.equal(o.maybe(due), null);
		assertNothingNew(o.apply(clock("dispatch", 240, "clock:again")));
	});

	test("the dispatch clock after dispatch raises nothing", () => {
		const o = new OrderRun();
		toDispatched(o);
		assertNothingNew(o.apply(clock("dispatch", 240)), /dispatched within the SLA/);
	});

	test("the at-risk clock raises at risk when not packed yet, and nothing once packed", () => {
		const early = new OrderRun();
		toAllocated(early);
		const r = early.apply(clock("dispatch-at-risk", 180));
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_AT_RISK, key: "sla-at-risk:order-to-dispatch", data: { orderId: ORDER_ID, sla: "order-to-dispatch", dueAt: at(240), at: at(180) } }]);
		assert.deepEqual(r.cases, []);
		const onTrack = new OrderRun();
		toPacked(onTrack);
		assertNothingNew(onTrack.apply(clock("dispatch-at-risk", 180)), /on track/);
	});

	test("the freshness clock re-arms from the last status change, and breaches when the status has not moved", () => {
		const o = new OrderRun();
		toAllocated(o);
		const r = o.apply(clock("freshness", 120));
		assert.deepEqual({ facts: r.facts, cases: r.cases, timers: r.timers }, { facts: [], cases: [], timers: [{ clock: "freshness", dueAt: at(130) }] });
		const stale = clock("freshness", 130);
		const breached = o.apply(stale);
		assert.deepEqual(breached.facts, [{ type: WAYBILL_FACTS.SLA_BREACHED, key: "sla-breached:status-freshness", data: { orderId: ORDER_ID, sla: "status-freshness", dueAt: at(130), at: at(130) } }]);
		assert.deepEqual(breached.cases, [opened("sla-breach", stale, { owner: "integration-ops", severity: "warning", summary: `status-freshness SLA breached: no status change since ${at(10)} (status allocated)` })]);
	});

	test("a case's resolution clock breaches when the case is still open, and not when it was resolved", () => {
		const o = new OrderRun();
		toAllocated(o);
		const hold = o.apply(W.exception("wave-blocked", "wave 12 blocked", 20));
		const timer = hold.timers[0]!;
		assert.equal(timer.dueAt, at(20 + 8 * 60));
		const r = o.apply(caseClock(timer.caseId!, timer.dueAt));
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_BREACHED, key: `sla-breached:exception-resolution:${timer.caseId}`, data: { orderId: ORDER_ID, sla: "exception-resolution", dueAt: timer.dueAt, at: timer.dueAt } }]);

		const resolved = new OrderRun();
		toAllocated(resolved);
		const held = resolved.apply(W.exception("wave-blocked", "wave 12 blocked", 20));
		resolved.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50), W.manifested(FO1, "shp_1", ALL, 90));
		assertNothingNew(resolved.apply(caseClock(held.timers[0]!.caseId!, held.timers[0]!.dueAt)), /resolved in time/);
	});

	test("a compensation-failed case on a cancelled order still breaches its resolution clock", () => {
		const o = new OrderRun();
		toManifested(o);
		const cancel = o.apply(E.cancelled("customer changed their mind", 120));
		const escalated = o.apply(deadLetter(cancel.commands[0]!, "task already started", 121));
		const timer = escalated.timers[0]!;
		const r = o.apply(caseClock(timer.caseId!, timer.dueAt));
		assert.deepEqual(r.facts.map((f) => [f.type, f.key]), [[WAYBILL_FACTS.SLA_BREACHED, `sla-breached:exception-resolution:${timer.caseId}`]]);
	});

	test("the order's clocks raise nothing once it is invoiced", () => {
		const o = new OrderRun();
		toInvoiced(o);
		assertNothingNew(o.apply(clock("freshness", 500)), /after the order finished/);
		assertNothingNew(o.apply(clock("dispatch", 501)), /after the order finished/);
	});
});
