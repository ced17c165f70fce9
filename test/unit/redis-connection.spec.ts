import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "ioredis";
import { createRedisClient, createRedisConnection, parseClusterUrl, redisClientOptions } from "../../mixins/store/redis-connection.ts";
import { redactUrl } from "../../mixins/logging/redact-url.ts";
import { runtimeSettingsFromEnv } from "../../mixins/runtime/runtime-settings.ts";
import { ERROR_TYPES } from "../../canonical/errors/index.ts";

const configurationInvalid = (setting: string) => (e: { type?: string; data?: { setting?: string } }) => e.type === ERROR_TYPES.CONFIGURATION_INVALID && e.data?.setting === setting;

describe("Redis connection settings, shared by every Redis client", () => {
	let dir: string;
	before(() => {
		dir = mkdtempSync(join(tmpdir(), "waybill-redis-options-"));
		for (const name of ["ca.crt", "client.crt", "client.key"]) writeFileSync(join(dir, name), `${name}\n`);
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	it("takes the URL's user and password, and lets REDIS_USERNAME and REDIS_PASSWORD win", () => {
		assert.deepEqual(redisClientOptions({}, "redis://app:s%40cret@r:6379/0"), { username: "app", password: "s@cret" });
		assert.deepEqual(redisClientOptions({}, "redis://:only-pass@r:6379"), { password: "only-pass" });
		assert.deepEqual(redisClientOptions({ REDIS_USERNAME: "waybill", REDIS_PASSWORD: "env" }, "redis://app:url@r:6379"), { username: "waybill", password: "env" });
		assert.deepEqual(redisClientOptions({}, "redis://r:6379"), {});
	});

	it("turns TLS on for rediss://, REDIS_TLS=true or a TLS file, with the CA and client certificate it names", () => {
		assert.deepEqual(redisClientOptions({}, "rediss://r:6380").tls, {});
		assert.deepEqual(redisClientOptions({ REDIS_TLS: "true" }, "redis://r:6379").tls, {});
		assert.equal(redisClientOptions({}, "redis://r:6379").tls, undefined);
		const tls = redisClientOptions({ REDIS_TLS_CA_FILE: join(dir, "ca.crt"), REDIS_TLS_CERT_FILE: join(dir, "client.crt"), REDIS_TLS_KEY_FILE: join(dir, "client.key") }, "redis://r:6379").tls as { ca: Buffer; cert: Buffer; key: Buffer };
		assert.deepEqual([tls.ca.toString(), tls.cert.toString(), tls.key.toString()], ["ca.crt\n", "client.crt\n", "client.key\n"]);
		assert.throws(() => redisClientOptions({ REDIS_TLS_CERT_FILE: join(dir, "client.crt") }), configurationInvalid("REDIS_TLS_KEY_FILE"));
		assert.throws(() => redisClientOptions({ REDIS_TLS_CA_FILE: join(dir, "missing.crt") }), configurationInvalid("REDIS_TLS_CA_FILE"));
	});

	it("builds a client whose credentials come from the environment even when the URL has others", () => {
		const client = createRedisClient("rediss://app:url@r:6380/2", { lazyConnect: true, commandTimeout: 1_234 }, { REDIS_PASSWORD: "env" });
		try {
			assert.deepEqual(
				{ host: client.options.host, port: client.options.port, db: client.options.db, username: client.options.username, password: client.options.password, tls: client.options.tls, commandTimeout: client.options.commandTimeout },
				{ host: "r", port: 6380, db: 2, username: "app", password: "env", tls: {}, commandTimeout: 1_234 },
			);
		} finally {
			client.disconnect();
		}
	});
});

describe("Redis Cluster URLs", () => {
	it("name the seed nodes and the credentials, and turn TLS on for rediss-cluster://", () => {
		assert.deepEqual(parseClusterUrl("redis-cluster://app:s%40c:ret@r1:7000,r2:7001,[::1]:7002/0"), {
			nodes: [{ host: "r1", port: 7000 }, { host: "r2", port: 7001 }, { host: "::1", port: 7002 }],
			username: "app",
			password: "s@c:ret",
		});
		assert.deepEqual(parseClusterUrl("redis-cluster://r1:7000"), { nodes: [{ host: "r1", port: 7000 }] });
		assert.equal(parseClusterUrl("redis://r:6379"), undefined);
		assert.deepEqual(redisClientOptions({}, "rediss-cluster://:p@r1:7000,r2:7000"), { password: "p", tls: {} });
		assert.deepEqual(redisClientOptions({ REDIS_USERNAME: "waybill", REDIS_PASSWORD: "env" }, "redis-cluster://app:url@r1:7000"), { username: "waybill", password: "env" });
	});

	it("are refused without a port, with a database other than 0, or where a single Redis is needed", () => {
		for (const url of ["redis-cluster://r1", "redis-cluster://r1:7000,", "redis-cluster://r1:7000/2", "redis-cluster://:secret@r1:x"]) {
			assert.throws(() => parseClusterUrl(url), (e: Error & { type?: string }) => configurationInvalid("REDIS_URL")(e) && !e.message.includes("secret"), url);
		}
		assert.throws(() => createRedisClient("redis-cluster://r1:7000", { lazyConnect: true }), configurationInvalid("REDIS_URL"));
	});

	it("build a cluster client whose every node gets the credentials, TLS and options", () => {
		const client = createRedisConnection("rediss-cluster://app:url@r1:7000,r2:7001", { lazyConnect: true, enableOfflineQueue: true, commandTimeout: 1_234 }, { REDIS_PASSWORD: "env" });
		try {
			assert.ok(client instanceof Cluster);
			const { username, password, tls, commandTimeout } = client.options.redisOptions ?? {};
			assert.deepEqual({ username, password, tls, commandTimeout, offlineQueue: client.options.enableOfflineQueue }, { username: "app", password: "env", tls: {}, commandTimeout: 1_234, offlineQueue: true });
		} finally {
			client.disconnect();
		}
		const single = createRedisConnection("redis://r:6379", { lazyConnect: true });
		assert.ok(!(single instanceof Cluster));
		single.disconnect();
	});
});

describe("connection URLs shown to people and other nodes", () => {
	it("masks the password and keeps the rest, in a server list too", () => {
		assert.equal(redactUrl("rediss://waybill:hunter2@r:6380/0"), "rediss://waybill:***@r:6380/0");
		assert.equal(redactUrl("nats://a:p@n1:4222,nats://n2:4222"), "nats://a:***@n1:4222,nats://n2:4222");
		assert.equal(redactUrl("redis://r:6379"), "redis://r:6379");
		assert.equal(redactUrl("redis-cluster://app:hunter2@r1:7000,r2:7001"), "redis-cluster://app:***@r1:7000,r2:7001");
		assert.equal(redactUrl("not a url but:secret@host"), "(unparseable url)");
	});

	it("serialises the broker's runtime settings without passwords, while the broker still reads them", () => {
		const settings = runtimeSettingsFromEnv({ TRANSPORTER: "nats://saga:hunter2@nats:4222", REDIS_URL: "redis://:hunter3@redis:6379/0" });
		assert.equal(settings.natsUrl, "nats://saga:hunter2@nats:4222");
		const json = JSON.parse(JSON.stringify({ metadata: { waybill: settings } })) as { metadata: { waybill: { natsUrl: string; redisUrl: string; mode: string } } };
		assert.deepEqual([json.metadata.waybill.natsUrl, json.metadata.waybill.redisUrl, json.metadata.waybill.mode], ["nats://saga:***@nats:4222", "redis://:***@redis:6379/0", "distributed"]);
	});
});
