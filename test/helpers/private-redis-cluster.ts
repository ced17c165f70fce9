import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventually } from "./poll.ts";
import { freePort } from "./private-nats.ts";

const run = promisify(execFile);
const MASTERS = 3;

/** Why a cluster cannot be started here (redis-server or redis-cli missing), or undefined when it can. */
export function clusterUnavailable(): string | undefined {
	const missing = ["redis-server", "redis-cli"].filter((tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).error);
	return missing.length > 0 ? `${missing.join(" and ")} not installed: no private Redis Cluster` : undefined;
}

async function clusterState(port: number): Promise<string | undefined> {
	const { stdout } = await run("redis-cli", ["-p", String(port), "cluster", "info"]);
	return /cluster_state:(\w+)/.exec(stdout)?.[1];
}

/**
 * A Redis Cluster of a test's own: three masters, no replicas, on free ports (client and cluster
 * bus ports both chosen, so no "port + 10000" can collide), no persistence. Its URL is the
 * redis-cluster:// form the store takes. destroy() kills the servers and removes their files.
 */
export class PrivateRedisCluster {
	readonly dir = mkdtempSync(join(tmpdir(), "waybill-redis-cluster-"));
	private readonly servers: ChildProcess[] = [];
	readonly ports: number[] = [];

	private constructor() {}

	static async start(): Promise<PrivateRedisCluster> {
		const cluster = new PrivateRedisCluster();
		try {
			await cluster.up();
			return cluster;
		} catch (e: unknown) {
			await cluster.destroy();
			throw e;
		}
	}

	get url(): string {
		return `redis-cluster://${this.ports.map((port) => `127.0.0.1:${port}`).join(",")}`;
	}

	private async up(): Promise<void> {
		for (let i = 0; i < MASTERS; i++) {
			const port = await freePort();
			const busPort = await freePort();
			this.ports.push(port);
			const args = ["--port", String(port), "--cluster-port", String(busPort), "--bind", "127.0.0.1", "--dir", this.dir];
			args.push("--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--appendonly", "no", "--save", "");
			this.servers.push(spawn("redis-server", args, { stdio: "ignore" }));
		}
		for (const port of this.ports) await eventually(`redis-server on ${port}`, async () => (await clusterState(port)) !== undefined, 20_000, 50);
		const nodes = this.ports.map((port) => `127.0.0.1:${port}`);
		await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"]);
		// "create" returns once the slots are assigned; every node must also see the cluster as ok.
		for (const port of this.ports) await eventually(`cluster state ok on ${port}`, async () => (await clusterState(port)) === "ok", 20_000, 50);
	}

	async destroy(): Promise<void> {
		await Promise.all(
			this.servers.map(
				(server) =>
					new Promise<void>((resolve) => {
						if (server.exitCode !== null || server.signalCode !== null) return resolve();
						server.once("exit", () => resolve());
						server.kill("SIGKILL");
					}),
			),
		);
		rmSync(this.dir, { recursive: true, force: true });
	}
}
