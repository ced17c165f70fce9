import type { Store } from "../../mixins/store/store.ts";
import { withIdempotencyKey, type RecordedResponse } from "./idempotency-key.ts";
import { recordInboundOnce, type ClaimCheck, type Publish } from "./inbound-recorder.ts";
import {
	cancelBodySchema, changeIdFor, returnBodySchema, returnOrderFor, validBody, validChange,
	type CancelBody, type KnownOrder, type ReturnBody,
} from "./order-command-bodies.ts";

/** What the order commands need from the gateway. */
export interface OrderCommandDeps {
	store: Store;
	publish: Publish;
	claimCheck?: ClaimCheck;
	/** Runs the recording as a span of the request's trace (its traceparent header continued, or a new one). */
	intake?<T>(name: string, run: (traceparent: string | undefined) => Promise<T>): Promise<T>;
	/** How long a repeat of the same command is recognised as one (the partners' retry horizon). */
	dedupHorizonMs: number;
	/** Waits for room on the inbound stream, or refuses (backpressure). */
	admit(): Promise<void>;
	/** The order as the saga knows it; throws NOT_FOUND for an order Waybill was never given. */
	findOrder(orderId: string): Promise<KnownOrder>;
}

/** One order command as it arrived: the order from the path, the JSON body, the client's key. */
export interface OrderCommandRequest {
	orderId: string;
	body: Record<string, unknown>;
	idempotencyKey?: string;
}

type Answer = Promise<RecordedResponse & { replayed: boolean }>;

/** The request from moleculer-web's merged params: the path's order id is not part of the body. */
export function orderCommandRequest(params: Record<string, unknown>, idempotencyKey: string | undefined): OrderCommandRequest {
	const { $params: _merged, orderId, ...body } = params;
	return { orderId: String(orderId), body, idempotencyKey };
}

/** The ERP cancels an order. One order is cancelled once: a repeat, keyed or not, stores nothing new. */
export function cancelOrder(deps: OrderCommandDeps, req: OrderCommandRequest): Answer {
	const { orderId } = req;
	return withIdempotencyKey(deps.store, `POST /api/v1/orders/${orderId}/cancel`, req.idempotencyKey, req.body, async () => {
		const { reason } = validBody<CancelBody>("cancel request", cancelBodySchema, req.body);
		await deps.findOrder(orderId);
		await record(deps, orderId, `cancel:${orderId}`, { event: "order.cancelled", orderId, reason });
		return accepted(orderId, {});
	});
}

/** The ERP changes an order; the change is named by the Idempotency-Key (or a new id), which its refusal or updates will cite. */
export function changeOrder(deps: OrderCommandDeps, req: OrderCommandRequest): Answer {
	const { orderId } = req;
	return withIdempotencyKey(deps.store, `PATCH /api/v1/orders/${orderId}`, req.idempotencyKey, req.body, async () => {
		const changes = validChange(req.body);
		await deps.findOrder(orderId);
		const changeId = changeIdFor(req.idempotencyKey);
		await record(deps, orderId, `change:${orderId}:${changeId}`, { event: "order.updated", orderId, changeId, changes });
		return accepted(orderId, { changeId });
	});
}

/** The ERP authorises a return (RMA), completed from the order; one RMA is one return however often it is sent. */
export function authoriseReturn(deps: OrderCommandDeps, req: OrderCommandRequest): Answer {
	const { orderId } = req;
	return withIdempotencyKey(deps.store, `POST /api/v1/orders/${orderId}/returns`, req.idempotencyKey, req.body, async () => {
		const body = validBody<ReturnBody>("return request", returnBodySchema, req.body);
		const returnOrder = returnOrderFor(orderId, body, await deps.findOrder(orderId));
		await record(deps, orderId, `return:${orderId}:${returnOrder.rma}`, { event: "return.authorised", ...returnOrder });
		return accepted(orderId, { rma: returnOrder.rma });
	});
}

/** On the inbound stream as the waybill-canonical profile reads it (its `event` field routes it), before the 202. */
async function record(deps: OrderCommandDeps, orderId: string, deliveryId: string, body: Record<string, unknown>): Promise<void> {
	await deps.admit();
	const intake = deps.intake ?? ((_name, run) => run(undefined));
	await intake(`gateway ${String(body.event)}`, (traceparent) => recordInboundOnce(deps.store, deps.dedupHorizonMs, deps.publish, {
		system: "erp",
		partner: "api",
		body: Buffer.from(JSON.stringify(body)),
		headers: { "content-type": "application/json" },
		deliveryId,
		orderKey: orderId,
		traceparent,
	}, { claimCheck: deps.claimCheck }));
}

function accepted(orderId: string, extra: Record<string, string>): RecordedResponse {
	const statusUrl = `/api/v1/orders/${encodeURIComponent(orderId)}`;
	return { status: 202, headers: { Location: statusUrl }, body: { orderId, ...extra, status: "accepted", statusUrl } };
}
