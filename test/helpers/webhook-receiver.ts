import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
	headers: Record<string, string | undefined>;
	body: string;
	/** What the receiver answered. */
	status: number;
}

/**
 * A subscriber's endpoint for tests: records every request with its raw body, and answers with
 * the status `answer` gives for the nth request (1-based), 200 by default.
 */
export class WebhookReceiver {
	readonly received: ReceivedWebhook[] = [];
	private server?: Server;

	constructor(public answer: (n: number) => number = () => 200) {}

	async start(): Promise<string> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on("data", (c: Buffer) => chunks.push(c));
			req.on("end", () => {
				const status = this.answer(this.received.length + 1);
				const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]));
				this.received.push({ headers, body: Buffer.concat(chunks).toString("utf8"), status });
				res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "no");
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
	}

	/** Requests the receiver accepted (2xx), parsed. */
	accepted(): Array<{ id: string; type: string; timestamp: string; data: Record<string, unknown> }> {
		return this.received.filter((r) => r.status < 300).map((r) => ({ id: r.headers["webhook-id"]!, ...(JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> }) }));
	}

	async stop(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}
}
