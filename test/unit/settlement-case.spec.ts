import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WAYBILL_FACTS, assertValidMessage, createEnvelope, totalsOf, type Envelope } from "../../canonical/index.ts";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { ExceptionCases } from "../../services/saga/exception-cases.ts";
import { applySettlementReconciled } from "../../services/saga/settlement-case-flow.ts";

const DAY = "2026-11-27";
const batch = totalsOf([{ kind: "invoice", currency: "EUR", amount: 30 }]);
const ledger = totalsOf([{ kind: "invoice", currency: "EUR", amount: 30 }, { kind: "invoice", currency: "EUR", amount: 12 }]);
const reconciled = (matched: boolean, chunks: number) =>
	assertValidMessage(createEnvelope({
		type: WAYBILL_FACTS.SETTLEMENT_RECONCILED, source: "waybill/batch", subject: `settlement:${DAY}`, schemaVersion: 1, idempotencyKey: `r-${matched}-${chunks}`,
		data: {
			day: DAY, cutoff: `${DAY}T23:00:00.000Z`, chunks, matched, batch, erp: batch, ledger: matched ? batch : ledger, at: `${DAY}T23:05:00.000Z`,
			differences: matched ? [] : [{ kind: "invoice", currency: "EUR", batch: { count: 1, amount: 30 }, erp: { count: 1, amount: 30 }, ledger: { count: 2, amount: 42 } }],
		},
	}));

describe("a settlement that does not reconcile is finance's case", () => {
	test("opens one critical settlement-mismatch case per day naming the differences, resolved by a later reconciliation that matches", async () => {
		const cases = new ExceptionCases(new MemoryStore(`settlement-case-${Math.random()}`));
		const published: Envelope[] = [];
		const publish = async (_c: string, e: Envelope) => (published.push(e), { duplicate: false, seq: published.length });
		const mismatch = reconciled(false, 2);
		await applySettlementReconciled(cases, publish, mismatch);
		await applySettlementReconciled(cases, publish, mismatch);
		const [open] = await cases.list({ kind: "settlement-mismatch" });
		assert.deepEqual([open?.owner, open?.severity, open?.state], ["finance", "critical", "open"]);
		assert.match(open!.summary, /2026-11-27 \(2 chunks\).*invoice EUR: batch 1 \/ 30, ERP 1 \/ 30, ledger 2 \/ 42/);
		assert.deepEqual(published.map((e) => e.type), [WAYBILL_FACTS.EXCEPTION_OPENED], "a redelivered verdict opens nothing more");
		await applySettlementReconciled(cases, publish, reconciled(true, 3));
		assert.deepEqual((await cases.list({ status: "all", kind: "settlement-mismatch" })).map((c) => c.state), ["resolved"]);
		assert.deepEqual(published.map((e) => e.type), [WAYBILL_FACTS.EXCEPTION_OPENED, WAYBILL_FACTS.EXCEPTION_RESOLVED]);
	});
});
