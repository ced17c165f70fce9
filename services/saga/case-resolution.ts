import { CHANNELS, WAYBILL_FACTS, ConcurrentUpdateError, NotFoundError, createEnvelope, type Envelope, type ExceptionCase } from "../../canonical/index.ts";
import type { SagaDeps } from "./saga-runner.ts";
import type { SagaStore } from "./saga.store.ts";

const MAX_CONFLICT_RETRIES = 5;

export interface ResolveRequest {
	caseId: string;
	/** The operator (X-Operator), recorded on the case and, through the fact, in the ledger. */
	by: string;
	note?: string;
}

export interface ResolveResult {
	caseId: string;
	resolved: boolean;
	/** Why nothing was resolved now: the case was resolved before (by a flow or a person). */
	skipped?: string;
	case: ExceptionCase;
}

/**
 * A person resolves a case (the control tower; POST /ops/exceptions/{caseId}/resolve). The case
 * is resolved with who did it, its order stops the case's resolution clock (and may open a new
 * case of that kind), and `waybill.exception.resolved` carries the operator to the ledger. Each
 * step is idempotent, so repeating a request that failed half-way completes it; a case a flow
 * resolved is left as it is.
 */
export async function resolveByOperator(deps: Pick<SagaDeps, "sagas" | "cases" | "publish">, request: ResolveRequest): Promise<ResolveResult> {
	const found = await deps.cases.get(request.caseId);
	if (!found) throw new NotFoundError("exception case", request.caseId);
	if (found.state === "resolved" && !found.resolvedBy) return { caseId: found.caseId, resolved: false, skipped: `resolved at ${found.resolvedAt}: ${found.resolution ?? ""}`, case: found };
	const at = new Date().toISOString();
	const resolution = `resolved by ${request.by}${request.note ? `: ${request.note}` : ""}`;
	const resolved = found.state === "open" ? await deps.cases.resolve(found.caseId, resolution, at, request.by) : undefined;
	const current = resolved ?? (await deps.cases.get(found.caseId))!;
	const fact = resolvedFact(current, current.orderId ? (await deps.sagas.get(current.orderId))?.traceparent : undefined);
	if (current.orderId) await closeOnOrder(deps.sagas, current, fact);
	await deps.publish(CHANNELS.EVENTS, fact);
	return resolved
		? { caseId: current.caseId, resolved: true, case: current }
		: { caseId: current.caseId, resolved: false, skipped: `already resolved by ${current.resolvedBy ?? "a flow"} at ${current.resolvedAt}`, case: current };
}

/** Same id however often it is built for the case: the stream and the ledger keep one. */
function resolvedFact(exceptionCase: ExceptionCase, traceparent?: string): Envelope {
	const subject = exceptionCase.orderId ?? (exceptionCase.partner ? `partner:${exceptionCase.partner}` : `case:${exceptionCase.caseId}`);
	return createEnvelope({
		type: WAYBILL_FACTS.EXCEPTION_RESOLVED,
		source: "waybill/saga",
		subject,
		time: exceptionCase.resolvedAt,
		data: exceptionCase,
		schemaVersion: 1,
		idempotencyKey: `${exceptionCase.caseId}:${WAYBILL_FACTS.EXCEPTION_RESOLVED}`,
		...(exceptionCase.partner ? { partner: exceptionCase.partner } : {}),
		// The order's trace: the operator's request is one more hop of it.
		...(traceparent ? { traceparent } : {}),
	});
}

/** Marks the case resolved on its order and notes who did it on the timeline; a no-op once done. */
async function closeOnOrder(sagas: SagaStore, exceptionCase: ExceptionCase, fact: Envelope): Promise<void> {
	for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
		const loaded = await sagas.load(exceptionCase.orderId!);
		const ref = loaded?.value.cases.find((c) => c.caseId === exceptionCase.caseId);
		if (!loaded || !ref || ref.resolvedAt) return;
		const saga = structuredClone(loaded.value);
		const at = exceptionCase.resolvedAt ?? fact.time;
		saga.cases = saga.cases.map((c) => (c.caseId === ref.caseId ? { ...c, resolvedAt: at } : c));
		saga.timeline.push({ at, recordedAt: new Date().toISOString(), type: fact.type, messageId: fact.id, note: `case ${ref.caseId} (${ref.kind}) ${exceptionCase.resolution ?? "resolved"}` });
		if (await sagas.save(saga, loaded.version, loaded.value.status)) return;
	}
	throw new ConcurrentUpdateError(`saga:order:{${exceptionCase.orderId}}`);
}
