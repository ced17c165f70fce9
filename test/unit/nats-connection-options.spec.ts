import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { natsConnectionOptions } from "../../mixins/streams/nats-connection-options.ts";

describe("NATS connection options for the stream bus", () => {
	it("moves credentials out of the URL, which nats.js would otherwise drop", () => {
		assert.deepEqual(natsConnectionOptions("nats://saga:s%40cret@nats:4222", {}), { servers: ["nats://nats:4222"], user: "saga", pass: "s@cret" });
	});

	it("keeps several servers and plain host:port entries", () => {
		assert.deepEqual(natsConnectionOptions("nats://a:4222, nats://b:4222", {}), { servers: ["nats://a:4222", "nats://b:4222"] });
	});

	it("lets NATS_USER, NATS_PASSWORD and NATS_TOKEN from the environment win", () => {
		assert.deepEqual(natsConnectionOptions("nats://x:y@n:4222", { NATS_USER: "u", NATS_PASSWORD: "p" }), { servers: ["nats://n:4222"], user: "u", pass: "p" });
		assert.deepEqual(natsConnectionOptions("nats://n:4222", { NATS_TOKEN: "t" }), { servers: ["nats://n:4222"], token: "t" });
	});
});
