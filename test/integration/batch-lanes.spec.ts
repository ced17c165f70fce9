import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { settlementDayOf } from "../../canonical/index.ts";
import type { Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { customerRecords, productRecords } from "../helpers/batch-data.ts";

// Read when the batch service starts: small settlement chunks, so a few dozen invoices make a multi-chunk day.
process.env.SETTLEMENT_CHUNK_ITEMS = "8";

const SERVICES = ["gateway", "erp", "wms", "lastmile", "mapper", "saga", "ledger", "batch"];
const ORDERS = 30;
const RELEASE_EVERY_MS = 100;
/** 10,000 products and 10,000 customers, submitted in parts of 1,000 (a Moleculer call over NATS stays well under 1 MB). */
const RECORDS_PER_KIND = 10_000;
const PART = 1_000;
/** Operational p95 under batch load may be at most this factor of the baseline's, plus this slack for a shared 2-core machine. */
const FACTOR = 1.5;
const SLACK_MS = 500;

interface Status { complete: boolean; destinations: Array<{ partner: string; chunks: number; chunksDelivered: number; recordsDelivered: number }> }
interface Reconciliation { chunks: number; matched: boolean; batch: { count: number }; ledger: { count: number }; erp: { count: number } }

const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.95) - 1]!;
const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.5) - 1]!;

/** Releases `count` orders one every RELEASE_EVERY_MS and answers each one's release-to-invoiced time, read from the ERP's books. */
async function orderLatencies(h: Harness, prefix: string, count: number): Promise<number[]> {
	const released = new Map<string, number>();
	for (let i = 0; i < count; i++) {
		const id = `${prefix}-${i + 1}`;
		released.set(id, Date.now());
		assert.equal((await releaseOrder(h, testOrder(id))).status, 202);
		await new Promise((r) => setTimeout(r, RELEASE_EVERY_MS));
	}
	await eventually(`${prefix} orders invoiced`, async () => [...released.keys()].every((id) => h.erp.invoicesFor(id) === 1), 60_000, 25);
	return [...released].map(([id, at]) => Date.parse(h.erp.recordsFor(id).find((r) => r.kind === "invoice")!.at) - at);
}

async function submitMasterData(h: Harness): Promise<void> {
	for (let from = 1; from <= RECORDS_PER_KIND; from += PART) {
		const part = (from - 1) / PART + 1;
		await h.client.call("batch.syncMasterData", { kind: "products", batchId: "PRODUCTS-1", part, records: productRecords(PART, "SKU-BL", from) });
		await h.client.call("batch.syncMasterData", { kind: "customers", batchId: "CUSTOMERS-1", part, records: customerRecords(PART, "CUST-BL", from) });
	}
}

const delivered = async (h: Harness) =>
	(await Promise.all(["PRODUCTS-1", "CUSTOMERS-1"].map((batchId) => h.client.call<Status, { batchId: string }>("batch.masterDataStatus", { batchId }).catch(() => undefined))))
		.flatMap((s) => s?.destinations ?? []).reduce((n, d) => n + d.recordsDelivered, 0);

for (const mode of ["embedded", "distributed"] as const) {
	describe(`batch lanes beside operational traffic (${mode})`, () => {
		let h: Harness;
		let startedAt = 0;
		/** Every settlement day since the platform started (two, if the run crosses midnight UTC). */
		const days = () => [...new Set([settlementDayOf(startedAt, "UTC"), settlementDayOf(Date.now(), "UTC")])];
		before(async () => {
			startedAt = Date.now();
			const { startHarness } = await import("../helpers/platform-harness.ts");
			h = await startHarness({ mode, services: SERVICES });
			// Warm up every hop (consumers created, code paths compiled) before anything is measured.
			for (let i = 1; i <= 4; i++) assert.equal((await releaseOrder(h, testOrder(`SO-WARM-${mode}-${i}`))).status, 202);
			await eventually("warm-up orders invoiced", async () => (await h.client.call<{ invoiced: number }>("saga.stats")).invoiced === 4, 60_000, 50);
		});
		after(async () => h?.stop());

		test("keeps the order path's p95 within 1.5x its baseline (+0.5 s) while 20,000 master-data records and a settlement run are in progress; then every record arrives once and the day reconciles", async (t) => {
			const baseline = await orderLatencies(h, `SO-BASE-${mode}`, ORDERS);

			// The batch arrives first (its intake is the batch pod's work, and here every service shares one
			// process), then the orders are measured while its 150 chunks are being delivered.
			await submitMasterData(h);
			const firstRun = await Promise.all(days().map((day) => h.client.call<{ newChunks: number }, { day: string }>("batch.runSettlement", { day })));
			assert.ok(firstRun.reduce((n, r) => n + r.newChunks, 0) >= 4, "the baseline's invoices make a settlement of several chunks");
			const underLoad = await orderLatencies(h, `SO-LOAD-${mode}`, ORDERS);
			const deliveredWhenOrdersDone = await delivered(h);

			const [base95, load95] = [p95(baseline), p95(underLoad)];
			const lanes = await h.client.call("batch.lanes");
			t.diagnostic(`${mode}: release to invoiced p50/p95 baseline ${p50(baseline)}/${base95} ms, during batch ${p50(underLoad)}/${load95} ms; records delivered when the measured orders were done: ${deliveredWhenOrdersDone} of 30000; lane gate ${JSON.stringify(lanes)}`);
			assert.ok(deliveredWhenOrdersDone < 3 * RECORDS_PER_KIND, "the batch was still in progress while the orders were measured");
			assert.ok((lanes as { paused: number }).paused > 0, "and its lanes yielded to the orders");
			assert.ok(load95 <= FACTOR * base95 + SLACK_MS, `p95 under batch load ${load95} ms exceeds ${FACTOR} x baseline ${base95} ms + ${SLACK_MS} ms`);

			// The batch completes: every product in the item master and every customer at both couriers, once.
			await eventually("master data delivered", async () => {
				const statuses = await Promise.all(["PRODUCTS-1", "CUSTOMERS-1"].map((batchId) => h.client.call<Status, { batchId: string }>("batch.masterDataStatus", { batchId })));
				return statuses.every((s) => s.complete);
			}, 60_000, 250);
			assert.deepEqual(h.wms.stats().itemMaster, { batches: RECORDS_PER_KIND / 200, records: RECORDS_PER_KIND, unique: RECORDS_PER_KIND, repeats: 0 });
			for (const courier of [h.lastmile, h.lastmileRapid]) assert.deepEqual(courier.stats().recipients, { batches: RECORDS_PER_KIND / 200, records: RECORDS_PER_KIND, unique: RECORDS_PER_KIND, repeats: 0 });
			assert.equal(h.wmsX12.received().filter((r) => r.path.includes("item")).length, 0, "nothing for the X12 3PL, whose profile maps no item master");

			// A rerun settles what came since (the invoices of the measured orders), and the day reconciles with the ledger.
			const settled = days();
			for (const day of settled) await h.client.call("batch.runSettlement", { day });
			const reconciled = await eventually("every settlement day reconciled with all its chunks", async () => {
				const status = await Promise.all(settled.map((day) => h.client.call<{ chunks: unknown[]; reconciliation: Reconciliation | null }, { day: string }>("batch.settlementStatus", { day })));
				return status.every((s) => s.reconciliation?.chunks === s.chunks.length) && status.map((s) => s.reconciliation!);
			}, 60_000, 200);
			assert.ok(reconciled.every((r) => r.matched), `reconciled: ${JSON.stringify(reconciled)}`);
			const invoiced = h.erp.stats().invoices;
			assert.equal(reconciled.reduce((n, r) => n + r.ledger.count, 0), invoiced, "the ledger holds every invoice of the run");
			const booked = settled.map((day) => h.erp.settlementFor(day));
			assert.equal(booked.reduce((n, d) => n + d.lines, 0), invoiced, "the ERP booked each invoice in a settlement line");
			assert.equal(booked.reduce((n, d) => n + d.duplicates, 0), 0, "and none twice");

			// Run again: nothing new, nothing posted twice.
			const again = await Promise.all(settled.map((day) => h.client.call<{ newChunks: number; posting: number }, { day: string }>("batch.runSettlement", { day })));
			assert.deepEqual(again.map((r) => [r.newChunks, r.posting]), settled.map(() => [0, 0]));
			assert.deepEqual(settled.map((day) => h.erp.settlementFor(day).batches), booked.map((d) => d.batches));
		});
	});
}
