import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { sign3pl } from "../../simulators/signatures.ts";

const ORDER = "SO-EDIFACT-1";
const CONSIGNMENT = "FF-EDIFACT-1";
/** DTM format 203 (CCYYMMDDHHMM, UTC as the profiles' tables say) a little ahead: a despatch dated before the release is a late fact, which moves no status. */
const SOON = new Date(Date.now() + 120_000).toISOString().replace(/[-T:]/g, "").slice(0, 12);

/** An EDIFACT interchange around the given message segments, its UNT counted. */
function interchange(reference: string, sender: string, segments: string[]): string {
	const [unh, ...body] = segments;
	return ["UNA:+.? '", `UNB+UNOC:3+${sender}:14+5498765000000:14+240315:0930+${reference}'`, unh, ...body, `UNT+${segments.length + 1}+1'`, `UNZ+1+${reference}'`].join("\n") + "\n";
}

/** The 3PL's despatch advice for the order's three lines: a pallet with lines 1 and 2, a labelled carton with line 3. */
const desadv = (reference: string) => interchange(reference, "5412345000006", [
	"UNH+1+DESADV:D:96A:UN:EAN005'", `BGM+351+DES-${ORDER}+9'`, `DTM+11:${SOON}:203'`, `RFF+ON:${ORDER}'`, `RFF+CN:${CONSIGNMENT}'`,
	"TDT+20++30+31+5400000000010::9:FAST FREIGHT NV'",
	"CPS+1'", "PAC+1++201'", "PCI+33E'", "GIN+BJ+354123450000000014'",
	"LIN+1++5412345111115:EN'", "PIA+1+SKU-1:IN'", "QTY+12:1'",
	"LIN+2++5412345222224:EN'", "PIA+1+SKU-2:IN'", "QTY+12:2'",
	"CPS+2+1'", "PAC+1++CT'", "PCI+33E'", "GIN+BJ+354123450000000038'",
	"LIN+3++5412345333333:EN'", "PIA+1+SKU-3:IN'", "QTY+12:3'",
	"CNT+2:3'",
]);

/** The carrier's report on the consignment: it names no order, only the consignment number the 3PL manifested. */
const iftsta = interchange("IFTSTA0001", "5400000000010", [
	"UNH+1+IFTSTA:D:01B:UN:EAN004'", "BGM+23+ST-1+9'", `CNI+1+${CONSIGNMENT}'`, "STS+1+31'", `DTM+334:${SOON}:203'`,
]);

describe("EDIFACT partners on a running platform: a 3PL's DESADV and a carrier's IFTSTA through their profiles", () => {
	let h: Harness;
	const secrets = { wms: randomBytes(16).toString("hex"), lastmile: randomBytes(16).toString("hex") };
	const post = (path: string, text: string, secret: string) =>
		fetch(`${h.gatewayUrl}/webhooks/${path}`, { method: "POST", headers: { "content-type": "application/edifact", "x-edi-signature": sign3pl(text, secret) }, body: text });

	before(async () => {
		process.env.WEBHOOK_SECRET_WMS_EDIFACT_3PL = secrets.wms;
		process.env.WEBHOOK_SECRET_LASTMILE_EDIFACT_CARRIER = secrets.lastmile;
		// No partner adapters: nothing but the DESADV ships the order.
		h = await startHarness({ mode: "embedded", services: ["gateway", "mapper", "saga", "ledger"] });
		assert.equal((await releaseOrder(h, testOrder(ORDER, 3))).status, 202);
		await eventually("the saga knows the order", () => h.client.call("saga.getOrder", { orderId: ORDER }), 10_000);
	});
	after(async () => {
		await h?.stop();
		delete process.env.WEBHOOK_SECRET_WMS_EDIFACT_3PL;
		delete process.env.WEBHOOK_SECRET_LASTMILE_EDIFACT_CARRIER;
	});

	it("turns a signed DESADV posted to /webhooks/wms/edifact-3pl into the order's shipment, stamped with the profile version", async () => {
		const posted = await post("wms/edifact-3pl", desadv("DESADV0100"), secrets.wms);
		assert.deepEqual([posted.status, ((await posted.json()) as { duplicate: boolean }).duplicate], [200, false]);
		type Order = { status: string; shipments: Array<{ shipmentId: string; lines: Array<{ sku: string; qty: number }>; packages: Array<{ sscc?: string }>; carrier?: string; trackingNumber?: string }> };
		const order = await eventually("the shipment on the order", async () => {
			const o = await h.client.call<Order, { orderId: string }>("saga.getOrder", { orderId: ORDER });
			return o.shipments.length > 0 ? o : undefined;
		}, 10_000);
		assert.equal(order.status, "manifested");
		assert.deepEqual(order.shipments.map((s) => [s.shipmentId, s.carrier, s.trackingNumber]), [[`DES-${ORDER}`, "FAST FREIGHT NV", CONSIGNMENT]]);
		assert.deepEqual(order.shipments[0]!.lines.map((l) => [l.sku, l.qty]), [["SKU-1", 1], ["SKU-2", 2], ["SKU-3", 3]]);
		assert.deepEqual(order.shipments[0]!.packages.map((p) => p.sscc), ["354123450000000014", "354123450000000038"]);
		const trace = await h.client.call<{ hops: Array<{ type: string; kind: string; partner?: string; mappingVersion?: string }> }, { orderId: string }>("ledger.trace", { orderId: ORDER });
		assert.equal(trace.hops.find((x) => x.type === "wms.shipment.manifested")?.mappingVersion, "edifact-3pl@1.0.0");
		assert.equal(trace.hops.filter((x) => x.kind === "inbound" && x.partner === "edifact-3pl").length, 1, "the DESADV, stored and recorded under the order it names");
	});

	it("takes the same interchange resent as a repeat, and refuses other content under an interchange reference already used", async () => {
		const again = await post("wms/edifact-3pl", desadv("DESADV0100"), secrets.wms);
		assert.deepEqual([again.status, ((await again.json()) as { duplicate: boolean }).duplicate], [200, true]);
		const changed = await post("wms/edifact-3pl", desadv("DESADV0100").replace("QTY+12:3'", "QTY+12:2'"), secrets.wms);
		assert.equal(changed.status, 409);
		assert.equal(((await changed.json()) as { type: string }).type, "https://waybill.dev/problems/duplicate-interchange");
	});

	it("finds the order of a carrier's IFTSTA by the consignment number the DESADV manifested", async () => {
		const posted = await post("lastmile/edifact-carrier", iftsta, secrets.lastmile);
		assert.equal(posted.status, 200);
		const hop = await eventually("the dispatch on the order's trace", async () => {
			const trace = await h.client.call<{ hops: Array<{ type: string; mappingVersion?: string }> }, { orderId: string }>("ledger.trace", { orderId: ORDER });
			return trace.hops.find((x) => x.type === "lastmile.job.dispatched");
		}, 10_000);
		assert.equal(hop.mappingVersion, "edifact-carrier@1.0.0");
	});
});
