import { createHash, randomUUID } from "node:crypto";
import {
	addressSchema, assertMatches, strictVariant, idSchema, lineQuantitySchema, salesOrderLineSchema, windowSchema,
	type Address, type LineQuantity, type ReturnOrder, type SalesOrder, type SalesOrderLine, type TimeWindow,
} from "../../canonical/index.ts";
import { BodyInvalidError, asBodyInvalid } from "./body-invalid.error.ts";

const reasonSchema = { type: "string", min: 1, max: 500 } as const;

export const cancelBodySchema = { $$strict: "remove", reason: reasonSchema } as const;

/** What the ERP may change: the address, the window, the lines (all of them, as they should now be). */
export const changeBodySchema = {
	$$strict: "remove",
	shipTo: { ...addressSchema, optional: true },
	requestedWindow: windowSchema,
	lines: { type: "array", optional: true, min: 1, max: 500, items: salesOrderLineSchema },
} as const;

export const returnBodySchema = {
	$$strict: "remove",
	rma: idSchema,
	reason: reasonSchema,
	lines: { type: "array", optional: true, min: 1, max: 500, items: lineQuantitySchema },
	pickupFrom: { ...addressSchema, optional: true },
	warehouse: { ...idSchema, optional: true },
} as const;

export interface CancelBody {
	reason: string;
}

export interface ChangeBody {
	shipTo?: Address;
	requestedWindow?: TimeWindow;
	lines?: SalesOrderLine[];
}

export interface ReturnBody {
	rma: string;
	reason: string;
	lines?: LineQuantity[];
	pickupFrom?: Address;
	warehouse?: string;
}

/** The order as `saga.getOrder` shows it, as far as the order commands read it. */
export interface KnownOrder {
	order: SalesOrder;
	/** Its fulfillment orders by id, in the order they were created. */
	fulfillments?: Record<string, { warehouse: string; partner?: string }>;
	/** The single fulfillment order of sagas stored before orders could split. */
	fulfillment?: { warehouse: string };
}

/** Checks a request body against its schema, closed (canonical/strict-schema.ts); one that does not fit is refused with 400, naming every problem. */
export function validBody<T>(what: string, schema: object, body: unknown): T {
	try {
		return assertMatches<T>(what, strictVariant(schema), body);
	} catch (e: unknown) {
		throw asBodyInvalid(what, e);
	}
}

export function validChange(body: unknown): ChangeBody {
	const change = validBody<ChangeBody>("order change", changeBodySchema, body);
	if (!change.shipTo && !change.requestedWindow && !change.lines) {
		throw new BodyInvalidError("order change", [{ field: "shipTo", message: "a change names shipTo, requestedWindow or lines" }]);
	}
	return change;
}

/** The change's id: the client's Idempotency-Key, so a retried change is the same change; hashed when too long for an id. */
export function changeIdFor(idempotencyKey: string | undefined): string {
	if (idempotencyKey === undefined) return randomUUID();
	return idempotencyKey.length <= idSchema.max ? idempotencyKey : createHash("sha256").update(idempotencyKey).digest("hex");
}

/**
 * The return the ERP authorised, completed from the order: picked up where the order went, back to
 * the warehouse that shipped it first, every line unless some are named. Named lines must be
 * lines of the order, at most as many as ordered.
 */
export function returnOrderFor(orderId: string, body: ReturnBody, known: KnownOrder): ReturnOrder {
	const warehouse = body.warehouse ?? Object.values(known.fulfillments ?? {})[0]?.warehouse ?? known.fulfillment?.warehouse;
	if (warehouse === undefined) {
		throw new BodyInvalidError("return request", [{ field: "warehouse", message: "the order has no fulfillment order yet: name the warehouse the goods go back to" }]);
	}
	const ordered = known.order.lines.map(({ lineNo, sku, qty }) => ({ lineNo, sku, qty }));
	const lines = body.lines ?? ordered;
	lines.forEach((line, i) => {
		const match = ordered.find((o) => o.lineNo === line.lineNo);
		if (!match || match.sku !== line.sku || line.qty > match.qty) {
			throw new BodyInvalidError("return request", [{ field: `lines[${i}]`, message: `line ${line.lineNo} (${line.sku} x ${line.qty}) is not a line of order ${orderId} in that quantity` }]);
		}
	});
	return { rma: body.rma, orderId, reason: body.reason, pickupFrom: body.pickupFrom ?? known.order.shipTo, warehouse, lines };
}
