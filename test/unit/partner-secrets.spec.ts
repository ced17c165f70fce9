import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";

const registry = loadPartnerRegistry();

describe("each partner's webhook credential is its own", () => {
	test("distinct secrets, and a rotation's two secrets for one partner, are accepted", () => {
		assert.doesNotThrow(() => registry.assertOwnWebhookSecrets({ WEBHOOK_SECRET_WMS_ACME_3PL: "a-new,a-old", WEBHOOK_SECRET_WMS_EDI_3PL: "b", WEBHOOK_SECRET_LASTMILE_ONFLEET: "c" }));
	});

	test("two partners sharing a secret (even only the old one of a rotation) refuse to start, naming both partners and not the secret", () => {
		for (const env of [
			{ WEBHOOK_SECRET_WMS_ACME_3PL: "shared", WEBHOOK_SECRET_WMS_EDI_3PL: "shared" },
			{ WEBHOOK_SECRET_WMS_ACME_3PL: "a-new,shared", WEBHOOK_SECRET_LASTMILE_ONFLEET: "shared" },
		]) {
			assert.throws(() => registry.assertOwnWebhookSecrets(env), (e: Error & { type?: string }) => {
				assert.equal(e.type, "CONFIGURATION_INVALID");
				assert.match(e.message, /partners '.+' and '.+' share a webhook secret/);
				assert.doesNotMatch(e.message, /shared/);
				return true;
			});
		}
	});
});
