import type { IncomingMessage, ServerResponse } from "node:http";
import { recordRejection, type Publish } from "./inbound-recorder.ts";
import { sendProblem, toProblem } from "./problem-details.ts";

type Request = IncomingMessage & { body?: unknown; originalUrl?: string; $params?: { params?: Record<string, string> } };
interface Gateway {
	publisher(): Publish;
	logger: { warn: (...a: unknown[]) => void };
}

/**
 * The gateway's one error handler: every error becomes problem+json, and refused input is
 * audited first (a GET of something absent is not input, and is not audited).
 */
export async function handleRejection(this: Gateway, req: Request, res: ServerResponse, err: unknown): Promise<void> {
	// moleculer-web does not await this handler: nothing may escape it, or the process meets an unhandled rejection.
	try {
		await auditRejection.call(this, req, err);
	} catch (e: unknown) {
		this.logger.warn("could not audit a rejected request", { error: (e as Error).message });
	}
	sendProblem(req, res, err);
}

/** The bytes as received, or the parsed body as JSON; a body that cannot be serialised again is audited by its description. */
function auditedBytes(body: unknown): Buffer | string {
	if (Buffer.isBuffer(body)) return body;
	try {
		return JSON.stringify(body ?? "");
	} catch {
		return "[a body that could not be serialised]";
	}
}

async function auditRejection(this: Gateway, req: Request, err: unknown): Promise<void> {
	const problem = toProblem(err, req.originalUrl ?? req.url);
	// A 429 is not input refused but a caller told to slow down: auditing each would let a flood write the ledger.
	const refusedInput = problem.status >= 400 && problem.status < 500 && problem.status !== 429 && !(problem.status === 404 && req.method === "GET");
	if (refusedInput) {
		const where = req.$params?.params ?? {};
		await recordRejection(this.publisher(), {
			channel: req.originalUrl?.startsWith("/webhooks") ? "webhook" : "http",
			method: req.method ?? "?",
			path: req.originalUrl ?? req.url ?? "?",
			system: where.system,
			partner: where.partner,
			problemType: problem.type,
			detail: problem.detail,
			body: auditedBytes(req.body),
		});
	}
}
