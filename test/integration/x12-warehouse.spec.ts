import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { sign3pl } from "../../simulators/signatures.ts";

describe("a warehouse partner over ASC X12 beside the JSON one (over NATS and Redis)", () => {
	let h: Harness;
	before(async () => {
		h = await startHarness({ mode: "distributed" });
		assert.equal((await releaseOrder(h, { ...testOrder("SO-X12-1", 3), warehouse: "WH2" })).status, 202);
		assert.equal((await releaseOrder(h, testOrder("SO-JSON-1", 2))).status, 202);
		await eventually("both orders invoiced", async () => (await h.client.call<{ invoiced: number }>("saga.stats")).invoiced === 2, 60_000);
	});
	after(async () => h?.stop());

	it("routes WH2's order as an X12 940 to the EDI 3PL and WH1's as JSON to the other, each exactly once", () => {
		assert.equal(h.wmsX12.fulfillmentOrdersFor("SO-X12-1"), 1);
		assert.equal(h.wms.fulfillmentOrdersFor("SO-X12-1"), 0);
		assert.equal(h.wms.fulfillmentOrdersFor("SO-JSON-1"), 1);
		assert.equal(h.wmsX12.fulfillmentOrdersFor("SO-JSON-1"), 0);
		const [edi] = h.wmsX12.received().filter((r) => r.path === "/edi");
		assert.match(String(edi!.body), /^ISA\*.*~ST\*940\*.*W05\*N\*SO-X12-1\*/s);
		assert.equal(edi!.headers["content-type"], "application/edi-x12");
	});

	it("turns the 945 that comes back into the shipment, mapped by the X12 profile, and completes the order", async () => {
		const order = await h.client.call<{ status: string; shipments: Array<{ lines: Array<{ sku: string; qty: number }>; packages: Array<{ sscc: string }>; carrier: string; trackingNumber: string }> }, { orderId: string }>("saga.getOrder", { orderId: "SO-X12-1" });
		assert.equal(order.status, "invoiced");
		assert.deepEqual(order.shipments[0]!.lines.map((l) => [l.sku, l.qty]), [["SKU-1", 1], ["SKU-2", 2], ["SKU-3", 3]]);
		assert.ok(order.shipments[0]!.packages.length >= 1 && order.shipments[0]!.packages.every((p) => /^\d{18}$/.test(p.sscc)));
		assert.equal(order.shipments[0]!.carrier, "WAYBILL-LASTMILE");
		assert.ok(order.shipments[0]!.trackingNumber);
		const trace = await h.client.call<{ hops: Array<{ type: string; kind: string; partner?: string; mappingVersion?: string }> }, { orderId: string }>("ledger.trace", { orderId: "SO-X12-1" });
		assert.equal(trace.hops.find((x) => x.type === "wms.shipment.manifested")?.mappingVersion, "x12-3pl@1.3.0");
		assert.equal(trace.hops.filter((x) => x.kind === "inbound" && x.partner === "edi-3pl").length, 2, "the 945 and the 856, both stored and recorded");
		assert.equal(h.erp.invoicesFor("SO-X12-1"), 1);
		assert.equal(h.lastmile.tasksFor("SO-X12-1"), 1);
	});

	it("announces a return to the X12 3PL as a 943 and completes it from the 3PL's 944 receipt: returned, credited once", async () => {
		const answer = await fetch(`${h.gatewayUrl}/api/v1/orders/SO-X12-1/returns`, { method: "POST", headers: { "content-type": "application/json", ...h.auth, "idempotency-key": "return-X12-1" }, body: JSON.stringify({ rma: "RMA-X12-1", reason: "arrived damaged", warehouse: "WH2" }) });
		assert.equal(answer.status, 202);
		await eventually("the order returned", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: "SO-X12-1" })).status === "returned", 60_000);
		const announced = h.wmsX12.received().filter((r) => r.path === "/edi" && /~ST\*943\*/.test(String(r.body)));
		assert.equal(announced.length, 1);
		assert.match(String(announced[0]!.body), /W06\*N\*SO-X12-1\*\*RMA-X12-1~.*N9\*RZ\*RMA-X12-1~N9\*WH\*WH2~/s);
		const trace = await h.client.call<{ hops: Array<{ type: string; partner?: string; mappingVersion?: string }> }, { orderId: string }>("ledger.trace", { orderId: "SO-X12-1" });
		assert.equal(trace.hops.find((x) => x.type === "wms.return.received")?.partner, "edi-3pl", "the receipt came as the 3PL's 944");
		await eventually("one credit note", async () => h.erp.receivedFor("SO-X12-1").filter((k) => k === "credit-note").length === 1, 20_000);
	});

	it("takes a resent interchange as a repeat, and refuses other content under a control number already used", async () => {
		const [first] = h.wmsX12.received().filter((r) => r.path === "/edi");
		assert.ok(first, "the 940 we sent, to borrow a well-formed interchange shape");
		const body = String(first!.body).replace(/\*ZZ\*WAYBILL +\*ZZ\*EDI3PL +\*/, "*ZZ*EDI3PL         *ZZ*WAYBILL        *");
		const post = (text: string) => fetch(`${h.gatewayUrl}/webhooks/wms/edi-3pl`, { method: "POST", headers: { "content-type": "application/edi-x12", "x-edi-signature": sign3pl(text, h.secrets.wmsX12) }, body: text });
		const once = await post(body);
		const again = await post(body);
		assert.deepEqual([once.status, ((await once.json()) as { duplicate: boolean }).duplicate], [200, false]);
		assert.deepEqual([again.status, ((await again.json()) as { duplicate: boolean }).duplicate], [200, true]);
		const changed = await post(body.replace("W76*6", "W76*7"));
		assert.equal(changed.status, 409);
		assert.equal(((await changed.json()) as { type: string }).type, "https://waybill.dev/problems/duplicate-interchange");
	});
});
