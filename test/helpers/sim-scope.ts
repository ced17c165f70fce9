import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "node:test";

/** One webhook as a receiver got it: the raw bytes, their JSON reading (if any), headers, the status answered. */
export interface Hit {
	raw: string;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read partner payloads freely
	body: any;
	headers: IncomingHttpHeaders;
	status: number;
}

interface Stoppable {
	stop(): Promise<void>;
}

function jsonOrUndefined(raw: string): unknown {
	try {
		return JSON.parse(raw);
	} catch {
		return undefined;
	}
}

/**
 * What the simulator specs share: simulators and webhook receivers started by a test are
 * stopped after it, so no timer or socket outlives the test that made it.
 */
export function simulatorScope() {
	const running: Stoppable[] = [];
	afterEach(async () => {
		await Promise.all(running.splice(0).map((s) => s.stop()));
	});

	/** A webhook endpoint standing in for Waybill's gateway; `statusFor(n)` picks the answer to hit n. */
	async function startReceiver(statusFor: (n: number) => number = () => 200): Promise<{ url: string; hits: Hit[] }> {
		const hits: Hit[] = [];
		const server = createServer((req, res) => {
			let raw = "";
			req.setEncoding("utf8");
			req.on("data", (chunk: string) => (raw += chunk));
			req.on("end", () => {
				const status = statusFor(hits.length);
				hits.push({ raw, body: jsonOrUndefined(raw), headers: req.headers, status });
				res.writeHead(status).end();
			});
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		running.push({
			stop: () => {
				server.closeAllConnections();
				return new Promise<void>((resolve) => server.close(() => resolve()));
			},
		});
		return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, hits };
	}

	async function started<T extends { start(port?: number): Promise<{ url: string }>; stop(): Promise<void> }>(sim: T): Promise<{ sim: T; url: string }> {
		running.push(sim);
		const { url } = await sim.start();
		return { sim, url };
	}

	/** Anything else the test starts (a child process) that must be stopped after it. */
	function track(stoppable: Stoppable): void {
		running.push(stoppable);
	}

	return { startReceiver, started, track };
}
