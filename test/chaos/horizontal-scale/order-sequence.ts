import { canAdvance, rankOf, type OrderStatus } from "../../../canonical/order-status.ts";
import type { OrderSaga } from "../../../services/saga/order-saga.ts";

/**
 * Per-order ordering, from two witnesses that do not share a process: the saga's own timeline
 * (what it applied, in the order it applied it) and the ERP's books (what it was told, in the
 * order it arrived). With several processes pulling one group's partitions, either would show
 * a regression if two of them ever worked on one order at once.
 */

interface Received {
	method: string;
	path: string;
	headers: Record<string, string>;
	body: unknown;
	faulted?: true;
}

const STATUS_PATH = /^\/api\/orders\/([^/?]+)\/status\/?$/;

/**
 * The statuses the ERP accepted per order, in arrival order, from its request log: a request
 * answered with an injected fault is not one it accepted, and a retry with an Idempotency-Key it
 * already answered is a replay, not a second update (as the ERP's own records count them).
 */
export async function erpStatusesByOrder(erpUrl: string): Promise<Map<string, string[]>> {
	const response = await fetch(`${erpUrl}/_sim/received`, { signal: AbortSignal.timeout(60_000) });
	if (!response.ok) throw new Error(`ERP request log: HTTP ${response.status}`);
	const seen = new Set<string>();
	const byOrder = new Map<string, string[]>();
	for (const r of (await response.json()) as Received[]) {
		const match = r.method === "POST" && !r.faulted ? STATUS_PATH.exec(r.path) : null;
		const status = (r.body as { status?: unknown } | null)?.status;
		if (!match || typeof status !== "string") continue;
		const key = r.headers["idempotency-key"];
		if (key !== undefined && seen.has(key)) continue;
		if (key !== undefined) seen.add(key);
		const orderId = decodeURIComponent(match[1]!);
		byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), status]);
	}
	return byOrder;
}

export interface OrderingViolation {
	orderId: string;
	problem: string;
	saga: string[];
	erp: string[];
}

/** The statuses the saga entered, in timeline order. */
export const sagaStatuses = (saga: OrderSaga): OrderStatus[] => saga.timeline.flatMap((e) => (e.status ? [e.status] : []));

/**
 * Every order: the saga's statuses start at released, each one a lattice advance on the one
 * before, none entered twice, ending at `finalStatus`, and its timeline recorded in time order;
 * the ERP got the same statuses, each once, in non-decreasing lattice order.
 */
export function orderingViolations(orderIds: string[], sagas: Map<string, OrderSaga | undefined>, erp: Map<string, string[]>, finalStatus: OrderStatus): OrderingViolation[] {
	const violations: OrderingViolation[] = [];
	for (const orderId of orderIds) {
		const saga = sagas.get(orderId);
		const fromSaga = saga ? sagaStatuses(saga) : [];
		const atErp = erp.get(orderId) ?? [];
		const fail = (problem: string) => violations.push({ orderId, problem, saga: fromSaga, erp: atErp });
		if (!saga) {
			fail("no saga");
			continue;
		}
		const regression = fromSaga.findIndex((s, i) => i > 0 && !canAdvance(fromSaga[i - 1], s));
		const recorded = saga.timeline.map((e) => Date.parse(e.recordedAt));
		if (fromSaga[0] !== "released") fail("saga timeline does not start at released");
		else if (regression !== -1) fail(`saga went from ${fromSaga[regression - 1]} to ${fromSaga[regression]}`);
		else if (fromSaga.at(-1) !== finalStatus || saga.status !== finalStatus) fail(`saga ended at ${saga.status}, not ${finalStatus}`);
		else if (Object.values(saga.statusCounts).some((n) => n !== 1)) fail(`a status entered more than once: ${JSON.stringify(saga.statusCounts)}`);
		else if (recorded.some((t, i) => i > 0 && t < recorded[i - 1]!)) fail("saga timeline recorded out of time order");
		const erpRegression = atErp.findIndex((s, i) => i > 0 && rankOf(s as OrderStatus) < rankOf(atErp[i - 1] as OrderStatus));
		if (erpRegression !== -1) fail(`ERP got ${atErp[erpRegression]} after ${atErp[erpRegression - 1]}`);
		else if (new Set(atErp).size !== atErp.length) fail("ERP got a status twice");
		else if (atErp.join(",") !== fromSaga.join(",")) fail("ERP statuses differ from the saga's");
	}
	return violations;
}
