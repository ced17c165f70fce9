import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { CHANNELS } from "../../canonical/channels.ts";
import { DurableStreamsMixin } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin } from "../../mixins/store.mixin.ts";
import { natsTransporter } from "../../mixins/streams/nats-connection-options.ts";
import type { RuntimeSettings } from "../../mixins/runtime/runtime-settings.ts";
import { openProcessHealth, type ProcessHealth } from "../../mixins/runtime/process-health.ts";
import type { ReadyReport } from "../../mixins/runtime/health-server.ts";
import { PrivateNats } from "../helpers/private-nats.ts";
import { PrivateRedis } from "../helpers/private-redis.ts";
import { eventually } from "../helpers/poll.ts";

/** A service as the real ones are built: the shared store, a durable subscription. */
const probed = {
	name: "probed",
	mixins: [StoreMixin(), DurableStreamsMixin()],
	streams: { events: { channel: CHANNELS.EVENTS, group: "probed", async handler() {} } },
} as unknown as ServiceSchema;

/** What a probe saw, as one comparable line: "ready", "not-ready: redis", "stopping: shutdown". */
const stateOf = (status: number, report: ReadyReport) => `${status} ${report.status}${report.down.length ? `: ${[...report.down].sort().join(",")}` : ""}`;

/** The states in the order they came, each once per stretch; a leading "ready" is the moment before a kill is noticed. */
function transitions(...runs: string[][]): string[] {
	const out = runs.flat().filter((state, i, all) => i === 0 || all[i - 1] !== state);
	return out[0] === "200 ready" ? out.slice(1) : out;
}

describe("the health endpoints of a service process", () => {
	let nats: PrivateNats;
	let redis: PrivateRedis;
	let broker: ServiceBroker;
	let health: ProcessHealth;
	let base: string;

	const live = async () => (await fetch(`${base}/health/live`)).status;
	const ready = async () => {
		const res = await fetch(`${base}/health/ready`);
		return { status: res.status, report: (await res.json()) as ReadyReport };
	};

	/** Polls readiness until `done`, recording each state it passes through once, in order. */
	async function statesUntil(done: (state: string) => boolean, what: string): Promise<string[]> {
		const seen: string[] = [];
		await eventually(what, async () => {
			const { status, report } = await ready();
			const state = stateOf(status, report);
			if (seen.at(-1) !== state) seen.push(state);
			return done(state);
		}, 30_000, 100);
		return seen;
	}

	before(async () => {
		[nats, redis] = await Promise.all([PrivateNats.start(), PrivateRedis.start()]);
		const namespace = `health-${randomUUID().slice(0, 8)}`;
		const settings: RuntimeSettings = { mode: "distributed", natsUrl: nats.url, redisUrl: redis.url, partitions: 2, replicas: 1, dedupWindowMs: 60_000 };
		broker = new ServiceBroker({ namespace, nodeID: `${namespace}-probed`, transporter: natsTransporter({}, nats.url), metadata: { waybill: settings }, logger: false, requestTimeout: 5_000 });
		broker.createService(probed);
		health = (await openProcessHealth(broker, { port: 0, host: "127.0.0.1", explicit: true }))!;
		base = `http://127.0.0.1:${health.port}`;
	});

	after(async () => {
		await health?.close().catch(() => undefined);
		await broker?.stop().catch(() => undefined);
		await Promise.all([nats?.destroy(), redis?.destroy()]);
	});

	it("answers live while the broker starts but is ready only once it has started", async () => {
		assert.equal(await live(), 200);
		const before = await ready();
		assert.equal(stateOf(before.status, before.report), "503 starting: startup");
		await broker.start();
		await health.started();
		const after = await ready();
		assert.equal(stateOf(after.status, after.report), "200 ready");
		assert.deepEqual(after.report.checks, { transporter: "ok", redis: "ok", streams: "ok" });
	});

	it("turns unready naming redis while Redis is down, and ready again once it is back", async () => {
		await redis.kill();
		const down = await statesUntil((s) => s.startsWith("503"), "unready after Redis was killed");
		const { report } = await ready();
		// The reason is ioredis's own: why it cannot reach Redis, not just that a probe timed out.
		assert.match(report.checks.redis!, /ECONNREFUSED|not ready|closed/);
		await redis.up();
		const back = await statesUntil((s) => s === "200 ready", "ready after Redis came back");
		assert.deepEqual(transitions(down, back), ["503 not-ready: redis", "200 ready"]);
		assert.equal(await live(), 200);
	});

	it("turns unready naming the transporter and the streams while NATS is down, and ready again once it is back", async () => {
		await nats.kill();
		const down = await statesUntil((s) => s === "503 not-ready: streams,transporter", "unready after NATS was killed");
		assert.equal(await live(), 200, "liveness does not depend on NATS: a restart would not bring it back");
		await nats.up();
		const back = await statesUntil((s) => s === "200 ready", "ready after NATS came back");
		// Between the two, one connection may be back before the other; nothing else may be reported down.
		const states = transitions(down, back);
		assert.equal(states.at(-1), "200 ready");
		for (const state of states.slice(0, -1)) assert.match(state, /^503 not-ready: (streams,transporter|streams|transporter)$/, state);
		assert.ok(states.includes("503 not-ready: streams,transporter"));
	});

	it("turns unready at once on shutdown, while liveness answers until the port closes", async () => {
		health.stopping();
		const { status, report } = await ready();
		assert.equal(stateOf(status, report), "503 stopping: shutdown");
		assert.equal(await live(), 200);
		await broker.stop();
		await health.close();
		await assert.rejects(fetch(`${base}/health/live`));
	});
});
