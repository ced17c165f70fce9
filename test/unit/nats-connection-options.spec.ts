import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "nats";
import { natsConnectionOptions, natsTransporter } from "../../mixins/streams/nats-connection-options.ts";
import { ERROR_TYPES } from "../../canonical/errors/index.ts";

/** What the client would send in its CONNECT: the authenticator is a function, so that nothing serialises it. */
const auth = (options: ConnectionOptions, nonce?: string) => (typeof options.authenticator === "function" ? options.authenticator(nonce) : undefined);
const withoutAuth = ({ authenticator: _a, ...rest }: ConnectionOptions) => rest;
const configurationInvalid = (setting: string) => (e: { type?: string; data?: { setting?: string } }) => e.type === ERROR_TYPES.CONFIGURATION_INVALID && e.data?.setting === setting;

// A throwaway user nkey, made for this test (nkeys.js createUser()).
const NKEY_SEED = "SUANZQ4T62E2SGRELHPXBLR6UOAQIUDHBMNWUOGBKTRJO7EUVHNUMNG4BY";
const NKEY_PUBLIC = "UBUW3KYCWCZY2DVUIIGVZT5IEMHO6TPVALORIL6XXSV5VMA2R7M2XMYJ";
/** The client only forwards the JWT; the server checks it. */
const JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2lnbmF0dXJl";
const CREDS = `-----BEGIN NATS USER JWT-----
${JWT}
------END NATS USER JWT------

-----BEGIN USER NKEY SEED-----
${NKEY_SEED}
------END USER NKEY SEED------
`;

describe("NATS connection options, shared by the stream bus and the Moleculer transporter", () => {
	let dir: string;
	before(() => {
		dir = mkdtempSync(join(tmpdir(), "waybill-nats-options-"));
		for (const name of ["ca.crt", "client.crt", "client.key"]) writeFileSync(join(dir, name), "-----BEGIN CERTIFICATE-----\n");
		writeFileSync(join(dir, "user.creds"), CREDS);
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	it("moves credentials out of the URL, which nats.js would otherwise drop", () => {
		const options = natsConnectionOptions("nats://saga:s%40cret@nats:4222", {});
		assert.deepEqual(withoutAuth(options), { servers: ["nats://nats:4222"] });
		assert.deepEqual(auth(options), { user: "saga", pass: "s@cret" });
	});

	it("keeps several servers and plain host:port entries, and sends no credentials when it has none", () => {
		assert.deepEqual(natsConnectionOptions("nats://a:4222, nats://b:4222", {}), { servers: ["nats://a:4222", "nats://b:4222"] });
	});

	it("lets NATS_USER, NATS_PASSWORD and NATS_TOKEN from the environment win", () => {
		assert.deepEqual(auth(natsConnectionOptions("nats://x:y@n:4222", { NATS_USER: "u", NATS_PASSWORD: "p" })), { user: "u", pass: "p" });
		assert.deepEqual(auth(natsConnectionOptions("nats://x:y@n:4222", { NATS_TOKEN: "t" })), { auth_token: "t" });
	});

	it("signs the server's nonce with NATS_NKEY_SEED and refuses a seed that is not a user's", () => {
		const answer = auth(natsConnectionOptions("nats://n:4222", { NATS_NKEY_SEED: NKEY_SEED, NATS_USER: "ignored" }), "nonce") as { nkey: string; sig: string };
		assert.equal(answer.nkey, NKEY_PUBLIC);
		assert.ok(answer.sig.length > 40);
		assert.throws(() => natsConnectionOptions("nats://n:4222", { NATS_NKEY_SEED: "SAAGARBAGE" }), configurationInvalid("NATS_NKEY_SEED"));
	});

	it("presents the JWT of NATS_CREDS_FILE before any other credential, and refuses a file it cannot read", () => {
		const answer = auth(natsConnectionOptions("nats://u:p@n:4222", { NATS_CREDS_FILE: join(dir, "user.creds"), NATS_TOKEN: "t" }), "nonce") as { jwt: string; nkey: string };
		assert.equal(answer.jwt, JWT);
		assert.equal(answer.nkey, NKEY_PUBLIC);
		assert.throws(() => natsConnectionOptions("nats://n:4222", { NATS_CREDS_FILE: join(dir, "missing.creds") }), configurationInvalid("NATS_CREDS_FILE"));
	});

	it("requires TLS with NATS_TLS=true or any TLS file, and takes a client certificate only with its key", () => {
		assert.equal(natsConnectionOptions("nats://n:4222", {}).tls, undefined);
		assert.deepEqual(natsConnectionOptions("nats://n:4222", { NATS_TLS: "true" }).tls, {});
		assert.deepEqual(natsConnectionOptions("nats://n:4222", { NATS_TLS_CA_FILE: join(dir, "ca.crt") }).tls, { caFile: join(dir, "ca.crt") });
		assert.deepEqual(
			natsConnectionOptions("nats://n:4222", { NATS_TLS: "true", NATS_TLS_CA_FILE: join(dir, "ca.crt"), NATS_TLS_CERT_FILE: join(dir, "client.crt"), NATS_TLS_KEY_FILE: join(dir, "client.key") }).tls,
			{ caFile: join(dir, "ca.crt"), certFile: join(dir, "client.crt"), keyFile: join(dir, "client.key") },
		);
		assert.throws(() => natsConnectionOptions("nats://n:4222", { NATS_TLS_CERT_FILE: join(dir, "client.crt") }), configurationInvalid("NATS_TLS_KEY_FILE"));
		assert.throws(() => natsConnectionOptions("nats://n:4222", { NATS_TLS_CA_FILE: join(dir, "nope.crt") }), configurationInvalid("NATS_TLS_CA_FILE"));
	});

	it("takes NATS_INBOX_PREFIX so that a service's user may subscribe to its own inbox only", () => {
		assert.equal(natsConnectionOptions("nats://n:4222", { NATS_INBOX_PREFIX: "_INBOX_saga" }).inboxPrefix, "_INBOX_saga");
	});

	it("never shows a credential when the options are serialised", () => {
		const options = natsConnectionOptions("nats://saga:hunter2@n:4222", { NATS_TLS_CA_FILE: join(dir, "ca.crt") });
		assert.doesNotMatch(JSON.stringify(options), /hunter2/);
		assert.doesNotMatch(JSON.stringify(natsTransporter({ TRANSPORTER: "nats://n:4222", NATS_TOKEN: "s3cret-token" })), /s3cret-token/);
	});

	it("gives the Moleculer transporter the same options, and leaves other transporters and embedded mode alone", () => {
		const transporter = natsTransporter({ TRANSPORTER: "nats://saga:pw@n:4222", NATS_TLS: "true", NATS_INBOX_PREFIX: "_INBOX_saga" }) as { type: string; options: ConnectionOptions };
		assert.equal(transporter.type, "NATS");
		assert.deepEqual(withoutAuth(transporter.options), { servers: ["nats://n:4222"], tls: {}, inboxPrefix: "_INBOX_saga" });
		assert.deepEqual(auth(transporter.options), { user: "saga", pass: "pw" });
		assert.equal(natsTransporter({ TRANSPORTER: "redis://r:6379" }), "redis://r:6379");
		assert.equal(natsTransporter({}), null);
		assert.equal((natsTransporter({}, "nats://other:4222") as { options: ConnectionOptions }).options.servers?.[0], "nats://other:4222");
	});
});
