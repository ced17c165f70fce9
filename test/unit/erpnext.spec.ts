import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { mapInbound, type MappedFact } from "../../services/mapper/canonical-mapper.ts";
import { verifyWebhook } from "../../services/gateway/webhook-verifier.ts";
import { keyFromBody } from "../../services/gateway/body-keys.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { convertDocument, jsonProfileFor } from "../../bin/cli/convert-document.ts";
import { assertValidMessage, catalogueEntry, createEnvelope, isSignatureInvalid } from "../../canonical/index.ts";

const profiles = loadProfiles(fileURLToPath(new URL("../../mappings", import.meta.url)));
const profile = profiles.get("erp/erpnext")!;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/erpnext/${name}`, import.meta.url), "utf8");
const doc = (name: string) => JSON.parse(fixture(name)) as Record<string, any>;
const RECEIVED_AT = "2026-11-26T10:00:00Z";
const map = (body: string | object) => mapInbound(profile, typeof body === "string" ? body : JSON.stringify(body), { receivedAt: RECEIVED_AT });

/** Each fact as the mapper service would publish it: the envelope must pass the catalogue's gate. */
function checked(facts: MappedFact[]): MappedFact[] {
	for (const f of facts) assertValidMessage(createEnvelope({ type: f.type, source: "test", subject: f.subject, time: f.time, data: f.data, schemaVersion: catalogueEntry(f.type)!.version }));
	return facts;
}

describe("ERPNext Sales Orders", () => {
	it("releases a submitted Sales Order with its customer, ship-to, lines, value and delivery day", async () => {
		const facts = checked(await map(fixture("sales-order-submitted.json")));
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, f.partnerEventId]), [["erp.order.released", "ERPN-SAL-ORD-2026-00042", "2026-11-24T09:20:05.117Z", "sales-order:SAL-ORD-2026-00042"]]);
		assert.deepEqual(facts[0]!.data, {
			orderId: "ERPN-SAL-ORD-2026-00042",
			customer: { id: "CUST-00017", name: "Radhaus Köln GmbH", email: "einkauf@radhaus-koeln.example", phone: "+49 170 555 0142" },
			shipTo: { name: "Radhaus Köln GmbH", line1: "Hansaring 97", line2: "Hof 2", city: "Köln", postalCode: "50670", country: "DE", region: "Nordrhein-Westfalen", phone: "+49 221 555 0142", email: "lager@radhaus-koeln.example" },
			lines: [
				{ lineNo: 1, sku: "FW-CITY-28-M", description: 'City Bike 28" Frame M', qty: 2, unitPrice: 649 },
				{ lineNo: 2, sku: "FW-LOCK-U-180", description: "U-Lock 180 mm", qty: 3, unitPrice: 63.67 },
			],
			currency: "EUR",
			orderValue: 1771.91,
			serviceLevel: "standard",
			requestedWindow: { from: "2026-11-28T00:00:00Z", to: "2026-11-28T23:59:59Z" },
		});
	});

	it("releases nothing for a draft (docstatus 0)", async () => {
		assert.deepEqual(await map({ ...doc("sales-order-submitted.json"), docstatus: 0, status: "Draft" }), []);
	});

	it("reads an express shipping rule as the express service level", async () => {
		const [fact] = await map({ ...doc("sales-order-submitted.json"), shipping_rule: "DHL Express Next Day" });
		assert.equal((fact!.data as { serviceLevel: string }).serviceLevel, "express");
	});

	it("honours a modified time sent with an offset, and reads a naive one as UTC", async () => {
		const [naive] = await map(fixture("sales-order-submitted.json"));
		const [offset] = await map({ ...doc("sales-order-submitted.json"), modified: "2026-11-24T09:20:05+01:00" });
		assert.deepEqual([naive!.time, offset!.time], ["2026-11-24T09:20:05.117Z", "2026-11-24T08:20:05.000Z"]);
	});

	it("refuses a Sales Order sent without its Address, naming the missing ship-to", async () => {
		const { shipping_address_doc: _, ...bare } = doc("sales-order-submitted.json");
		const conversion = await convertDocument(JSON.stringify(bare), { profiles, receivedAt: RECEIVED_AT });
		assert.ok(!conversion.accepted);
		assert.deepEqual([conversion.problem.profile, conversion.problem.detail], ["erp/erpnext", "erp.order.released is invalid: The 'shipTo' field is required."]);
	});

	it("cancels the order when the Sales Order is cancelled (docstatus 2)", async () => {
		const facts = checked(await map(fixture("sales-order-cancelled.json")));
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, f.partnerEventId, f.data]), [
			["erp.order.cancelled", "ERPN-SAL-ORD-2026-00042", "2026-11-25T14:03:44.902Z", "sales-order:SAL-ORD-2026-00042:cancelled", { orderId: "ERPN-SAL-ORD-2026-00042", reason: "Sales Order SAL-ORD-2026-00042 cancelled in ERPNext" }],
		]);
	});
});

describe("ERPNext Delivery Notes", () => {
	it("reports a submitted Delivery Note as the order fulfilled, with transporter, LR number, lines and posting time", async () => {
		const facts = checked(await map(fixture("delivery-note-submitted.json")));
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, f.partnerEventId]), [["erp.fulfillment.reported", "ERPN-SAL-ORD-2026-00042", "2026-11-26T08:02:41.000Z", "delivery-note:MAT-DN-2026-00118:1:To Bill:SAL-ORD-2026-00042"]]);
		assert.deepEqual(facts[0]!.data, {
			orderId: "ERPN-SAL-ORD-2026-00042",
			fulfillmentId: "MAT-DN-2026-00118",
			stage: "fulfilled",
			status: "to_bill",
			location: "Lager Hamburg - FW",
			carrier: "DHL Paket",
			trackingNumbers: ["00340434161094042557"],
			lines: [{ lineNo: 1, sku: "FW-CITY-28-M", qty: 2 }, { lineNo: 2, sku: "FW-LOCK-U-180", qty: 3 }],
			shipTo: { name: "Radhaus Köln GmbH", line1: "Hansaring 97", line2: "Hof 2", city: "Köln", postalCode: "50670", country: "DE", region: "Nordrhein-Westfalen" },
			message: "vehicle HH-FW 2211",
			at: "2026-11-26T08:02:41.000Z",
		});
	});

	it("reports a note that delivers two Sales Orders once per order, each with its own lines", async () => {
		const note = doc("delivery-note-submitted.json");
		note.items[1].against_sales_order = "SAL-ORD-2026-00043";
		const facts = checked(await map(note));
		assert.deepEqual(facts.map((f) => [f.subject, (f.data as { lines: Array<{ sku: string }> }).lines.map((l) => l.sku)]), [["ERPN-SAL-ORD-2026-00042", ["FW-CITY-28-M"]], ["ERPN-SAL-ORD-2026-00043", ["FW-LOCK-U-180"]]]);
		assert.equal(new Set(facts.map((f) => f.partnerEventId)).size, 2, "each report has its own identity, so neither is taken for a duplicate");
	});

	it("reports a return Delivery Note as the original fulfillment cancelled, status returned, with the quantity that came back", async () => {
		const facts = checked(await map(fixture("delivery-note-return.json")));
		assert.equal(facts.length, 1);
		const data = facts[0]!.data as Record<string, unknown>;
		assert.deepEqual([facts[0]!.subject, data.fulfillmentId, data.stage, data.status, data.lines, data.message], ["ERPN-SAL-ORD-2026-00042", "MAT-DN-2026-00118", "cancelled", "returned", [{ lineNo: 1, sku: "FW-LOCK-U-180", qty: 1 }], "returned by MAT-DN-RET-2026-00007"]);
	});

	it("reports a cancelled Delivery Note (docstatus 2) as cancelled at the time it was cancelled", async () => {
		const facts = checked(await map({ ...doc("delivery-note-submitted.json"), docstatus: 2, status: "Cancelled", modified: "2026-11-26 11:45:00.000001" }));
		const data = facts[0]!.data as Record<string, unknown>;
		assert.deepEqual([data.fulfillmentId, data.stage, data.status, data.at], ["MAT-DN-2026-00118", "cancelled", "cancelled", "2026-11-26T11:45:00.000Z"]);
	});

	it("reports nothing for a draft note or one that delivers no Sales Order", async () => {
		const note = doc("delivery-note-submitted.json");
		const orphan = { ...note, items: note.items.map(({ against_sales_order: _, ...item }: Record<string, unknown>) => item) };
		assert.deepEqual([await map({ ...note, docstatus: 0 }), await map(orphan)], [[], []]);
	});
});

describe("ERPNext webhooks", () => {
	const entry = loadPartnerRegistry().find("erp", "erpnext");
	const SECRET = "d7c1f0e2a9b84c31";
	const body = Buffer.from(fixture("sales-order-submitted.json"));
	const sign = (secret: string, bytes: Buffer) => createHmac("sha256", secret).update(bytes).digest("base64");
	const refusal = (headers: Record<string, string>, bytes: Buffer, secrets = [SECRET]) => {
		try {
			verifyWebhook(entry, secrets, headers, bytes);
		} catch (e: unknown) {
			return e;
		}
		return undefined;
	};

	it("accepts X-Frappe-Webhook-Signature: base64 HMAC-SHA256 of the raw body with the webhook secret", () => {
		assert.equal(refusal({ "x-frappe-webhook-signature": sign(SECRET, body) }, body), undefined);
	});

	it("refuses a body changed after signing, a signature made with another secret, and a missing header", () => {
		const tampered = Buffer.from(body.toString("utf8").replace('"grand_total": 1771.91', '"grand_total": 17.91'));
		assert.notDeepEqual(tampered, body);
		assert.ok(isSignatureInvalid(refusal({ "x-frappe-webhook-signature": sign(SECRET, body) }, tampered)), "tampered body");
		assert.ok(isSignatureInvalid(refusal({ "x-frappe-webhook-signature": sign("another-secret", body) }, body)), "wrong secret");
		assert.ok(isSignatureInvalid(refusal({}, body)), "no signature");
	});

	it("accepts either secret during a rotation", () => {
		assert.equal(refusal({ "x-frappe-webhook-signature": sign(SECRET, body) }, body, ["new-secret", SECRET]), undefined);
	});

	it("keys a document by the order its mapping names, and identifies it by doctype, name and modified time", async () => {
		for (const name of ["sales-order-submitted.json", "delivery-note-submitted.json", "delivery-note-return.json"]) {
			const [fact] = await map(fixture(name));
			assert.equal(await keyFromBody(entry.webhook!.orderKey, Buffer.from(fixture(name))), fact!.subject, name);
		}
		assert.equal(await keyFromBody(entry.webhook!.eventId, body), "Sales Order:SAL-ORD-2026-00042:2026-11-24 09:20:05.117402");
	});

	it("is recognised by its doctype without --profile", () => {
		assert.deepEqual([doc("sales-order-submitted.json"), doc("delivery-note-return.json"), { doctype: "Purchase Order" }].map(jsonProfileFor), ["erp/erpnext", "erp/erpnext", undefined]);
	});
});
