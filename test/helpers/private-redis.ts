import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./poll.ts";
import { freePort } from "./private-nats.ts";

/** True once the server answers PING with PONG: while it replays its AOF it answers LOADING instead. */
function answersPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, "127.0.0.1");
		let reply = "";
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1_000, () => done(false));
		socket.once("connect", () => socket.write("PING\r\n"));
		socket.on("data", (chunk) => {
			reply += chunk.toString("latin1");
			if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
		});
		socket.once("error", () => done(false));
	});
}

/**
 * A redis-server of a test's own, on a free port, that the test may kill and start again on the
 * same port and directory. AOF with `appendfsync always`: every write is on disk before Redis
 * answers it, so whatever a service was told is saved (a saga step, a ledger commit) survives a
 * kill -9 of Redis, as it must for the chaos suite to be able to blame losses on Waybill alone.
 */
export class PrivateRedis {
	private process?: ChildProcess;
	readonly dir = mkdtempSync(join(tmpdir(), "waybill-redis-"));

	private constructor(readonly port: number, private readonly logFile?: string) {}

	static async start(options: { logFile?: string } = {}): Promise<PrivateRedis> {
		const redis = new PrivateRedis(await freePort(), options.logFile);
		await redis.up();
		return redis;
	}

	get url(): string {
		return `redis://127.0.0.1:${this.port}`;
	}

	async up(): Promise<void> {
		const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""];
		if (this.logFile) args.push("--logfile", this.logFile);
		this.process = spawn("redis-server", args, { stdio: "ignore" });
		await eventually(`redis-server on ${this.port}`, () => answersPing(this.port), 20_000, 100);
	}

	/** SIGKILL: no shutdown save, no goodbye; only what the AOF holds comes back. */
	async kill(): Promise<void> {
		const child = this.process;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		await new Promise<void>((resolve) => {
			child.once("exit", () => resolve());
			child.kill("SIGKILL");
		});
	}

	async destroy(): Promise<void> {
		await this.kill();
		rmSync(this.dir, { recursive: true, force: true });
	}
}
