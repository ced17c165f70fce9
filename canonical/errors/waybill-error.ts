import { Errors } from "moleculer";

/**
 * The two roots of every Waybill error. They extend Moleculer's errors so that `type`, `code`,
 * `data` and `retryable` survive a hop between nodes; branch on `type` (see the guards), never on
 * `instanceof`, because the class itself does not survive.
 */
export class WaybillError extends Errors.MoleculerError {
	constructor(message: string, code: number, type: string, data?: unknown) {
		super(message, code, type, data);
		this.retryable = false;
	}
}

/** A failure that may succeed when tried again later (partner down, conflict, timeout). */
export class RetryableWaybillError extends Errors.MoleculerRetryableError {
	constructor(message: string, code: number, type: string, data?: unknown) {
		super(message, code, type, data);
		this.retryable = true;
	}
}

export interface ErrorLike {
	name?: string;
	message?: string;
	type?: string;
	code?: number;
	data?: unknown;
	retryable?: boolean;
}

export function asErrorLike(e: unknown): ErrorLike {
	if (e && typeof e === "object") return e as ErrorLike;
	return { message: String(e) };
}

/** Socket-level failures: the other side was unreachable for a moment, not wrong. */
const NETWORK_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]);

/** True when a failure should be retried: explicit `retryable`, else network-level failures. */
export function isRetryable(e: unknown): boolean {
	const err = asErrorLike(e) as ErrorLike & { code?: unknown; cause?: { code?: unknown } };
	if (typeof err.retryable === "boolean") return err.retryable;
	const code = typeof err.code === "string" ? err.code : typeof err.cause?.code === "string" ? err.cause.code : undefined;
	return code !== undefined && NETWORK_CODES.has(code);
}

/** A plain, serialisable description of an error, for dead letters and the ledger. */
export function describeError(e: unknown): { name: string; type: string; code: number; message: string; retryable: boolean; data?: unknown } {
	const err = asErrorLike(e);
	return {
		name: err.name ?? "Error",
		type: err.type ?? "UNEXPECTED",
		code: typeof err.code === "number" ? err.code : 500,
		message: err.message ?? "unknown error",
		retryable: isRetryable(e),
		...(err.data === undefined ? {} : { data: err.data }),
	};
}
