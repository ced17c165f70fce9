import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateSecret, secretKey, sign, signedHeaders, verify } from "../../services/notifier/webhook-signature.ts";

// The example the Standard Webhooks reference libraries are tested against.
const SPEC = {
	secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
	timestamp: 1614265330,
	body: '{"test": 2432232314}',
	signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const AT_SPEC_TIME = new Date(SPEC.timestamp * 1000);

describe("Standard Webhooks signatures", () => {
	test("sign gives the spec's published signature for its example message", () => {
		assert.equal(sign(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body), SPEC.signature);
	});

	test("a secret without its whsec_ prefix signs the same", () => {
		assert.equal(sign(SPEC.secret.slice("whsec_".length), SPEC.id, SPEC.timestamp, SPEC.body), SPEC.signature);
	});

	test("signedHeaders names the id, the attempt's timestamp in seconds and the signature", () => {
		assert.deepEqual(signedHeaders(SPEC.secret, SPEC.id, SPEC.body, AT_SPEC_TIME), {
			"webhook-id": SPEC.id,
			"webhook-timestamp": String(SPEC.timestamp),
			"webhook-signature": SPEC.signature,
		});
	});

	test("verify accepts the spec's example, also among other signatures (a secret rotation)", () => {
		const headers = { "webhook-id": SPEC.id, "webhook-timestamp": String(SPEC.timestamp), "webhook-signature": SPEC.signature };
		assert.equal(verify(SPEC.secret, headers, SPEC.body, { now: AT_SPEC_TIME }), true);
		const rotated = { ...headers, "webhook-signature": `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${SPEC.signature}` };
		assert.equal(verify(SPEC.secret, rotated, SPEC.body, { now: AT_SPEC_TIME }), true);
	});

	test("verify refuses a changed body, another id, another secret, an old timestamp or a missing header", () => {
		const headers = { "webhook-id": SPEC.id, "webhook-timestamp": String(SPEC.timestamp), "webhook-signature": SPEC.signature };
		const now = { now: AT_SPEC_TIME };
		assert.equal(verify(SPEC.secret, headers, '{"test": 2432232315}', now), false);
		assert.equal(verify(SPEC.secret, { ...headers, "webhook-id": "msg_other" }, SPEC.body, now), false);
		assert.equal(verify(generateSecret(), headers, SPEC.body, now), false);
		assert.equal(verify(SPEC.secret, headers, SPEC.body, { now: new Date((SPEC.timestamp + 301) * 1000) }), false);
		assert.equal(verify(SPEC.secret, { ...headers, "webhook-signature": undefined }, SPEC.body, now), false);
		assert.equal(verify(SPEC.secret, { ...headers, "webhook-signature": SPEC.signature.replace("v1,", "v1a,") }, SPEC.body, now), false);
	});

	test("generated secrets are whsec_ and 32 random bytes, never the same twice", () => {
		const [a, b] = [generateSecret(), generateSecret()];
		assert.match(a, /^whsec_[A-Za-z0-9+/]+=*$/);
		assert.equal(secretKey(a).length, 32);
		assert.notEqual(a, b);
	});

	test("a secret with nothing after its prefix is refused", () => {
		assert.throws(() => secretKey("whsec_"), TypeError);
	});
});
