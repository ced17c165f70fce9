import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { ServiceBroker } from "moleculer";
import { isConfigurationInvalid } from "../../canonical/errors/index.ts";
import { DEFAULT_HEALTH_PORT, healthOptionsFromEnv, openProcessHealth } from "../../mixins/runtime/process-health.ts";
import { startHealthServer } from "../../mixins/runtime/health-server.ts";

async function takenPort(): Promise<{ port: number; release(): void }> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return { port: (server.address() as AddressInfo).port, release: () => server.close() };
}

describe("the process health port", () => {
	it("is 3001 unless HEALTH_PORT names another, and refuses a value that is no port", () => {
		assert.deepEqual(healthOptionsFromEnv({}), { port: DEFAULT_HEALTH_PORT, host: undefined, explicit: false });
		assert.deepEqual(healthOptionsFromEnv({ HEALTH_PORT: "9000", HOST: "127.0.0.1" }), { port: 9000, host: "127.0.0.1", explicit: true });
		assert.throws(() => healthOptionsFromEnv({ HEALTH_PORT: "http" }), isConfigurationInvalid);
		assert.equal(DEFAULT_HEALTH_PORT, 3001);
	});

	it("leaves a process without a health server when the default port is taken, but fails when HEALTH_PORT was set", async () => {
		const taken = await takenPort();
		const warnings: string[] = [];
		const broker = new ServiceBroker({ logger: false });
		broker.logger.warn = ((message: string) => void warnings.push(message)) as typeof broker.logger.warn;
		try {
			assert.equal(await openProcessHealth(broker, { port: taken.port, host: "127.0.0.1", explicit: false }), undefined);
			assert.match(warnings.join("\n"), new RegExp(`health port ${taken.port} is taken`));
			await assert.rejects(openProcessHealth(broker, { port: taken.port, host: "127.0.0.1", explicit: true }), { code: "EADDRINUSE" });
		} finally {
			taken.release();
		}
	});

	it("answers only GET and HEAD on its two paths", async () => {
		const server = await startHealthServer({ port: 0, host: "127.0.0.1" });
		const base = `http://127.0.0.1:${server.port}`;
		try {
			const answers = [
				(await fetch(`${base}/health/live`)).status,
				(await fetch(`${base}/health/live`, { method: "HEAD" })).status,
				(await fetch(`${base}/health/ready`)).status,
				(await fetch(`${base}/metrics`)).status,
				(await fetch(`${base}/health/live`, { method: "POST" })).status,
			];
			assert.deepEqual(answers, [200, 200, 503, 404, 405]);
			server.running([]);
			assert.equal((await fetch(`${base}/health/ready`)).status, 200);
		} finally {
			await server.close();
		}
	});
});
