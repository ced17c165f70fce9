import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { mapInbound, type MappedFact } from "../../services/mapper/canonical-mapper.ts";
import { keyFromBody } from "../../services/gateway/body-keys.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { jsonProfileFor } from "../../bin/cli/convert-document.ts";
import { assertValidMessage, catalogueEntry, createEnvelope } from "../../canonical/index.ts";

const CORPUS = new URL("../../../shared/conformance/erp/", import.meta.url);
const corpus = (name: string) => readFileSync(new URL(name, CORPUS), "utf8");
const skip = existsSync(CORPUS) ? false : "the conformance corpus (../shared/conformance) is not beside this checkout";
const fixture = (name: string) => readFileSync(new URL(`../fixtures/shopify/${name}`, import.meta.url), "utf8");
const profile = loadProfiles(new URL("../../mappings", import.meta.url).pathname).get("erp/shopify")!;
const RECEIVED_AT = "2026-11-26T10:00:00Z";
const map = (body: string) => mapInbound(profile, body, { receivedAt: RECEIVED_AT });

type Report = { orderId: string; fulfillmentId: string; stage: string; status: string; location?: string; carrier?: string; trackingNumbers?: string[]; lines?: unknown[]; shipTo?: Record<string, string>; message?: string; at: string };

/** The one fact a document maps to, checked against the catalogue as the streams would check it. */
async function one(body: string): Promise<MappedFact & { data: Report }> {
	const facts = await map(body);
	assert.equal(facts.length, 1, "one Shopify object, one canonical fact");
	const fact = facts[0]!;
	assertValidMessage(createEnvelope({ type: fact.type, source: "test", subject: fact.subject, time: fact.time, data: fact.data, schemaVersion: catalogueEntry(fact.type)!.version }));
	return fact as MappedFact & { data: Report };
}

describe("Shopify fulfillment objects as fulfillment reports", () => {
	it("reads a fulfillment order as requested of its location, with its lines and the destination as ship-to", async () => {
		const fact = await one(fixture("fulfillment-order-get-response.json"));
		assert.deepEqual([fact.type, fact.subject, fact.time, fact.partnerEventId], ["erp.fulfillment.reported", "SHOP-5829301977261", "2026-11-25T21:07:45.000Z", "fulfillment_order:6610382782637:in_progress:accepted@2026-11-25T16:07:45-05:00"]);
		assert.deepEqual(fact.data, {
			orderId: "SHOP-5829301977261",
			fulfillmentId: "6610382782637",
			stage: "requested",
			status: "in_progress",
			location: "Northpeak DC Mississauga",
			lines: [{ lineNo: 1, sku: "43850961125549", qty: 1 }, { lineNo: 2, sku: "43850961256621", qty: 2 }],
			shipTo: { name: "Avery Tremblay", line1: "250 Yonge St", line2: "Suite 1800", city: "Toronto", postalCode: "M5B 2L7", country: "CA", region: "Ontario", phone: "+1 416-555-0134", email: "orders@maple-outfitters.example" },
			message: "request accepted",
			at: "2026-11-25T21:07:45.000Z",
		});
	});

	it("reads a bare fulfillment order (a webhook body) the same as the wrapped REST read", async () => {
		const bare = JSON.stringify((JSON.parse(fixture("fulfillment-order-get-response.json")) as { fulfillment_order: unknown }).fulfillment_order);
		assert.deepEqual(await map(bare), await map(fixture("fulfillment-order-get-response.json")));
	});

	it("gives a cancelled fulfillment order the stage cancelled and a closed one the stage fulfilled", async () => {
		const withStatus = (status: string) => {
			const doc = JSON.parse(fixture("fulfillment-order-get-response.json")) as { fulfillment_order: { status: string } };
			doc.fulfillment_order.status = status;
			return JSON.stringify(doc);
		};
		assert.deepEqual([(await one(withStatus("cancelled"))).data.stage, (await one(withStatus("closed"))).data.stage], ["cancelled", "fulfilled"]);
	});

	it("leaves the ship-to out when the destination's country is a name it does not know, rather than guess", async () => {
		const doc = JSON.parse(fixture("fulfillment-order-get-response.json")) as { fulfillment_order: { destination: { country: string } } };
		doc.fulfillment_order.destination.country = "Atlantis";
		assert.equal((await one(JSON.stringify(doc))).data.shipTo, undefined);
	});

	it("reads a fulfillment as fulfilled, with its carrier, tracking numbers and lines (the variant when the SKU is blank)", async () => {
		const fact = await one(fixture("fulfillments-update-webhook.json"));
		assert.deepEqual([fact.subject, fact.time, fact.partnerEventId], ["SHOP-5829301977261", "2026-11-26T14:31:40.000Z", "fulfillment:4903312015533:success:in_transit@2026-11-26T09:31:40-05:00"]);
		assert.deepEqual(fact.data, {
			orderId: "SHOP-5829301977261",
			fulfillmentId: "4903312015533",
			stage: "fulfilled",
			status: "success",
			location: "71253434541",
			carrier: "UPS",
			trackingNumbers: ["1Z999AA10123456784"],
			lines: [{ lineNo: 1, sku: "TR-GTX-42-BLK", qty: 1 }, { lineNo: 2, sku: "43850961256621", qty: 2 }],
			message: "shipment in_transit",
			at: "2026-11-26T14:31:40.000Z",
		});
	});

	it("names a custom line, with neither SKU nor variant, by its order line item", async () => {
		const doc = JSON.parse(fixture("fulfillments-update-webhook.json")) as { line_items: Array<Record<string, unknown>> };
		doc.line_items = [{ ...doc.line_items[0], sku: null, variant_id: null }];
		assert.deepEqual((await one(JSON.stringify(doc))).data.lines, [{ lineNo: 1, sku: "line-14291820413101", qty: 1 }]);
	});

	it("gives a fulfillment that is still with the fulfillment service the stage requested, and a failed one the stage cancelled", async () => {
		const withStatus = (status: string) => JSON.stringify({ ...(JSON.parse(fixture("fulfillments-update-webhook.json")) as object), status });
		const stages = await Promise.all(["pending", "open", "failure", "cancelled"].map(async (s) => (await one(withStatus(s))).data.stage));
		assert.deepEqual(stages, ["requested", "requested", "cancelled", "cancelled"]);
	});

	it("reads a fulfillment event as tracking, where and when it happened", async () => {
		const fact = await one(fixture("fulfillment-events-create-webhook.json"));
		assert.deepEqual([fact.subject, fact.time, fact.partnerEventId], ["SHOP-5829301977261", "2026-11-27T15:12:00.000Z", "fulfillment_event:28114590957741"]);
		assert.deepEqual(fact.data, {
			orderId: "SHOP-5829301977261",
			fulfillmentId: "4903312015533",
			stage: "tracking",
			status: "out_for_delivery",
			location: "Mountain View, California, United States",
			message: "Out for delivery",
			at: "2026-11-27T15:12:00.000Z",
		});
	});

	it("names the order by the number inside a GraphQL gid, as the order mapping names it", async () => {
		const doc = JSON.parse(fixture("fulfillment-events-create-webhook.json")) as Record<string, unknown>;
		const fact = await one(JSON.stringify({ fulfillment_event: { ...doc, order_id: "gid://shopify/Order/5829301977261", fulfillment_id: "gid://shopify/Fulfillment/4903312015533" } }));
		assert.deepEqual([fact.subject, fact.data.fulfillmentId], ["SHOP-5829301977261", "4903312015533"]);
	});

	it("yields nothing for a lean fulfillment_orders/* webhook that names no order", async () => {
		assert.deepEqual(await map(fixture("fulfillment-orders-cancelled-webhook.json")), []);
	});

	it("routes an orders/* body to the order release still", async () => {
		const order = { id: 5829301977261, email: "a@example.com", financial_status: "paid", line_items: [{ sku: "A", title: "A", quantity: 1, price: "1.00" }], customer: { id: 1, first_name: "A", last_name: "B" }, shipping_address: { name: "A B", address1: "1 Main St", city: "Ottawa", zip: "K1A 0A6", country_code: "CA" }, currency: "CAD", total_price: "1.00", shipping_lines: [] };
		assert.deepEqual((await map(JSON.stringify(order))).map((f) => [f.type, f.subject]), [["erp.order.released", "SHOP-5829301977261"]]);
	});

	it("keys each webhook by the order its mapping names, so one order's messages share a partition", async () => {
		const { orderKey } = loadPartnerRegistry().find("erp", "shopify").webhook!;
		for (const name of ["fulfillment-order-get-response.json", "fulfillments-update-webhook.json", "fulfillment-events-create-webhook.json"]) {
			const [fact] = await map(fixture(name));
			assert.equal(await keyFromBody(orderKey, Buffer.from(fixture(name))), fact!.subject, name);
		}
		assert.equal(await keyFromBody(orderKey, Buffer.from(fixture("fulfillment-orders-cancelled-webhook.json"))), undefined, "a lean webhook names no order: the gateway falls back");
	});

	it("is recognised by shape without --profile, bare or wrapped", () => {
		const shapes = [
			JSON.parse(fixture("fulfillment-order-get-response.json")),
			JSON.parse(fixture("fulfillment-order-get-response.json")).fulfillment_order,
			JSON.parse(fixture("fulfillments-update-webhook.json")),
			{ fulfillment: JSON.parse(fixture("fulfillments-update-webhook.json")) },
			JSON.parse(fixture("fulfillment-events-create-webhook.json")),
			{ fulfillment_event: JSON.parse(fixture("fulfillment-events-create-webhook.json")) },
		];
		assert.deepEqual(shapes.map(jsonProfileFor), Array(shapes.length).fill("erp/shopify"));
		assert.equal(jsonProfileFor({ fulfillment: { id: 1, status: "open" } }), undefined, "a bare 'fulfillment' key is not enough to claim a document");
	});
});

describe("Shopify's published fulfillment objects (conformance corpus)", { skip }, () => {
	it("maps the fulfillment create response to a fulfillment of order #1001, under the order's own id", async () => {
		const [order] = await map(corpus("shopify_order_get_response.json"));
		const fact = await one(corpus("shopify_fulfillment_create_response.json"));
		assert.equal(fact.subject, order!.subject);
		assert.deepEqual([fact.data.stage, fact.data.status, fact.data.fulfillmentId, fact.data.lines, fact.data.trackingNumbers], ["fulfilled", "success", "1022782884", [{ lineNo: 1, sku: "IPOD2008GREEN", qty: 1 }], undefined]);
	});

	it("maps the fulfillment order to a request of the Shipwire location, shipping to Louisville, US", async () => {
		const fact = await one(corpus("shopify_fulfillment_order_get_response.json"));
		assert.deepEqual([fact.subject, fact.data.stage, fact.data.status, fact.data.location, fact.data.message], ["SHOP-450789469", "requested", "open", "Apple Api Shipwire", "request submitted"]);
		assert.deepEqual(fact.data.shipTo, { name: "Bob Norman", line1: "Chestnut Street 92", city: "Louisville", postalCode: "40202", country: "US", region: "Kentucky", phone: "555-625-1199", email: "bob.norman@hostmail.com" });
		assert.equal(fact.time, RECEIVED_AT, "it carries no timestamp: the time it was received");
	});

	it("maps the fulfillment event, which names no order, under its fulfillment, marked as not an order id", async () => {
		const fact = await one(corpus("shopify_fulfillment_event_get_response.json"));
		assert.deepEqual([fact.subject, fact.time, fact.data.stage, fact.data.status, fact.data.fulfillmentId], ["shopify-fulfillment:255858046", "2015-10-19T19:54:44.000Z", "tracking", "in_transit", "255858046"]);
		const { orderKey } = loadPartnerRegistry().find("erp", "shopify").webhook!;
		assert.equal(await keyFromBody(orderKey, Buffer.from(corpus("shopify_fulfillment_event_get_response.json"))), fact.subject);
	});
});
