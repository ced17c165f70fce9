import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { verifyWebhook } from "../../services/gateway/webhook-verifier.ts";
import { loadPartnerRegistry, type PartnerEntry } from "../../config/partner-registry.ts";
import { signed3plHeaders } from "../../simulators/signatures.ts";
import { signedHeaders } from "../../services/notifier/webhook-signature.ts";

const registry = loadPartnerRegistry();
const acme = registry.find("wms", "acme-3pl");
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const nowSeconds = NOW / 1000;
const body = '{"eventId":"evt_1","eventType":"order.picked"}';

const refusal = (run: () => void): string => {
	try {
		run();
	} catch (e: unknown) {
		return (e as { type: string }).type;
	}
	return "accepted";
};

describe("partner webhook verification over the raw body", () => {
	test("the generic 3PL's timestamped signature is accepted inside its window, from either of two rotating secrets", () => {
		assert.equal(refusal(() => verifyWebhook(acme, ["new-secret", "old-secret"], signed3plHeaders(body, "old-secret", nowSeconds - 299), Buffer.from(body), NOW)), "accepted");
		assert.equal(refusal(() => verifyWebhook(acme, ["new-secret", "old-secret"], signed3plHeaders(body, "new-secret", nowSeconds + 60), Buffer.from(body), NOW)), "accepted");
	});

	test("a genuine signature replayed after the window is refused as stale, and one dated ahead of it too", () => {
		assert.equal(refusal(() => verifyWebhook(acme, ["s"], signed3plHeaders(body, "s", nowSeconds - 301), Buffer.from(body), NOW)), "SIGNATURE_STALE");
		assert.equal(refusal(() => verifyWebhook(acme, ["s"], signed3plHeaders(body, "s", nowSeconds + 3600), Buffer.from(body), NOW)), "SIGNATURE_STALE");
	});

	test("moving the timestamp into the window breaks the signature, since the timestamp is signed", () => {
		const headers = { ...signed3plHeaders(body, "s", nowSeconds - 3600), "x-3pl-timestamp": String(nowSeconds) };
		assert.equal(refusal(() => verifyWebhook(acme, ["s"], headers, Buffer.from(body), NOW)), "SIGNATURE_INVALID");
	});

	test("a missing or malformed timestamp, a changed body, another partner's secret and no secret at all are refused", () => {
		const good = signed3plHeaders(body, "s", nowSeconds);
		const { "x-3pl-timestamp": _dropped, ...withoutTimestamp } = good;
		assert.equal(refusal(() => verifyWebhook(acme, ["s"], withoutTimestamp, Buffer.from(body), NOW)), "SIGNATURE_INVALID");
		assert.equal(refusal(() => verifyWebhook(acme, ["s"], { ...good, "x-3pl-timestamp": "12e3" }, Buffer.from(body), NOW)), "SIGNATURE_INVALID");
		assert.equal(refusal(() => verifyWebhook(acme, ["s"], good, Buffer.from(body.replace("picked", "packed")), NOW)), "SIGNATURE_INVALID");
		assert.equal(refusal(() => verifyWebhook(acme, ["other-partners-secret"], good, Buffer.from(body), NOW)), "SIGNATURE_INVALID");
		assert.equal(refusal(() => verifyWebhook(acme, [], good, Buffer.from(body), NOW)), "SIGNATURE_INVALID");
	});

	test("a partner on Standard Webhooks: id, timestamp and body signed; a rotation's two signatures in one header", () => {
		const partner: PartnerEntry = { ...acme, webhook: { scheme: "standard-webhooks", signatureHeader: "webhook-signature", secretEnv: "X", timestamp: { header: "webhook-timestamp", toleranceSeconds: 300 } } };
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
		const headers: Record<string, string> = { ...signedHeaders(secret, "msg_1", body, new Date(NOW)) };
		assert.equal(refusal(() => verifyWebhook(partner, [secret], headers, Buffer.from(body), NOW)), "accepted");
		const rotated = { ...headers, "webhook-signature": `v1,${createHmac("sha256", "x").update("y").digest("base64")} ${headers["webhook-signature"]}` };
		assert.equal(refusal(() => verifyWebhook(partner, [secret], rotated, Buffer.from(body), NOW)), "accepted");
		assert.equal(refusal(() => verifyWebhook(partner, [secret], { ...headers, "webhook-id": "msg_2" }, Buffer.from(body), NOW)), "SIGNATURE_INVALID");
		assert.equal(refusal(() => verifyWebhook(partner, [secret], headers, Buffer.from(body), NOW + 301_000)), "SIGNATURE_STALE");
	});
});
