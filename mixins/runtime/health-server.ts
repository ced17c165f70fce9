import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HealthCheck } from "./health-checks.ts";

/** Each check gets this long; kubelet's probe timeout (3 s in k8s/) must be longer. */
export const CHECK_TIMEOUT_MS = 2_000;

export const LIVE_PATH = "/health/live";
export const READY_PATH = "/health/ready";

/** starting: until the broker has started; stopping: from SIGTERM on (Kubernetes stops routing first). */
export type Phase = "starting" | "running" | "stopping";

export interface ReadyReport {
	status: "ready" | "not-ready" | "starting" | "stopping";
	/** What is down, by name: dependencies, or "startup" / "shutdown". Empty when ready. */
	down: string[];
	/** Every dependency's state: "ok" or why it is not. */
	checks: Record<string, string>;
}

export interface HealthServer {
	readonly port: number;
	/** The dependencies readiness checks from now on, and the phase it reports. */
	running(checks: HealthCheck[]): void;
	/** Unready from now on, whatever the dependencies say; liveness keeps answering while the process drains. */
	stopping(): void;
	/** The report GET /health/ready answers. */
	ready(): Promise<ReadyReport>;
	close(): Promise<void>;
}

function withTimeout(check: HealthCheck, timeoutMs: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
	});
	return Promise.race([check.check(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Liveness and readiness of one process, on a port of its own (node:http, no framework), so every
 * pod has them whether or not it serves HTTP. Live means the event loop answers; ready means the
 * broker has started, is not stopping, and every dependency answered within CHECK_TIMEOUT_MS.
 */
export async function startHealthServer(options: { port: number; host?: string; timeoutMs?: number }): Promise<HealthServer> {
	const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
	let phase: Phase = "starting";
	let checks: HealthCheck[] = [];

	async function ready(): Promise<ReadyReport> {
		if (phase === "starting") return { status: "starting", down: ["startup"], checks: {} };
		if (phase === "stopping") return { status: "stopping", down: ["shutdown"], checks: {} };
		const results = await Promise.allSettled(checks.map((c) => withTimeout(c, timeoutMs)));
		const report: ReadyReport = { status: "ready", down: [], checks: {} };
		results.forEach((result, i) => {
			const name = checks[i]!.name;
			if (result.status === "fulfilled") {
				report.checks[name] = "ok";
				return;
			}
			report.down.push(name);
			report.checks[name] = (result.reason as Error)?.message || String(result.reason);
		});
		// A check may have outlived a SIGTERM that came meanwhile.
		if (phase !== "running") return ready();
		if (report.down.length > 0) report.status = "not-ready";
		return report;
	}

	async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const path = (req.url ?? "/").split("?")[0];
		if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { error: "method not allowed" });
		if (path === LIVE_PATH) return send(res, 200, { status: "live", phase });
		if (path === READY_PATH) {
			const report = await ready();
			return send(res, report.status === "ready" ? 200 : 503, report);
		}
		send(res, 404, { error: "not found", paths: [LIVE_PATH, READY_PATH] });
	}

	const server = createServer((req, res) => {
		answer(req, res).catch((e: unknown) => send(res, 500, { error: (e as Error)?.message ?? String(e) }));
	});
	// Probes open a connection each time; idle ones should not hold the process at shutdown.
	server.keepAliveTimeout = 1_000;
	await listen(server, options.port, options.host);

	return {
		port: (server.address() as AddressInfo).port,
		running(next) {
			checks = next;
			if (phase === "starting") phase = "running";
		},
		stopping() {
			phase = "stopping";
		},
		ready,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

function send(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
	res.end(text);
}

function listen(server: Server, port: number, host?: string): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, host, () => {
			server.off("error", reject);
			resolve();
		});
	});
}
