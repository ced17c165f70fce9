import { fileURLToPath } from "node:url";
import { ServiceBroker } from "moleculer";
import { firstJsonLine, spawnTs, stopChildren, type Child } from "../../../bin/demo/child-processes.ts";
import { demoSecrets, webhookPaths } from "../../../bin/demo/platform.ts";
import { ALL_SERVICES } from "../../../bin/service-catalogue.ts";
import { freePort, type PrivateNats } from "../../helpers/private-nats.ts";
import type { PrivateRedis } from "../../helpers/private-redis.ts";
import { retrying, say, sleep } from "./log.ts";

export type SimKind = "erp" | "wms" | "lastmile";
export const SERVICES = ALL_SERVICES;

export interface ClusterOptions {
	/** Processes per service (default 1). With more than one, each is an instance `<service>-<i>` with NODE_ID `<namespace>-<service>-<i>`. */
	replicas?: Partial<Record<string, number>>;
	/** Extra environment for one instance's process (a metrics port, say). */
	envFor?: (instance: string, service: string) => Record<string, string>;
}

/** A crashed service is started again after this long, as Kubernetes would restart its pod. */
const CRASH_RESTART_MS = 1_000;

/**
 * Every service as its own process (as in Kubernetes) plus one process per partner simulator,
 * over the run's private NATS and Redis, and a control broker in this process for saga, ledger
 * and backlog queries. Services can be killed with SIGKILL and spawned again with the same
 * environment; one that dies by itself is logged and restarted, since a supervisor would.
 */
export class Cluster {
	readonly restarts: Record<string, number> = Object.fromEntries(SERVICES.map((s) => [s, 0]));
	readonly unexpectedExits: Array<{ service: string; code: number | null; signal: string | null; at: string; log: string }> = [];
	readonly simUrls = {} as Record<SimKind, string>;
	readonly secrets = demoSecrets();
	readonly broker: ServiceBroker;
	gatewayUrl = "";
	private readonly running = new Map<string, Child>();
	private readonly killedOnPurpose = new Set<Child>();
	private readonly sims: Child[] = [];
	private readonly generation = new Map<string, number>();
	private serviceEnv: Record<string, string> = {};
	private gatewayPort = 0;
	private stopping = false;

	constructor(
		readonly namespace: string,
		readonly logDir: string,
		readonly nats: PrivateNats,
		readonly redis: PrivateRedis,
		private readonly stepDelayMs: number,
		private readonly options: ClusterOptions = {},
	) {
		this.broker = new ServiceBroker({ namespace, nodeID: `${namespace}-chaos`, transporter: nats.url as never, logger: false, requestTimeout: 15_000 });
	}

	async start(): Promise<void> {
		this.gatewayPort = await freePort();
		this.gatewayUrl = `http://127.0.0.1:${this.gatewayPort}`;
		for (const sim of ["erp", "wms", "lastmile"] as const) await this.startSim(sim);
		this.serviceEnv = {
			NAMESPACE: this.namespace,
			TRANSPORTER: this.nats.url,
			REDIS_URL: this.redis.url,
			LOG_LEVEL: process.env.CHAOS_LOG_LEVEL || "warn",
			ERP_URL: this.simUrls.erp,
			WMS_URL: this.simUrls.wms,
			LASTMILE_URL: this.simUrls.lastmile,
			WEBHOOK_SECRET_WMS_ACME_3PL: this.secrets.wms,
			WEBHOOK_SECRET_LASTMILE_ONFLEET: this.secrets.lastmile,
			POLICIES_FILE: fileURLToPath(new URL("../../fixtures/policies/one-courier.json", import.meta.url)),
		};
		const instances = SERVICES.flatMap((s) => this.instancesOf(s));
		for (const instance of instances) this.spawn(instance);
		await this.broker.start();
		await this.broker.waitForServices(SERVICES, 90_000);
		for (const instance of instances) await this.waitReady(instance);
	}

	/** The process names of a service: the service's own name when it runs once, `<service>-<i>` otherwise. */
	instancesOf(service: string): string[] {
		const n = this.options.replicas?.[service] ?? 1;
		return n <= 1 ? [service] : Array.from({ length: n }, (_, i) => `${service}-${i + 1}`);
	}

	nodeIdOf(instance: string): string {
		return `${this.namespace}-${instance}`;
	}

	private serviceOf(instance: string): string {
		return SERVICES.find((s) => this.instancesOf(s).includes(instance)) ?? instance;
	}

	/** Simulators are never killed: they stand for the partners, whose memory is the evidence. */
	private async startSim(sim: SimKind): Promise<void> {
		const callback = sim === "wms" ? webhookPaths.wms : sim === "lastmile" ? webhookPaths.lastmile : "";
		const child = spawnTs(`sim-${sim}`, "simulators/run.ts", [sim], {
			SIM_PORT: String(await freePort()),
			SIM_CALLBACK_URL: callback ? this.gatewayUrl + callback : "",
			SIM_SECRET: sim === "lastmile" ? this.secrets.lastmile : this.secrets.wms,
			SIM_STEP_DELAY_MS: String(this.stepDelayMs),
			// Partners retry a webhook for days; within a run, never give up.
			SIM_MAX_ATTEMPTS: "100000",
			SIM_DUPLICATES: "3",
			SIM_OUT_OF_ORDER: "0.2",
		}, this.logDir);
		this.sims.push(child);
		this.simUrls[sim] = (await firstJsonLine<{ url: string }>(child)).url;
	}

	/** Starts (again) one service instance with the same environment; each generation logs to its own file. */
	spawn(instance: string): void {
		const service = this.serviceOf(instance);
		const generation = (this.generation.get(instance) ?? 0) + 1;
		this.generation.set(instance, generation);
		if (generation > 1) this.restarts[service] = (this.restarts[service] ?? 0) + 1;
		const env: Record<string, string> = { ...this.serviceEnv, ...this.options.envFor?.(instance, service), SERVICES: service, NODE_ID: this.nodeIdOf(instance) };
		// Only the gateway holds the run's bootstrap admin key; the driver releases orders with it.
		if (service === "gateway") Object.assign(env, { HOST: "127.0.0.1", PORT: String(this.gatewayPort), ADMIN_API_KEY: this.secrets.adminKey });
		const child = spawnTs(`${instance}-${generation}`, "bin/start.ts", [], env, this.logDir);
		this.running.set(instance, child);
		child.process.once("exit", (code, signal) => {
			if (this.stopping || this.killedOnPurpose.has(child)) return;
			this.unexpectedExits.push({ service: instance, code, signal, at: new Date().toISOString(), log: child.logFile });
			say(`!! ${instance} exited by itself (${code ?? signal}); see ${child.logFile}; restarting it`);
			setTimeout(() => {
				if (!this.stopping && this.running.get(instance) === child) this.spawn(instance);
			}, CRASH_RESTART_MS);
		});
	}

	/** kill -9: no drain, no goodbye to NATS, in-flight work and unacked messages left as they are. */
	async kill(instance: string): Promise<number | undefined> {
		const child = this.running.get(instance);
		if (!child) return undefined;
		this.killedOnPurpose.add(child);
		const pid = child.process.pid;
		if (child.process.exitCode === null && child.process.signalCode === null) {
			await new Promise<void>((resolve) => {
				child.process.once("exit", () => resolve());
				child.process.kill("SIGKILL");
			});
		}
		return pid;
	}

	/** Ready means its own node answers an action: the new process has started its services. */
	async waitReady(instance: string, timeoutMs = 90_000): Promise<void> {
		const service = this.serviceOf(instance);
		const nodeID = this.nodeIdOf(instance);
		await retrying(`${instance} ready`, () => this.broker.call(`${service}.streamBacklog`, {}, { nodeID, timeout: 5_000 }), timeoutMs);
		if (service === "gateway") {
			await retrying("gateway HTTP ready", async () => {
				const response = await fetch(`${this.gatewayUrl}/health/ready`, { signal: AbortSignal.timeout(5_000) });
				if (!response.ok) throw new Error(`health ${response.status}`);
			}, timeoutMs);
		}
	}

	async restartAfter(services: string[], downMs: number): Promise<void> {
		await sleep(downMs);
		for (const service of services) this.spawn(service);
		for (const service of services) await this.waitReady(service);
	}

	/** Total unacknowledged messages over every durable subscription of every service. */
	async backlog(): Promise<number> {
		const perService = await Promise.all(SERVICES.map((s) => this.broker.call<Array<{ backlog: number }>, object>(`${s}.streamBacklog`, {}, { timeout: 10_000 })));
		return perService.flat().reduce((sum, b) => sum + b.backlog, 0);
	}

	/** SIGTERM then SIGKILL for every process, simulators included. */
	async stop(): Promise<void> {
		this.stopping = true;
		await this.broker.stop().catch(() => undefined);
		await stopChildren([...this.running.values(), ...this.sims], 10_000);
	}
}
