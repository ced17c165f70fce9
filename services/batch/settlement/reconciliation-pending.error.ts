import { RetryableWaybillError, asErrorLike } from "../../../canonical/errors/index.ts";

export const RECONCILIATION_PENDING = "RECONCILIATION_PENDING";

/**
 * A day's records disagree, but one keeper may only be behind (the ledger or the journal still
 * consuming `events`): the reconciliation is redelivered after `retryAfterMs` until they agree or
 * SETTLEMENT_RECONCILE_WAIT_MS has passed. Stream-internal: it never reaches an HTTP caller.
 */
export class ReconciliationPendingError extends RetryableWaybillError {
	constructor(day: string, differences: number, retryAfterMs: number) {
		super(`settlement of ${day} differs from the ledger in ${differences} kind(s) and currency(ies); waiting for the records to catch up`, 409, RECONCILIATION_PENDING, { day, differences, retryAfterMs });
	}
}

export const isReconciliationPending = (e: unknown): e is ReconciliationPendingError => asErrorLike(e).type === RECONCILIATION_PENDING;
