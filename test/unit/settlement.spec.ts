import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
	ERP_FACTS, LASTMILE_FACTS, WMS_FACTS, createEnvelope, dayWindow, differencesOf, mergeSummaries, settlementDayOf, settlementItemOf, totalsOf,
} from "../../canonical/index.ts";
import type { Delivery } from "../../mixins/streams/stream-bus.ts";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { SettlementBook } from "../../services/batch/settlement/settlement-book.ts";
import { runSettlement } from "../../services/batch/settlement/settlement-run.ts";
import { reconcileDay } from "../../services/batch/settlement/settlement-reconcile.ts";
import { isReconciliationPending } from "../../services/batch/settlement/reconciliation-pending.error.ts";
import type { Envelope } from "../../canonical/index.ts";
import { settlementItems } from "../helpers/batch-data.ts";

const DAY = "2026-11-27";
const invoiceFact = (n: number, total: number, currency = "EUR", at = `${DAY}T10:00:${String(n).padStart(2, "0")}.000Z`) =>
	createEnvelope({ type: ERP_FACTS.INVOICE_POSTED, source: "test", subject: `SO-${n}`, schemaVersion: 1, idempotencyKey: `inv-${n}`, data: { kind: "invoice", documentId: `INV-${n}`, orderId: `SO-${n}`, currency, lines: [{ lineNo: 1, sku: "A", qty: 1, unitPrice: total }], total, at } });

describe("settlement arithmetic", () => {
	test("reads invoices, credit notes and freight bills as items worth their total, and nothing else", () => {
		const invoice = settlementItemOf(invoiceFact(1, 12.5), "2026-11-27T10:00:02.000Z");
		assert.deepEqual(invoice, { id: invoiceFact(1, 12.5).id, kind: "invoice", documentId: "INV-1", orderId: "SO-1", currency: "EUR", amount: 12.5, at: "2026-11-27T10:00:01.000Z", storedAt: "2026-11-27T10:00:02.000Z" });
		const credit = createEnvelope({ type: ERP_FACTS.CREDIT_NOTE_POSTED, source: "t", subject: "SO-1", schemaVersion: 1, data: { kind: "credit-note", orderId: "SO-1", currency: "EUR", lines: [], total: 3, at: `${DAY}T11:00:00Z` } });
		assert.equal(settlementItemOf(credit, "x")?.kind, "credit-note");
		const freight = createEnvelope({ type: LASTMILE_FACTS.FREIGHT_INVOICED, source: "t", subject: "SO-1", schemaVersion: 1, data: { orderId: "SO-1", invoiceNumber: "FB-9", carrier: "ACME", currency: "USD", charges: [{ code: "400", amount: 10.1 }, { code: "405", amount: 0.2 }], at: `${DAY}T12:00:00Z` } });
		assert.deepEqual([settlementItemOf(freight, "x")?.kind, settlementItemOf(freight, "x")?.amount, settlementItemOf(freight, "x")?.documentId], ["freight", 10.3, "FB-9"], "a bill without its total is the sum of its charges");
		assert.equal(settlementItemOf(createEnvelope({ type: WMS_FACTS.PICK_CONFIRMED, source: "t", subject: "SO-1", schemaVersion: 1, data: {} }), "x"), undefined);
	});

	test("totals count and sum per kind and currency in a stable order, exactly, however many cents are added", () => {
		const items = Array.from({ length: 1_000 }, () => ({ kind: "invoice" as const, currency: "EUR", amount: 0.1 }));
		assert.deepEqual(totalsOf([...items, { kind: "freight", currency: "EUR", amount: 2 }, { kind: "invoice", currency: "CHF", amount: 1.05 }]), {
			count: 1_002,
			totals: [{ kind: "invoice", currency: "CHF", count: 1, amount: 1.05 }, { kind: "invoice", currency: "EUR", count: 1_000, amount: 100 }, { kind: "freight", currency: "EUR", count: 1, amount: 2 }],
		});
	});

	test("merging chunk summaries gives the day's totals whatever order the partner answered in", () => {
		const [a, b] = [totalsOf(settlementItems().slice(0, 2)), totalsOf(settlementItems().slice(2))];
		assert.deepEqual(mergeSummaries([b, a]), totalsOf(settlementItems()));
	});

	test("names each kind and currency where the batch, the ERP and the ledger disagree, by count or sum, and none when they agree", () => {
		const day = totalsOf(settlementItems());
		assert.deepEqual(differencesOf({ batch: day, erp: day, ledger: day }), []);
		const ledger = totalsOf([...settlementItems(), { kind: "invoice", currency: "USD", amount: 1 }]);
		assert.deepEqual(differencesOf({ batch: day, erp: day, ledger }), [{ kind: "invoice", currency: "USD", batch: { count: 1, amount: 99.99 }, erp: { count: 1, amount: 99.99 }, ledger: { count: 2, amount: 100.99 } }]);
		const erp = totalsOf(settlementItems().filter((i) => i.kind !== "freight"));
		assert.deepEqual(differencesOf({ batch: day, erp, ledger: day }).map((d) => [d.kind, d.erp.count]), [["freight", 0]]);
	});

	test("a day is its 24 hours in the settlement time zone", () => {
		assert.equal(settlementDayOf("2026-11-27T23:30:00Z", "Europe/Berlin"), "2026-11-28");
		assert.equal(settlementDayOf("2026-11-27T23:30:00Z", "UTC"), DAY);
		const { from, to } = dayWindow(DAY, "Europe/Berlin");
		assert.deepEqual([new Date(from).toISOString(), new Date(to).toISOString()], ["2026-11-26T23:00:00.000Z", "2026-11-27T23:00:00.000Z"]);
		assert.throws(() => dayWindow("27.11.2026", "UTC"), RangeError);
	});
});

describe("settlement runs and reconciliation", () => {
	const setup = async (facts: Envelope[]) => {
		const store = new MemoryStore(`settle-${Math.random()}`);
		const book = new SettlementBook(store);
		for (const [i, fact] of facts.entries()) await book.journal(fact, `${DAY}T10:01:${String(i).padStart(2, "0")}.000Z`);
		const published: Envelope[] = [];
		const deps = { book, itemsPerChunk: 2, timeZone: "UTC", publish: async (_c: string, e: Envelope) => (published.push(e), { duplicate: false, seq: published.length }) };
		return { store, book, published, deps };
	};
	const booked = async (book: SettlementBook, published: Envelope[]) => {
		for (const command of published.filter((e) => e.type === "erp.settlement-batch.post")) {
			const data = command.data as { day: string; chunk: number; count: number; totals: never[] };
			await book.markPosted(data.day, data.chunk, { batchRef: `B-${data.chunk}`, count: data.count, totals: data.totals, at: "x" });
		}
	};

	test("cuts the day's facts into numbered chunks with their own totals, and a rerun posts only what is new", async () => {
		const { book, published, deps } = await setup([invoiceFact(1, 10), invoiceFact(2, 20), invoiceFact(3, 30)]);
		const first = await runSettlement(deps, DAY, new Date(`${DAY}T23:00:00Z`));
		assert.deepEqual([first.chunks, first.newChunks, first.newItems, first.posting, first.reconciling], [2, 2, 3, 2, false]);
		assert.deepEqual(published.map((e) => [e.idempotencykey, (e.data as { count: number }).count]), [[`settlement:${DAY}:1`, 2], [`settlement:${DAY}:2`, 1]]);
		await booked(book, published);
		await book.journal(invoiceFact(4, 40), `${DAY}T12:00:00.000Z`);
		published.length = 0;
		const rerun = await runSettlement(deps, DAY, new Date(`${DAY}T23:30:00Z`));
		assert.deepEqual([rerun.chunks, rerun.newChunks, rerun.newItems, rerun.posting], [3, 1, 1, 1]);
		assert.deepEqual(published.map((e) => [e.idempotencykey, (e.data as { items: Array<{ documentId: string }> }).items.map((i) => i.documentId)]), [[`settlement:${DAY}:3`, ["INV-4"]]]);
		await booked(book, published);
		published.length = 0;
		const settled = await runSettlement(deps, DAY, new Date(`${DAY}T23:45:00Z`));
		assert.deepEqual([settled.newChunks, settled.posting, settled.reconciling, published.map((e) => e.type)], [0, 0, true, ["waybill.settlement.reconcile"]]);
	});

	test("leaves out facts stored after the run's cut-off, for the next run", async () => {
		const { published, deps } = await setup([invoiceFact(1, 10), invoiceFact(2, 20)]);
		const run = await runSettlement(deps, DAY, new Date(`${DAY}T10:01:00.500Z`));
		assert.deepEqual([run.newItems, published.length], [1, 1]);
	});

	test("two runs racing on a day never put a fact in two chunks", async () => {
		const { book, deps } = await setup([invoiceFact(1, 10), invoiceFact(2, 20), invoiceFact(3, 30), invoiceFact(4, 40), invoiceFact(5, 50)]);
		await Promise.all([runSettlement(deps, DAY, new Date(`${DAY}T23:00:00Z`)), runSettlement(deps, DAY, new Date(`${DAY}T23:00:00Z`))]);
		const ids = (await Promise.all((await book.chunks(DAY)).map((c) => book.itemsOf(c)))).flat().map((i) => i.documentId);
		assert.deepEqual(ids.sort(), ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]);
	});

	const reconcileDeps = (book: SettlementBook, ledger: ReturnType<typeof totalsOf>, published: Envelope[], settle = async () => ({ newChunks: 0 }) as never) => ({
		book, timeZone: "UTC", reconcileWaitMs: 60_000, ledgerTotals: async () => ledger, settle, publish: async (_c: string, e: Envelope) => (published.push(e), { duplicate: false, seq: 1 }),
	});
	const reconcileCommand = (chunks: number) => createEnvelope({ type: "waybill.settlement.reconcile", source: "t", subject: `settlement:${DAY}`, schemaVersion: 1, data: { day: DAY, cutoff: `${DAY}T23:00:00.000Z`, chunks } });
	const delivery = (storedAgoMs: number) => ({ storedAt: new Date(Date.now() - storedAgoMs).toISOString() }) as Delivery;

	test("matches when the chunks, the ERP's bookings and the ledger agree, and records it as a fact", async () => {
		const { book, published, deps } = await setup([invoiceFact(1, 10.1), invoiceFact(2, 20.2, "USD"), invoiceFact(3, 0.3)]);
		await runSettlement(deps, DAY, new Date(`${DAY}T23:00:00Z`));
		await booked(book, published);
		const facts: Envelope[] = [];
		const ledger = totalsOf([{ kind: "invoice", currency: "EUR", amount: 10.1 }, { kind: "invoice", currency: "USD", amount: 20.2 }, { kind: "invoice", currency: "EUR", amount: 0.3 }]);
		const result = await reconcileDay(reconcileDeps(book, ledger, facts), reconcileCommand(2), delivery(0));
		assert.deepEqual([result?.matched, result?.batch.count, result?.differences], [true, 3, []]);
		assert.deepEqual(facts.map((f) => [f.type, (f.data as { matched: boolean }).matched]), [["waybill.settlement.reconciled", true]]);
	});

	test("waits (retryable) while the ledger is behind, then records the mismatch with its differences", async () => {
		const { book, published, deps } = await setup([invoiceFact(1, 10), invoiceFact(2, 20)]);
		await runSettlement(deps, DAY, new Date(`${DAY}T23:00:00Z`));
		await booked(book, published);
		const facts: Envelope[] = [];
		const ledger = totalsOf([{ kind: "invoice", currency: "EUR", amount: 10 }]);
		await assert.rejects(reconcileDay(reconcileDeps(book, ledger, facts), reconcileCommand(1), delivery(1_000)), (e) => isReconciliationPending(e));
		const result = await reconcileDay(reconcileDeps(book, ledger, facts), reconcileCommand(1), delivery(61_000));
		assert.equal(result?.matched, false);
		assert.deepEqual(result?.differences, [{ kind: "invoice", currency: "EUR", batch: { count: 2, amount: 30 }, erp: { count: 2, amount: 30 }, ledger: { count: 1, amount: 10 } }]);
		assert.deepEqual(facts.map((f) => (f.data as { matched: boolean }).matched), [false]);
	});

	test("settles facts the journal holds beyond the chunks before judging, and judges nothing while a chunk is unbooked or a later run added one", async () => {
		const { book, published, deps } = await setup([invoiceFact(1, 10)]);
		await runSettlement(deps, DAY, new Date(`${DAY}T23:00:00Z`));
		const facts: Envelope[] = [];
		const ledger = totalsOf([{ kind: "invoice", currency: "EUR", amount: 10 }, { kind: "invoice", currency: "EUR", amount: 5 }]);
		assert.equal(await reconcileDay(reconcileDeps(book, ledger, facts), reconcileCommand(1), delivery(0)), undefined, "chunk 1 is not booked yet");
		await booked(book, published);
		let settledAgain = 0;
		const settle = async () => ({ newChunks: ++settledAgain }) as never;
		assert.equal(await reconcileDay(reconcileDeps(book, ledger, facts, settle), reconcileCommand(1), delivery(0)), undefined);
		assert.equal(settledAgain, 1, "a new chunk for what the journal held: its booking reconciles again");
		assert.equal(facts.length, 0);
	});
});
