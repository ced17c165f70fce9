import { nth } from "./adversarial.ts";
import { credentialValid, fuzzCase, type FuzzCase, type HttpWorld } from "./http-cases.ts";
import { problemOf, send, sendBytes, type RawRequest, type RawResponse } from "./raw-http.ts";
import { PUBLIC_PREFIXES, type FuzzRoute } from "./routes.ts";
import { preview, type Tally } from "./tally.ts";

/** How one answer is judged; `valid` says whether the request's credential may do what it asked. */
export interface Judged {
	route?: FuzzRoute;
	label: string;
	request: RawRequest | { raw: string };
	valid: boolean;
}

function describeRequest(j: Judged): string {
	if ("raw" in j.request) return `${j.label}: ${j.request.raw}`;
	const { method, path, headers, body } = j.request;
	const shown = Object.entries(headers)
		.filter(([k]) => k !== "host")
		.map(([k, v]) => `${k}: ${String(v).replace(/Bearer \S{20,}/, (m) => `${m.slice(0, 16)}…`).slice(0, 80)}`);
	return `${j.label} :: ${method} ${path.length > 200 ? `${path.slice(0, 200)}…(${path.length})` : path} {${shown.join("; ")}} body ${preview(body, 160)}`;
}

/**
 * The verdict on one answer. 2xx/3xx: accepted, unless the credential could not have allowed it
 * (then forged-accepted). 4xx: must be problem+json with a matching status, or a non-problem answer
 * the API description declares. 5xx, a dropped connection or no answer: a crash.
 */
export function judge(tally: Tally, j: Judged, res: RawResponse): void {
	tally.httpInputs++;
	const where = j.route ? `${j.route.method} ${j.route.template}` : j.label;
	if (!res.ok) {
		if (res.error.startsWith("client-refused")) {
			tally.httpInputs--;
			return;
		}
		tally.countStatus("no-answer", where);
		tally.fail({ kind: "crash", where, input: describeRequest(j), got: res.error }, `crash no-answer ${where} ${res.error.slice(0, 20)}`);
		return;
	}
	tally.countStatus(res.status, where);
	if (res.status < 400) {
		const path = "raw" in j.request ? "" : j.request.path;
		const publicGet = "raw" in j.request ? false : j.request.method === "GET" && (PUBLIC_PREFIXES.some((p) => path.startsWith(p)) || path.startsWith("/webhooks/"));
		if (j.valid || publicGet) tally.accepted++;
		else tally.fail({ kind: "forged-accepted", where, input: describeRequest(j), got: `${res.status} ${res.body.toString("utf8").slice(0, 160)}` }, `forged ${where} ${path.split("?")[0]!.slice(0, 60)}`);
		return;
	}
	const declared = j.route?.declared[String(res.status)];
	const { problem, why } = problemOf(res);
	if (problem) tally.problemTypes[problem.type.replace(/^.*\/problems\//, "")] = (tally.problemTypes[problem.type.replace(/^.*\/problems\//, "")] ?? 0) + 1;
	if (res.status < 500 && problem) {
		tally.rejected4xx++;
		return;
	}
	if (res.status < 500 && declared && String(res.headers["content-type"] ?? "").startsWith(declared)) {
		tally.rejected4xx++;
		tally.documentedNonProblem4xx++;
		return;
	}
	// Answers written by node's HTTP server itself (no content type, no body) are one finding whatever the route.
	const nodeLevel = !res.headers["content-type"] && res.body.length === 0;
	const got = `${res.status} ${problem ? `${problem.type.replace(/^.*\/problems\//, "")}: ${problem.detail}` : (why ?? "")}`.slice(0, 400);
	const signature = tally.fail({ kind: "crash", where, input: describeRequest(j), got }, nodeLevel ? `crash node-level ${res.status}` : `crash ${where} ${got.replace(/\d+/g, "#").slice(0, 60)}`);
	if (res.status >= 500 && !("raw" in j.request) && !firstRequests.has(signature)) firstRequests.set(signature, j.request);
}

/** The first request of each 5xx signature, to be sent again alone with the gateway's error log captured. */
const firstRequests = new Map<string, RawRequest>();

/**
 * Sends each 5xx signature's first request again, alone, catching what the gateway logs for it
 * ("request failed" with the error and its stack): the report then names the code that failed.
 */
export async function explainServerErrors(base: URL, tally: Tally, gatewayLogger: { error: (...args: unknown[]) => void }): Promise<void> {
	const original = gatewayLogger.error;
	try {
		for (const [signature, request] of firstRequests) {
			const logged: unknown[][] = [];
			gatewayLogger.error = (...args: unknown[]) => void logged.push(args);
			await send(base, request);
			const entry = tally.signatures.get(signature);
			const line = logged.find((args) => args[0] === "request failed");
			if (!entry || !line) continue;
			const stack = String(line[3] ?? "");
			const frame = stack.split("\n").find((l) => /\/(services|mixins|canonical|config)\//.test(l)) ?? stack.split("\n")[1] ?? "";
			entry.example.got += ` | cause: ${String(line[1])}: ${String(line[2]).slice(0, 160)} ${frame.trim().replace(/^at /, "at ").replace(/file:\/\/\S*?\/work\/main\//, "")}`;
		}
	} finally {
		gatewayLogger.error = original;
		firstRequests.clear();
	}
}

/** Runs `count` fuzzed cases, `concurrency` at a time; case i is the i-th value for the seed, so a failure can be rebuilt. */
export async function runHttpFuzz(base: URL, world: HttpWorld, options: { seed: number; first: number; count: number; concurrency: number; tally: Tally; log: (s: string) => void }): Promise<void> {
	const arb = fuzzCase(world);
	let next = options.first;
	const end = options.first + options.count;
	const worker = async () => {
		while (next < end) {
			const i = next++;
			const c: FuzzCase = nth(arb, options.seed, i);
			const res = await send(base, c.request);
			judge(options.tally, { route: c.route, label: `case ${i}: ${c.label}`, request: c.request, valid: credentialValid(c) }, res);
			if ((i + 1) % 250 === 0) options.log(`http: ${i + 1} cases, ${options.tally.crashes} crashes, ${options.tally.forgedAccepted} forged accepted`);
		}
	};
	await Promise.all(Array.from({ length: options.concurrency }, worker));
}

/** Requests node:http will not write: what the server's own HTTP parser refuses before the gateway sees them. */
const PROTOCOL_CASES: Array<{ name: string; bytes: string }> = [
	{ name: "header line without a colon", bytes: "GET /health/live HTTP/1.1\r\nHost: x\r\nNo colon here\r\nConnection: close\r\n\r\n" },
	{ name: "not HTTP at all", bytes: "GARBAGE\r\n\r\n" },
	{ name: "Content-Length and Transfer-Encoding together (smuggling shape)", bytes: 'POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n' },
	{ name: "bad chunk size", bytes: 'POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n' },
	{ name: "20 KB of headers", bytes: `GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(20_000)}\r\nConnection: close\r\n\r\n` },
	{ name: "NUL in the request target", bytes: "GET /api/v1/orders/a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" },
];

export async function runProtocolCases(base: URL, tally: Tally): Promise<void> {
	for (const c of PROTOCOL_CASES) {
		judge(tally, { label: `protocol: ${c.name}`, request: { raw: JSON.stringify(c.bytes.slice(0, 160)) }, valid: false }, await sendBytes(base, Buffer.from(c.bytes, "latin1")));
	}
}

/** A key limited to a few requests a second, used in a burst: the 429s must be problem+json like any refusal. */
export async function runRateLimitBurst(base: URL, limitedKey: string, tally: Tally, route: FuzzRoute | undefined): Promise<number> {
	const request: RawRequest = { method: "GET", path: "/api/v1/whoami", headers: { authorization: `Bearer ${limitedKey}` } };
	const answers = await Promise.all(Array.from({ length: 25 }, () => send(base, request)));
	let limited = 0;
	for (const res of answers) {
		if (res.ok && res.status === 429) limited++;
		judge(tally, { route, label: "rate-limit burst (key limited to 3/s)", request, valid: true }, res);
	}
	return limited;
}
