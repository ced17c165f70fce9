import { Agent, request } from "node:http";
import { connect } from "node:net";

export interface RawRequest {
	method: string;
	/** Sent exactly as given: no URL normalisation, so `..` and bad percent-encodings reach the server. */
	path: string;
	headers: Record<string, string | string[]>;
	body?: Buffer;
}

export type RawResponse =
	| { ok: true; status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; ms: number }
	| { ok: false; error: string; ms: number };

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function closeAgent(): void {
	agent.destroy();
}

/**
 * One request over node:http rather than fetch: fetch normalises paths and refuses some header
 * values, and for an oversized body it reports the server's early 413 as a failed upload. Here a
 * response that arrived counts even when the socket is closed under the rest of our upload.
 */
export function send(base: URL, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
	const started = performance.now();
	return new Promise((resolve) => {
		let settled = false;
		const done = (r: RawResponse) => {
			if (!settled) {
				settled = true;
				resolve(r);
			}
		};
		let outgoing: ReturnType<typeof request>;
		try {
			outgoing = request({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers: req.headers, agent, timeout: timeoutMs });
		} catch (e: unknown) {
			// The client refused to send it (an unescaped character, say): not the server's doing.
			done({ ok: false, error: `client-refused: ${(e as Error).message}`, ms: 0 });
			return;
		}
		outgoing.on("response", (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => done({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
			res.on("error", (e) => done({ ok: false, error: `response: ${(e as NodeJS.ErrnoException).code ?? e.message}`, ms: performance.now() - started }));
		});
		outgoing.on("timeout", () => {
			outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`));
		});
		outgoing.on("error", (e: NodeJS.ErrnoException) => {
			// EPIPE/ECONNRESET while still uploading, after the answer came, is the server refusing the rest.
			setTimeout(() => done({ ok: false, error: `${e.code ?? "ERROR"}: ${e.message}`, ms: performance.now() - started }), 50);
		});
		if (req.body && req.body.length > 0) outgoing.end(req.body);
		else outgoing.end();
	});
}

export interface ProblemShape {
	type: string;
	title: string;
	status: number;
	detail: string;
}

/** Whether a response is RFC 9457 problem+json whose `status` is the HTTP status; why not, when not. */
export function problemOf(res: Extract<RawResponse, { ok: true }>): { problem?: ProblemShape; why?: string } {
	const contentType = String(res.headers["content-type"] ?? "");
	if (!contentType.startsWith("application/problem+json")) return { why: `content-type '${contentType}', body ${JSON.stringify(res.body.toString("utf8").slice(0, 120))}` };
	let body: unknown;
	try {
		body = JSON.parse(res.body.toString("utf8"));
	} catch {
		return { why: `problem+json body does not parse: ${JSON.stringify(res.body.toString("utf8").slice(0, 120))}` };
	}
	const p = body as Partial<ProblemShape>;
	if (!p || typeof p.type !== "string" || typeof p.title !== "string" || typeof p.detail !== "string") return { why: `problem lacks type/title/detail: ${JSON.stringify(body).slice(0, 160)}` };
	if (p.status !== res.status) return { why: `problem status ${String(p.status)} differs from HTTP ${res.status}` };
	return { problem: p as ProblemShape };
}

/** Bytes straight onto a socket, for requests node:http will not write (bad header lines, smuggling shapes). */
export function sendBytes(base: URL, bytes: Buffer, timeoutMs = 5_000): Promise<RawResponse> {
	const started = performance.now();
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		const socket = connect({ host: base.hostname, port: Number(base.port) }, () => socket.end(bytes));
		const finish = () => {
			clearTimeout(timer);
			const raw = Buffer.concat(chunks);
			const head = raw.indexOf("\r\n\r\n");
			const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw.toString("latin1", 0, 20));
			if (!match) return resolve({ ok: false, error: raw.length ? `not an HTTP answer: ${JSON.stringify(raw.toString("latin1", 0, 60))}` : "connection closed without an answer", ms: performance.now() - started });
			const headers: Record<string, string> = {};
			for (const line of raw.toString("latin1", 0, head < 0 ? raw.length : head).split("\r\n").slice(1)) {
				const colon = line.indexOf(":");
				if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
			}
			const body = head < 0 ? Buffer.alloc(0) : raw.subarray(head + 4);
			resolve({ ok: true, status: Number(match[1]), headers, body: headers["transfer-encoding"] === "chunked" ? dechunk(body) : body, ms: performance.now() - started });
		};
		const timer = setTimeout(() => socket.destroy(), timeoutMs);
		socket.on("data", (c: Buffer) => chunks.push(c));
		socket.on("close", finish);
		socket.on("error", () => undefined);
	});
}

function dechunk(body: Buffer): Buffer {
	const out: Buffer[] = [];
	let at = 0;
	while (at < body.length) {
		const eol = body.indexOf("\r\n", at);
		const size = parseInt(body.toString("latin1", at, eol), 16);
		if (!(size > 0)) break;
		out.push(body.subarray(eol + 2, eol + 2 + size));
		at = eol + 2 + size + 2;
	}
	return Buffer.concat(out);
}
