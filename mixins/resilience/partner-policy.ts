import {
	BrokenCircuitError, BulkheadRejectedError, ConsecutiveBreaker, DelegateBackoff, TaskCancelledError, TimeoutStrategy,
	bulkhead, circuitBreaker, handleWhen, retry, timeout, wrap, CircuitState, type IRetryBackoffContext,
} from "cockatiel";
import { PartnerUnavailableError, isRetryable, retryAfterOf } from "../../canonical/errors/index.ts";
import { OutcomeWindow, type RecentOutcomes } from "./outcome-window.ts";

/** Per-partner resilience settings: configuration, not code (see config/partners.json). */
export interface PartnerPolicySettings {
	/** Per attempt. */
	timeoutMs: number;
	/**
	 * In-call retries for synchronous queries (inventory, live booking), which have no stream
	 * behind them. Commands never retry here: their one retry layer is the durable stream's
	 * delayed redelivery (it survives restarts and keeps per-order order).
	 */
	retryAttempts: number;
	retryInitialDelayMs: number;
	retryMaxDelayMs: number;
	/** Consecutive failures that open the circuit. */
	breakerThreshold: number;
	breakerHalfOpenAfterMs: number;
	/** Concurrent calls to this partner, and how many may wait for a slot. */
	bulkheadLimit: number;
	bulkheadQueue: number;
}

export const DEFAULT_PARTNER_POLICY: PartnerPolicySettings = {
	timeoutMs: 5_000,
	retryAttempts: 2,
	retryInitialDelayMs: 100,
	retryMaxDelayMs: 5_000,
	breakerThreshold: 5,
	breakerHalfOpenAfterMs: 10_000,
	bulkheadLimit: 16,
	bulkheadQueue: 256,
};

const STATE_NAMES: Record<CircuitState, string> = {
	[CircuitState.Closed]: "closed",
	[CircuitState.Open]: "open",
	[CircuitState.HalfOpen]: "half-open",
	[CircuitState.Isolated]: "isolated",
};

/** Cockatiel's states are numbers; operators read names. */
export function circuitStateName(state: CircuitState): string {
	return STATE_NAMES[state] ?? String(state);
}

export interface PartnerPolicy {
	/** The command path: timeout, breaker and bulkhead, no retry (the stream retries). */
	execute<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
	/** The query path: the same breaker and bulkhead, plus retries with backoff, jitter and Retry-After. */
	query<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
	circuitState(): CircuitState;
	onCircuitChange(listener: (state: CircuitState) => void): void;
	/** Attempts that reached the partner in the last minutes, and those that failed (timeouts, network errors, 408, 429, 5xx). */
	recentOutcomes(): RecentOutcomes;
}

/** Exponential backoff with full jitter, unless the partner said when to come back (Retry-After). */
function backoff(settings: PartnerPolicySettings) {
	return new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
		const asked = "error" in context.result ? retryAfterOf(context.result.error) : undefined;
		if (asked !== undefined) return Math.min(asked, settings.retryMaxDelayMs);
		const ceiling = Math.min(settings.retryMaxDelayMs, settings.retryInitialDelayMs * 2 ** (context.attempt - 1));
		return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
	});
}

/**
 * Built once per partner: bulkhead(retry(breaker(timeout(call)))), with the retry only on the
 * query path. The bulkhead is outermost so a slow partner holds at most its own slots; the
 * breaker sees every attempt, so a retry storm opens it instead of hiding the outage. Both paths
 * share the breaker and the bulkhead: one partner, one health, one budget.
 */
export function createPartnerPolicy(partner: string, settings: PartnerPolicySettings): PartnerPolicy {
	const onlyRetryable = handleWhen(isRetryable);
	const breaker = circuitBreaker(onlyRetryable, {
		halfOpenAfter: settings.breakerHalfOpenAfterMs,
		breaker: new ConsecutiveBreaker(settings.breakerThreshold),
	});
	const attempts = retry(onlyRetryable, { maxAttempts: settings.retryAttempts, backoff: backoff(settings) });
	const perAttempt = timeout(settings.timeoutMs, TimeoutStrategy.Aggressive);
	const slots = bulkhead(settings.bulkheadLimit, settings.bulkheadQueue);
	const commands = wrap(slots, breaker, perAttempt);
	const queries = wrap(slots, attempts, breaker, perAttempt);
	const outcomes = new OutcomeWindow();
	// Counted per attempt that reached the partner: a call the open breaker or a full bulkhead refused never did.
	const attempt = async <T>(call: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> => {
		try {
			const result = await call(signal);
			outcomes.record(false);
			return result;
		} catch (e: unknown) {
			outcomes.record(signal.aborted || isRetryable(e));
			throw e;
		}
	};
	const run = async <T>(policy: typeof commands, call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
		try {
			return await policy.execute(({ signal }) => attempt(call, signal));
		} catch (e: unknown) {
			throw translate(partner, settings, e);
		}
	};

	return {
		execute: (call) => run(commands, call),
		query: (call) => run(queries as unknown as typeof commands, call),
		circuitState: () => breaker.state,
		onCircuitChange: (listener) => {
			breaker.onStateChange(listener);
		},
		recentOutcomes: () => outcomes.snapshot(),
	};
}

/** Cockatiel's own rejections become Waybill's retryable partner error. */
function translate(partner: string, settings: PartnerPolicySettings, e: unknown): unknown {
	if (e instanceof BrokenCircuitError) return new PartnerUnavailableError(partner, "circuit open", settings.breakerHalfOpenAfterMs, true);
	if (e instanceof BulkheadRejectedError) return new PartnerUnavailableError(partner, "too many calls in flight (bulkhead full)");
	if (e instanceof TaskCancelledError) return new PartnerUnavailableError(partner, `no answer within ${settings.timeoutMs} ms`);
	return e;
}
