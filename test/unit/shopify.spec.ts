import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import { verifyWebhook } from "../../services/gateway/webhook-verifier.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { assertValidMessage, catalogueEntry, createEnvelope, isSignatureInvalid } from "../../canonical/index.ts";

const ORDER = new URL("../../../shared/conformance/erp/shopify_order_get_response.json", import.meta.url);
const skip = existsSync(ORDER) ? false : "the conformance corpus (../shared/conformance) is not beside this checkout";
const profile = () => loadProfiles(new URL("../../mappings", import.meta.url).pathname).get("erp/shopify")!;

describe("Shopify orders as released orders", { skip }, () => {
	it("maps Shopify's order #1001 to a valid canonical release with its lines, prices, ship-to and value", async () => {
		const [fact] = await mapInbound(profile(), readFileSync(ORDER, "utf8"), { receivedAt: "2026-11-26T10:00:00Z" });
		assert.deepEqual([fact!.type, fact!.subject, fact!.time, fact!.partnerEventId], ["erp.order.released", "SHOP-450789469", "2008-01-10T16:00:00.000Z", "order:450789469"]);
		const data = fact!.data as { lines: Array<{ sku: string; qty: number; unitPrice: number }>; shipTo: { city: string; country: string }; orderValue: number; currency: string };
		assert.deepEqual(data.lines.map((l) => [l.sku, l.qty, l.unitPrice]), [["IPOD2008GREEN", 1, 199], ["IPOD2008RED", 1, 199], ["IPOD2008BLACK", 1, 199]]);
		assert.deepEqual([data.shipTo.city, data.shipTo.country, data.orderValue, data.currency], ["Ottawa", "CA", 409.94, "USD"]);
		assertValidMessage(createEnvelope({ type: fact!.type, source: "test", subject: fact!.subject, data: fact!.data, schemaVersion: catalogueEntry(fact!.type)!.version }));
	});

	it("reads an orders/create webhook body (the Order itself) the same as a REST read", async () => {
		const order = (JSON.parse(readFileSync(ORDER, "utf8")) as { order: unknown }).order;
		const [fromWebhook] = await mapInbound(profile(), JSON.stringify(order), { receivedAt: "2026-11-26T10:00:00Z" });
		const [fromRead] = await mapInbound(profile(), readFileSync(ORDER, "utf8"), { receivedAt: "2026-11-26T10:00:00Z" });
		assert.deepEqual(fromWebhook, fromRead);
	});

	it("verifies X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body) and refuses a forged one", () => {
		const entry = loadPartnerRegistry().find("erp", "shopify");
		const body = readFileSync(ORDER);
		const signature = createHmac("sha256", "shpss_test").update(body).digest("base64");
		assert.doesNotThrow(() => verifyWebhook(entry, ["shpss_test"], { "x-shopify-hmac-sha256": signature }, body));
		let error: unknown;
		try {
			verifyWebhook(entry, ["shpss_test"], { "x-shopify-hmac-sha256": signature.toLowerCase() }, body);
		} catch (e) {
			error = e;
		}
		assert.ok(isSignatureInvalid(error), "base64 is case-sensitive: a lower-cased signature is forged");
	});
});
