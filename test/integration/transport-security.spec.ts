import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { connect } from "nats";
import { createEnvelope, type Envelope } from "../../canonical/envelope.ts";
import { JetStreamBus } from "../../mixins/streams/jetstream.bus.ts";
import { natsConnectionOptions, natsTransporter } from "../../mixins/streams/nats-connection-options.ts";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import { createRedisClient } from "../../mixins/store/redis-connection.ts";
import { eventually } from "../helpers/poll.ts";
import { makeCertificates, startPlainNats, startSecureNats, startSecureRedis, type NatsUser } from "../helpers/secure-servers.ts";

/**
 * NATS and Redis as a secured deployment runs them: TLS everywhere (mutual for NATS), the NATS
 * users and per-service permissions and the Redis ACL user of the Kubernetes manifests, and
 * Waybill configured only through its environment variables. This test process plays the
 * notifier's pod; other services' identities are passed as environments of their own.
 */
describe("transport security: NATS and Redis with TLS, per-service users and ACLs", () => {
	const dir = mkdtempSync(join(tmpdir(), "waybill-transport-security-"));
	const redisPassword = randomBytes(12).toString("hex");
	const slaSecret = `whsec_${randomBytes(32).toString("base64")}`;
	let nats: Awaited<ReturnType<typeof startSecureNats>>;
	let redis: Awaited<ReturnType<typeof startSecureRedis>>;
	let natsUrl: string;
	let tlsEnv: NodeJS.ProcessEnv;
	const brokers: ServiceBroker[] = [];
	const closers: Array<() => Promise<unknown>> = [];

	/** A pod's environment for one service: its own NATS user and inbox, the shared TLS settings. */
	const envOf = (user: NatsUser): NodeJS.ProcessEnv => ({ ...tlsEnv, NATS_USER: user, NATS_PASSWORD: nats.passwords[user], NATS_INBOX_PREFIX: `_INBOX_${user}` });
	const busAs = async (user: NatsUser) => {
		const bus = await JetStreamBus.connect({ servers: natsUrl, namespace: "waybill", partitions: 1, env: envOf(user) });
		closers.push(() => bus.close());
		return bus;
	};
	const secrets = () => [nats.passwords.notifier, nats.passwords.gateway, redisPassword, slaSecret];

	before(async () => {
		const certs = makeCertificates(dir);
		// One after the other: two free-port look-ups at once may be handed the same port.
		nats = await startSecureNats(dir, certs);
		redis = await startSecureRedis(dir, certs, "waybill", redisPassword);
		natsUrl = `nats://127.0.0.1:${nats.port}`;
		tlsEnv = { NATS_TLS: "true", NATS_TLS_CA_FILE: certs.ca, NATS_TLS_CERT_FILE: certs.clientCert, NATS_TLS_KEY_FILE: certs.clientKey, REDIS_TLS_CA_FILE: certs.ca };
		// The notifier's pod, credentials in its URLs (the worst case for a leak): what moleculer.config.ts reads.
		Object.assign(process.env, tlsEnv, {
			NAMESPACE: "waybill",
			TRANSPORTER: `nats://notifier:${nats.passwords.notifier}@127.0.0.1:${nats.port}`,
			NATS_INBOX_PREFIX: "_INBOX_notifier",
			REDIS_URL: `rediss://waybill:${redisPassword}@127.0.0.1:${redis.port}`,
			STREAM_PARTITIONS: "1",
			METRICS: "false",
			SLA_WEBHOOK_URL: "https://ops.example.com/hooks/sla",
			SLA_WEBHOOK_SECRET: slaSecret,
		});
	});

	after(async () => {
		for (const broker of brokers) await broker.stop().catch(() => undefined);
		for (const close of closers) await close().catch(() => undefined);
		await Promise.all([nats?.stop(), redis?.stop()]);
		rmSync(dir, { recursive: true, force: true });
	});

	it("runs a service configured from the environment over mutual TLS, reachable by another service's user, its secrets in no INFO packet", async () => {
		const { default: config } = await import("../../moleculer.config.ts");
		const { default: notifier } = await import("../../services/notifier/notifier.service.ts");
		const notifierBroker = new ServiceBroker({ ...config, nodeID: "notifier-node", logger: false } as BrokerOptions);
		notifierBroker.createService(notifier as never);
		const gatewayBroker = new ServiceBroker({ namespace: "waybill", nodeID: "gateway-node", transporter: natsTransporter(envOf("gateway"), natsUrl), logger: false });
		brokers.push(gatewayBroker, notifierBroker);
		await notifierBroker.start();
		await gatewayBroker.start();
		await gatewayBroker.waitForServices(["notifier"], 10_000);

		// Across the transport, and out of Redis (TLS, ACL user): the subscription SLA_WEBHOOK_URL configured.
		const subscriptions = await gatewayBroker.call<Array<{ id: string; url: string }>>("notifier.subscriptions");
		assert.deepEqual(subscriptions.map((s) => [s.id, s.url]), [["sub_sla", "https://ops.example.com/hooks/sla"]]);

		// What the notifier's node told the gateway's: its settings and metadata, passwords masked.
		const seen = gatewayBroker.registry.nodes.get("notifier-node") as unknown as { rawInfo: { metadata: { waybill: { natsUrl: string; redisUrl: string } } } };
		assert.equal(seen.rawInfo.metadata.waybill.natsUrl, `nats://notifier:***@127.0.0.1:${nats.port}`);
		assert.equal(seen.rawInfo.metadata.waybill.redisUrl, `rediss://waybill:***@127.0.0.1:${redis.port}`);
		const told = JSON.stringify(seen.rawInfo);
		const local = JSON.stringify(notifierBroker.getLocalNodeInfo());
		for (const secret of secrets()) {
			assert.ok(!told.includes(secret) && !local.includes(secret), "a secret is in the INFO packet");
			for (const broker of [notifierBroker, gatewayBroker]) assert.ok(!JSON.stringify(broker.options).includes(secret), "a secret is in the serialised broker options");
		}
		await assert.rejects(gatewayBroker.call("$node.options", {}, { nodeID: "notifier-node" }), { name: "ServiceNotFoundError" });
	});

	it("carries a message from the gateway's user to the mapper's through the stream bus, each on its own inbox", async () => {
		const [gateway, mapper] = await Promise.all([busAs("gateway"), busAs("mapper")]);
		const received: Envelope[] = [];
		const subscription = await mapper.subscribe("inbound", { group: "mapper" }, async ({ envelope }) => void received.push(envelope));
		closers.push(() => subscription.stop());
		const sent = createEnvelope({ type: "test.transport.secured", source: "test/transport-security", subject: "SO-1", data: { n: 1 }, schemaVersion: 1 });
		assert.equal((await gateway.publish("inbound", sent)).duplicate, false);
		await eventually("the mapper to receive the gateway's message", async () => received.length > 0, 10_000);
		assert.deepEqual(received.map((e) => e.id), [sent.id]);
	});

	it("refuses a service's user on another service's channel, and on another service's inbox", async () => {
		const notifier = await busAs("notifier");
		const envelope = createEnvelope({ type: "test.transport.forged", source: "test/transport-security", subject: "SO-2", data: {}, schemaVersion: 1 });
		await assert.rejects(notifier.publish("inbound", envelope), (e: { code?: string; message: string }) => e.code === "PERMISSIONS_VIOLATION" && /WAYBILL_INBOUND|waybill\.inbound/.test(e.message));
		const nc = await connect({ ...natsConnectionOptions(natsUrl, envOf("notifier")) });
		closers.push(() => nc.close());
		const snooping = nc.subscribe("_INBOX_gateway.>");
		await assert.rejects((async () => {
			for await (const _ of snooping) return;
		})(), (e: { code?: string }) => e.code === "PERMISSIONS_VIOLATION");
	});

	it("refuses a wrong password with an authorization error", async () => {
		await assert.rejects(
			JetStreamBus.connect({ servers: natsUrl, namespace: "waybill", env: { ...envOf("gateway"), NATS_PASSWORD: "not-the-password" } }),
			(e: { code?: string; message: string }) => e.code === "AUTHORIZATION_VIOLATION" && /Authorization Violation/.test(e.message),
		);
	});

	it("refuses a client without TLS, a client that does not trust the CA, and a server without TLS when NATS_TLS is set", async () => {
		const plainAnswer = await new Promise<string>((resolve, reject) => {
			const socket = tcpConnect(nats.port, "127.0.0.1", () => socket.write('CONNECT {"verbose":false}\r\nPING\r\n'));
			let text = "";
			socket.on("data", (chunk) => (text += chunk.toString()));
			socket.once("close", () => resolve(text));
			socket.once("error", reject);
		});
		// The server asks for TLS and hangs up on plain text: no PONG, so no plain client ever gets in.
		assert.match(plainAnswer, /"tls_required":true/);
		assert.doesNotMatch(plainAnswer, /PONG/);
		const { NATS_TLS_CA_FILE: _ca, ...withoutCa } = envOf("gateway");
		await assert.rejects(connect(natsConnectionOptions(natsUrl, withoutCa)), /certificate/);
		const plain = await startPlainNats(dir);
		closers.push(() => plain.stop());
		await assert.rejects(connect(natsConnectionOptions(`nats://127.0.0.1:${plain.port}`, { NATS_TLS: "true" })), (e: { code?: string }) => e.code === "SERVER_OPT_NA");
	});

	it("keeps state in Redis over TLS as the ACL user, and refuses no password, a wrong one, plain TCP and keys outside the namespace", async () => {
		const store = new RedisStore({ url: process.env.REDIS_URL!, prefix: "waybill" });
		closers.push(() => store.close());
		await store.ready();
		await store.set("transport-security:probe", { ok: true });
		assert.deepEqual(await store.get("transport-security:probe"), { ok: true });
		assert.equal(await store.setVersioned("transport-security:versioned", { v: 1 }, 0), 1);

		// The store's own readiness error names the URL (password masked) and Redis's answer.
		for (const [url, refusal] of [[`rediss://127.0.0.1:${redis.port}`, /NOAUTH/], [`rediss://waybill:guessed-password@127.0.0.1:${redis.port}`, /WRONGPASS/]] as const) {
			const refused = new RedisStore({ url, prefix: "waybill" });
			closers.push(() => refused.close());
			await assert.rejects(refused.ready(1_000), (e: Error) => refusal.test(e.message) && !e.message.includes("guessed-password"));
		}
		const plain = createRedisClient(`redis://waybill:${redisPassword}@127.0.0.1:${redis.port}`, { retryStrategy: () => null }, {});
		plain.on("error", () => undefined); // the reset is the expected outcome, asserted below
		closers.push(async () => plain.disconnect());
		await assert.rejects(plain.ping(), "a client without TLS gets no answer");
		const acl = createRedisClient(process.env.REDIS_URL!, { maxRetriesPerRequest: 0 });
		closers.push(async () => acl.disconnect());
		await assert.rejects(acl.set("elsewhere:key", "1"), /NOPERM/);
		await assert.rejects(acl.flushall(), /NOPERM/);
		await store.clear();
	});
});
