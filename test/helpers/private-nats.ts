import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./poll.ts";
import { freePort } from "../../bin/demo/free-port.ts";

export { freePort };

async function portOpen(port: number): Promise<boolean> {
	const { connect } = await import("node:net");
	return new Promise((resolve) => {
		const socket = connect(port, "127.0.0.1");
		socket.once("connect", () => (socket.destroy(), resolve(true)));
		socket.once("error", () => resolve(false));
	});
}

/**
 * A nats-server with JetStream of a test's own, on a free port, that the test may stop and
 * start again (its JetStream store survives a restart, as a real server's does).
 */
export class PrivateNats {
	private process?: ChildProcess;
	readonly storeDir = mkdtempSync(join(tmpdir(), "waybill-nats-"));

	private constructor(readonly port: number) {}

	static async start(): Promise<PrivateNats> {
		const nats = new PrivateNats(await freePort());
		await nats.up();
		return nats;
	}

	get url(): string {
		return `nats://127.0.0.1:${this.port}`;
	}

	async up(): Promise<void> {
		this.process = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.storeDir], { stdio: "ignore" });
		await eventually(`nats-server on ${this.port}`, () => portOpen(this.port), 10_000);
	}

	/** SIGKILL: the broker vanishes as in a crash, without a goodbye to its clients. */
	async kill(): Promise<void> {
		const child = this.process;
		if (!child || child.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			child.once("exit", () => resolve());
			child.kill("SIGKILL");
		});
	}

	async destroy(): Promise<void> {
		await this.kill();
		rmSync(this.storeDir, { recursive: true, force: true });
	}
}
