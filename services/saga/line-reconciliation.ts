import type { LineQuantity, SalesOrder } from "../../canonical/index.ts";
import type { LineQuantities, OrderSaga } from "./order-saga.ts";

/**
 * Quantity reconciliation per order line: ordered → allocated → picked → shipped → delivered →
 * invoiced, with what was backordered, cancelled or returned. Every warehouse and shipment of a
 * split order adds to the same lines, so a split still reconciles.
 */
export type Stage = Exclude<keyof LineQuantities, "lineNo" | "sku">;

export function linesOf(order: SalesOrder): LineQuantities[] {
	return order.lines.map(orderedLine);
}

/** A line as ordered, before anything happened to it. */
export function orderedLine(line: LineQuantity): LineQuantities {
	return { lineNo: line.lineNo, sku: line.sku, ordered: line.qty, allocated: 0, picked: 0, shipped: 0, delivered: 0, invoiced: 0, backordered: 0, cancelled: 0, returned: 0 };
}

/** Adds quantities to a stage; a line the order does not have is ignored (and reported by the caller's note). */
export function add(saga: OrderSaga, stage: Stage, lines: readonly LineQuantity[]): void {
	for (const l of lines) {
		const line = saga.lines.find((x) => x.lineNo === l.lineNo);
		if (line) line[stage] += l.qty;
	}
}

/** What is still expected from the warehouses per line: ordered minus what was given up on. */
export function expected(line: LineQuantities): number {
	return line.ordered - line.backordered - line.cancelled;
}

/** Shortfall of `got` against `wanted`, per line, as quantities (only lines that are short). */
export function shortfall(wanted: readonly LineQuantity[], got: ReadonlyMap<number, number>): LineQuantity[] {
	return wanted
		.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qty - Math.min(l.qty, got.get(l.lineNo) ?? 0) }))
		.filter((l) => l.qty > 0);
}

/** Quantities shipped per line over every shipment: the only thing invoiced. */
export function shippedLines(saga: OrderSaga): LineQuantity[] {
	return saga.lines.filter((l) => l.shipped > 0).map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.shipped }));
}

/** True when every line's quantities agree: shipped ones delivered and invoiced, the rest accounted for. */
export function reconciled(saga: OrderSaga): boolean {
	return saga.lines.every((l) => l.shipped + l.backordered + l.cancelled === l.ordered && l.delivered === l.shipped && l.invoiced === l.shipped);
}
