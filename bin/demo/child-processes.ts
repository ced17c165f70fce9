import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** A child process of the demo, its output kept in a log file for a newcomer to read. */
export interface Child {
	name: string;
	process: ChildProcess;
	logFile: string;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** Extra Node flags for every child, for profiling a run: `CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`. */
const CHILD_NODE_ARGS = (process.env.CHILD_NODE_ARGS ?? "").split(" ").filter(Boolean);

/** Runs a TypeScript entry point on this same Node (24), the way `npm start` does. */
export function spawnTs(name: string, entry: string, args: string[], env: Record<string, string>, logDir: string): Child {
	mkdirSync(logDir, { recursive: true });
	const logFile = join(logDir, `${name}.log`);
	const log = createWriteStream(logFile);
	const child = spawn(process.execPath, [...CHILD_NODE_ARGS, "--import", "tsx", entry, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
	child.stdout!.pipe(log, { end: false });
	child.stderr!.pipe(log, { end: false });
	child.once("exit", () => log.end());
	return { name, process: child, logFile };
}

/** Waits for the first stdout line that parses as JSON (the simulators announce their URL that way). */
export function firstJsonLine<T>(child: Child, timeoutMs = 20_000): Promise<T> {
	return new Promise((resolve, reject) => {
		const lines = createInterface({ input: child.process.stdout! });
		const timer = setTimeout(() => reject(new Error(`${child.name} did not start within ${timeoutMs} ms; see ${child.logFile}`)), timeoutMs);
		child.process.once("exit", (code) => reject(new Error(`${child.name} exited with ${code} before starting; see ${child.logFile}`)));
		lines.on("line", (line) => {
			try {
				const value = JSON.parse(line) as T;
				clearTimeout(timer);
				lines.close();
				resolve(value);
			} catch {
				/* not the announcement line */
			}
		});
	});
}

/** SIGTERM, then SIGKILL after a grace period: every child is gone when this resolves. */
export async function stopChildren(children: Child[], graceMs = 15_000): Promise<Array<{ name: string; code: number | null; signal: string | null }>> {
	return Promise.all(
		children.map(
			(child) =>
				new Promise<{ name: string; code: number | null; signal: string | null }>((resolve) => {
					const done = (code: number | null, signal: string | null) => resolve({ name: child.name, code, signal });
					if (child.process.exitCode !== null || child.process.signalCode !== null) return done(child.process.exitCode, child.process.signalCode);
					const killer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
					child.process.once("exit", (code, signal) => {
						clearTimeout(killer);
						done(code, signal);
					});
					child.process.kill("SIGTERM");
				}),
		),
	);
}
