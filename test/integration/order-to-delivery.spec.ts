import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import { NATS_URL, REDIS_URL } from "../helpers/platform-harness.ts";

const run = promisify(execFile);
const EASYPOST_SECRET = "sécret-for-tests";
process.env.WEBHOOK_SECRET_LASTMILE_EASYPOST = EASYPOST_SECRET;

async function waybillLedgerVerify(namespace: string): Promise<{ code: number; out: string }> {
	try {
		const { stdout, stderr } = await run(process.execPath, ["bin/waybill.mjs", "ledger", "verify"], { env: { ...process.env, TRANSPORTER: NATS_URL, REDIS_URL, NAMESPACE: namespace, LOG_LEVEL: "error" } });
		return { code: 0, out: stdout + stderr };
	} catch (e: unknown) {
		const failed = e as { code: number; stdout: string; stderr: string };
		return { code: failed.code, out: failed.stdout + failed.stderr };
	}
}

const ORDERS = 8;
const STATUS_SEQUENCE = ["released", "allocated", "picked", "packed", "manifested", "dispatched", "out_for_delivery", "delivered", "invoiced"];

interface LedgerEntry {
	seq: number;
	kind: string;
	type: string;
	messageId: string;
	causationId?: string;
	correlationId: string;
}

async function drained(h: Harness): Promise<boolean> {
	const names = ["gateway", "erp", "wms", "lastmile", "mapper", "saga", "ledger"];
	const backlogs = await Promise.all(names.map((n) => h.client.call<Array<{ backlog: number }>>(`${n}.streamBacklog`)));
	return backlogs.flat().every((b) => b.backlog === 0);
}

describe("order to delivery over real NATS JetStream and Redis, one broker per service", () => {
	let h: Harness;
	const orderIds = Array.from({ length: ORDERS }, (_, i) => `SO-IT-${i + 1}`);

	before(async () => {
		h = await startHarness({ mode: "distributed" });
		for (const id of orderIds) assert.equal((await releaseOrder(h, testOrder(id, 1 + (orderIds.indexOf(id) % 3)))).status, 202);
		await eventually("every order invoiced", async () => {
			const stats = await h.client.call<{ invoiced: number }>("saga.stats");
			return stats.invoiced === ORDERS;
		}, 60_000);
		await eventually("all streams drained", () => drained(h), 30_000);
	});

	after(async () => h?.stop());

	it("sends each partner exactly one fulfillment order, one delivery task and one invoice per order", () => {
		for (const id of orderIds) {
			assert.equal(h.wms.fulfillmentOrdersFor(id), 1, `fulfillment orders for ${id}`);
			assert.equal(h.lastmile.tasksFor(id), 1, `delivery tasks for ${id}`);
			assert.equal(h.erp.invoicesFor(id), 1, `invoices for ${id}`);
		}
		assert.equal(h.erp.stats().shipmentConfirmations, ORDERS);
	});

	it("tells the ERP every milestone of every order, in order", () => {
		for (const id of orderIds) assert.deepEqual(h.erp.statusesFor(id), STATUS_SEQUENCE, id);
	});

	it("invoices the shipped lines at the ERP's prices", () => {
		const invoices = h.erp.received().filter((r) => r.path === "/api/invoices").map((r) => r.body as { orderId: string; total: number; lines: unknown[] });
		const third = invoices.find((i) => i.orderId === "SO-IT-3");
		assert.deepEqual(third, {
			orderId: "SO-IT-3",
			currency: "EUR",
			lines: [
				{ lineNo: 1, sku: "SKU-1", qty: 1, unitPrice: 10 },
				{ lineNo: 2, sku: "SKU-2", qty: 2, unitPrice: 11 },
				{ lineNo: 3, sku: "SKU-3", qty: 3, unitPrice: 12 },
			],
			total: 68,
		});
	});

	it("answers the unified status and timeline of an order over HTTP", async () => {
		const response = await fetch(`${h.gatewayUrl}/api/v1/orders/SO-IT-1`, { headers: h.auth });
		assert.equal(response.status, 200);
		const order = (await response.json()) as { status: string; timeline: Array<{ status?: string }>; invoice?: { documentId?: string } };
		assert.equal(order.status, "invoiced");
		assert.deepEqual(order.timeline.filter((t) => t.status).map((t) => t.status), STATUS_SEQUENCE);
		assert.match(order.invoice?.documentId ?? "", /^INV-/);
	});

	it("records every message of an order in the ledger with its causation chain", async () => {
		const entries = await h.client.call<LedgerEntry[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-IT-1" });
		const kinds = new Set(entries.map((e) => e.kind));
		for (const kind of ["inbound", "fact", "command", "status"]) assert.ok(kinds.has(kind), `ledger has ${kind} entries`);
		const types = entries.map((e) => e.type);
		for (const type of ["erp.order.released", "wms.fulfillment-order.create", "wms.shipment.manifested", "lastmile.delivery-job.create", "lastmile.delivered", "erp.invoice.post", "erp.invoice.posted"]) {
			assert.ok(types.includes(type), `ledger has ${type}`);
		}
		// Every caused message points at a message the ledger also holds (or at an inbound partner message).
		const ids = new Set(entries.map((e) => e.messageId));
		const orphans = entries.filter((e) => e.causationId && !ids.has(e.causationId) && e.kind !== "fact");
		assert.deepEqual(orphans.map((e) => e.type), []);
		const invoicePost = entries.find((e) => e.type === "erp.invoice.post")!;
		const delivered = entries.find((e) => e.type === "lastmile.delivered")!;
		assert.equal(invoicePost.causationId, delivered.messageId, "the invoice was caused by the delivery");
		const verify = await h.client.call<{ ok: boolean; entries: number }>("ledger.verify");
		assert.equal(verify.ok, true);
		assert.ok(verify.entries >= entries.length);
	});

	it("refuses an invalid order with problem+json and audits the refusal", async () => {
		const before = (await h.client.call<{ byKind: Record<string, number> }>("ledger.stats")).byKind.rejection ?? 0;
		const response = await releaseOrder(h, { orderId: "SO-BAD", lines: [] });
		assert.equal(response.status, 422);
		assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
		const problem = (await response.json()) as { type: string; status: number; errors: Array<{ field: string }> };
		assert.equal(problem.type, "https://waybill.dev/problems/schema-invalid");
		assert.ok(problem.errors.some((e) => e.field === "customer"));
		await eventually("the refusal in the ledger", async () => ((await h.client.call<{ byKind: Record<string, number> }>("ledger.stats")).byKind.rejection ?? 0) === before + 1);
	});

	it("rejects a webhook with a forged signature and stores nothing from it", async () => {
		const body = JSON.stringify({ eventId: "evt_forged", eventType: "order.allocated", occurredAt: new Date().toISOString(), order: { id: "wo_x", externalRef: "FO-x", orderRef: "SO-IT-1", warehouse: "WH1" }, lines: [] });
		const response = await fetch(`${h.gatewayUrl}/webhooks/wms/acme-3pl`, { method: "POST", headers: { "content-type": "application/json", "x-3pl-timestamp": String(Math.floor(Date.now() / 1000)), "x-3pl-signature": `sha256=${"0".repeat(64)}` }, body });
		assert.equal(response.status, 401);
		assert.equal(((await response.json()) as { type: string }).type, "https://waybill.dev/problems/signature-invalid");
		const entries = await h.client.call<LedgerEntry[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-IT-1" });
		assert.equal(entries.filter((e) => e.kind === "inbound" && e.type === "inbound.partner-message.received").length, 1 + 4 + 5, "the release, 4 WMS and 5 last-mile webhooks; nothing forged");
	});

	it("answers 404 problem+json for an order it does not know", async () => {
		const response = await fetch(`${h.gatewayUrl}/api/v1/orders/SO-NOPE`, { headers: h.auth });
		assert.equal(response.status, 404);
		assert.equal(((await response.json()) as { type: string }).type, "https://waybill.dev/problems/not-found");
	});

	it("`waybill ledger verify` passes on the intact chain and names an altered entry", async () => {
		const intact = await waybillLedgerVerify(h.namespace);
		assert.equal(intact.code, 0, intact.out);
		assert.match(intact.out, /ledger verified: \d+ entries, hash chain intact/);

		const store = new RedisStore({ url: REDIS_URL, prefix: h.namespace });
		const original = await store.get<Record<string, unknown>>("{ledger}:entry:7");
		try {
			await store.set("{ledger}:entry:7", { ...original, subject: "SO-TAMPERED" });
			const broken = await waybillLedgerVerify(h.namespace);
			assert.equal(broken.code, 1);
			assert.match(broken.out, /ledger BROKEN at entry 7 of \d+: content altered/);
		} finally {
			await store.set("{ledger}:entry:7", original);
			await store.close();
		}
	});

	it("traces an order's messages in causal order over HTTP, each after its cause, with producer and time per hop", async () => {
		const response = await fetch(`${h.gatewayUrl}/api/v1/orders/SO-IT-2/trace`, { headers: h.auth });
		assert.equal(response.status, 200);
		const trace = (await response.json()) as { messages: number; hops: Array<{ messageId: string; causationId?: string; type: string; kind: string; producer: string; mappingVersion?: string; hopMs?: number; depth: number }> };
		const position = new Map(trace.hops.map((hop, i) => [hop.messageId, i]));
		assert.equal(trace.hops[0]!.kind, "inbound", "it starts with the release as received");
		assert.equal(trace.hops[1]!.type, "erp.order.released");
		for (const [i, hop] of trace.hops.entries()) {
			if (hop.causationId && position.has(hop.causationId)) {
				assert.ok(position.get(hop.causationId)! < i, `${hop.type} comes after its cause`);
				assert.ok(hop.hopMs !== undefined && hop.hopMs >= 0, `${hop.type} has a hop time`);
			}
		}
		const chain = (type: string) => {
			const types: string[] = [];
			let hop = trace.hops.find((x) => x.type === type);
			while (hop) {
				types.unshift(hop.type);
				hop = trace.hops.find((x) => x.messageId === hop!.causationId);
			}
			return types;
		};
		assert.deepEqual(chain("erp.invoice.post").slice(-2), ["lastmile.delivered", "erp.invoice.post"]);
		assert.equal(trace.hops.find((x) => x.type === "wms.shipment.manifested")?.mappingVersion, "generic-3pl@1.2.0");
		assert.equal(trace.hops.find((x) => x.type === "wms.fulfillment-order.create")?.producer, "waybill/saga");
		assert.equal((await fetch(`${h.gatewayUrl}/api/v1/orders/SO-NOPE/trace`, { headers: h.auth })).status, 404);
	});

	it("matches a signed EasyPost tracker webhook to the order by the tracking code the WMS manifested", async () => {
		const order = await h.client.call<{ shipments: Array<{ trackingNumber: string }> }, { orderId: string }>("saga.getOrder", { orderId: "SO-IT-5" });
		const body = JSON.stringify({
			id: "evt_it_5", object: "Event", description: "tracker.updated", created_at: new Date().toISOString(),
			result: { id: "trk_it_5", object: "Tracker", tracking_code: order.shipments[0]!.trackingNumber, status: "out_for_delivery", tracking_details: [{ status: "out_for_delivery", message: "On the van", datetime: new Date().toISOString() }] },
		});
		const signature = createHmac("sha256", Buffer.from(EASYPOST_SECRET.normalize("NFKD"), "utf8")).update(body).digest("hex");
		const response = await fetch(`${h.gatewayUrl}/webhooks/lastmile/easypost`, { method: "POST", headers: { "content-type": "application/json", "x-hmac-signature": `hmac-sha256-hex=${signature}` }, body });
		assert.equal(response.status, 200);
		const entry = await eventually("the EasyPost fact on the order's timeline", async () => {
			const after = await h.client.call<{ status: string; timeline: Array<{ type: string; partner?: string; note?: string }> }, { orderId: string }>("saga.getOrder", { orderId: "SO-IT-5" });
			return after.timeline.find((t) => t.partner === "easypost");
		});
		assert.equal(entry.type, "lastmile.out-for-delivery");
		assert.match(entry.note ?? "", /status stays invoiced, not out_for_delivery/, "an invoiced order does not move back");
	});
});
