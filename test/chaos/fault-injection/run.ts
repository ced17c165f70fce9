import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sampleOrder } from "../../../bin/demo/order-factory.ts";
import { PrivateNats } from "../../helpers/private-nats.ts";
import { PrivateRedis } from "../../helpers/private-redis.ts";
import { check } from "./checker.ts";
import { Cluster } from "./cluster.ts";
import { OrderDriver } from "./driver.ts";
import { readLedger, readSagas, readSideEffects, readStreams } from "./evidence.ts";
import { FaultSchedule } from "./faults.ts";
import { say } from "./log.ts";
import { parseChaosOptions, seededRandom } from "./options.ts";
import { waitForQuiet } from "./quiet.ts";

/**
 * The fault-injection suite (`npm run test:chaos`): private nats-server and redis-server, every
 * service as its own process, N orders released through the API while services, NATS and Redis
 * are killed, the last-mile API misbehaves, webhooks arrive duplicated and out of order, and
 * poison is injected; then the evidence is read from the streams, Redis and the simulators and
 * checked. Progress goes to stderr; the last stdout line is one JSON object. Exit 0 iff nothing
 * was lost, duplicated or left out of the ledger, every poison was dead-lettered, the hash chain
 * verifies, no order was refused and the system came back from every fault.
 */
const ROOT = new URL("../../../", import.meta.url).pathname;

async function main(): Promise<number> {
	const options = parseChaosOptions(process.argv.slice(2));
	const runId = randomUUID().slice(0, 6);
	const namespace = `chaos-${runId}`;
	const logDir = join(ROOT, ".waybill", namespace);
	mkdirSync(logDir, { recursive: true });
	const startedAt = Date.now();
	say(`fault injection: ${options.orders} orders, faults [${options.faults.join(", ") || "none"}], seed ${options.seed}, namespace ${namespace}; logs in ${logDir}`);

	let nats: PrivateNats | undefined;
	let redis: PrivateRedis | undefined;
	let cluster: Cluster | undefined;
	let ok = false;
	const cleanup = async () => {
		await cluster?.stop().catch((e: unknown) => say(`stopping processes: ${(e as Error).message}`));
		await nats?.destroy().catch(() => undefined);
		await redis?.destroy().catch(() => undefined);
		if (ok && !options.keepLogs) rmSync(logDir, { recursive: true, force: true });
		else say(`logs kept in ${logDir}`);
	};
	const interrupted = (signal: string) => {
		say(`${signal}: cleaning up`);
		void cleanup().finally(() => process.exit(130));
	};
	process.once("SIGINT", () => interrupted("SIGINT"));
	process.once("SIGTERM", () => interrupted("SIGTERM"));

	try {
		nats = await PrivateNats.start();
		redis = await PrivateRedis.start({ logFile: join(logDir, "redis-server.log") });
		say(`nats-server on ${nats.url} (store ${nats.storeDir}), redis-server on ${redis.url} (AOF in ${redis.dir})`);
		cluster = new Cluster(namespace, logDir, nats, redis, options.stepDelayMs);
		await cluster.start();
		say(`cluster up: gateway ${cluster.gatewayUrl}, simulators ${JSON.stringify(cluster.simUrls)}`);

		const orders = Array.from({ length: options.orders }, (_, i) => sampleOrder(runId, i + 1));
		const driver = new OrderDriver(cluster.gatewayUrl, cluster.secrets.adminKey, orders, options.concurrency, options.rate);
		const faults = new FaultSchedule(cluster, options, runId, seededRandom(options.seed));
		const deadline = startedAt + options.timeoutMs;
		const c = cluster;
		const progress = setInterval(() => {
			void c.broker.call<{ orders: number; invoiced: number }, object>("saga.stats", {}, { timeout: 5_000 }).then(
				(s) => say(`progress: released ${driver.accepted.size}/${driver.total} (retries ${driver.retries}), sagas ${s.orders}, invoiced ${s.invoiced}, faults ${faults.injected}`),
				() => say(`progress: released ${driver.accepted.size}/${driver.total} (retries ${driver.retries}), saga not answering, faults ${faults.injected}`),
			);
		}, 10_000);

		const faultErrors: string[] = [];
		const faulting = faults.run(() => driver.settled >= Math.ceil(driver.total * 0.1)).catch((e: unknown) => {
			// A fault the system did not come back from (a restarted service never ready) is a finding, not a crash of the suite.
			faultErrors.push((e as Error).message);
			say(`!! fault schedule stopped: ${(e as Error).message}`);
		});
		await driver.run();
		say(`release done: ${driver.accepted.size} accepted, ${driver.refused.length} refused, ${driver.unreleased.length} never accepted, ${driver.retries} retries`);
		await faulting;
		say(`faults done: ${faults.injected} injected`);
		const quiet = await waitForQuiet(cluster, driver.accepted.size, deadline);
		clearInterval(progress);

		say("reading the evidence: streams, ledger, sagas, simulators");
		const ledgerVerify = await cluster.broker.call<{ ok: boolean; entries: number; brokenAt?: number; reason?: string }, object>("ledger.verify", {}, { timeout: 300_000 }).catch((e: unknown) => ({ ok: false, entries: 0, reason: (e as Error).message }));
		const streams = await readStreams(nats.url, namespace);
		const ledger = await readLedger(redis.url, namespace);
		const { sagas, total: sagaTotal } = await readSagas(redis.url, namespace, [...driver.accepted.keys()]);
		const sideEffects = await readSideEffects(cluster.simUrls);
		const findings = check({ accepted: driver.accepted, sagas, streams, ledger, sideEffects, poison: faults.poison });

		const { details, ...counts } = findings;
		ok =
			counts.orders > 0 && counts.lost === 0 && counts.duplicateSideEffects === 0 && counts.missingSideEffects === 0 &&
			counts.ledgerMissing === 0 && counts.ledgerDuplicates === 0 && counts.poisonDeadLettered === counts.poisonInjected &&
			ledgerVerify.ok && driver.refused.length === 0 && driver.unreleased.length === 0 && faultErrors.length === 0;
		say(`details: ${JSON.stringify({ ...details, ledgerVerify, refused: driver.refused.slice(0, 10), unreleased: driver.unreleased.slice(0, 10), faults: faults.records, faultErrors, unexpectedExits: cluster.unexpectedExits, webhookPoison: faults.webhookPoison, simulators: sideEffects.stats, quiet }, null, 1)}`);
		const result = {
			ok,
			...counts,
			ledgerVerified: ledgerVerify.ok,
			sagas: sagaTotal,
			faultsInjected: faults.injected,
			faultsSkipped: faults.records.filter((r) => r.skipped).length,
			faultErrors: faultErrors.length,
			refused4xx: driver.refused.length,
			unreleased: driver.unreleased.length,
			releaseRetries: driver.retries,
			restarts: cluster.restarts,
			unexpectedExits: cluster.unexpectedExits.length,
			settled: quiet.settled,
			seed: options.seed,
			namespace,
			durationMs: Date.now() - startedAt,
		};
		process.stdout.write(`${JSON.stringify(result)}\n`);
		return ok ? 0 : 1;
	} finally {
		await cleanup();
	}
}

main().then(
	(code) => process.exit(code),
	(e: unknown) => {
		say(`fault injection failed to run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
		process.exit(2);
	},
);
