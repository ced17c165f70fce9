import type { WmsLine } from "./wms-events.ts";

/** The exceptions a warehouse raises about one order, by the code its exception.raised event carries. */
export const WAREHOUSE_EXCEPTION_CODES = ["damaged-stock", "carrier-no-show", "wave-blocked"] as const;
export type WarehouseExceptionCode = (typeof WAREHOUSE_EXCEPTION_CODES)[number];

/**
 * What will go wrong with one fulfillment order, fixed when the warehouse accepts it. Quantities
 * follow from it and the order's current lines, so a line change before packing is honoured.
 */
export interface WmsPlan {
  /** Lines the warehouse can reserve only part of. */
  allocationShort: { lineNo: number; qtyAllocated: number }[];
  /** Lines whose pick comes up short of what was reserved. */
  shortPick: { lineNo: number; qtyPicked: number }[];
  splitShipment: boolean;
  /** A stock count after allocation breaks the order's reservation; the order is held until cancelled. */
  inventoryAdjustment: boolean;
  warehouseException?: WarehouseExceptionCode;
}

/** No exception at all: the flow is today's allocated, picked, packed, manifested in one go. */
export function isPlain(plan: WmsPlan | undefined): boolean {
  return (
    plan === undefined ||
    (plan.allocationShort.length === 0 && plan.shortPick.length === 0 && !plan.splitShipment && !plan.inventoryAdjustment && plan.warehouseException === undefined)
  );
}

export function allocatedQty(plan: WmsPlan | undefined, line: WmsLine): number {
  const short = plan?.allocationShort.find((s) => s.lineNo === line.lineNo);
  return short === undefined ? line.qty : Math.min(line.qty, short.qtyAllocated);
}

export function pickedQty(plan: WmsPlan | undefined, line: WmsLine): number {
  const allocated = allocatedQty(plan, line);
  const short = plan?.shortPick.find((s) => s.lineNo === line.lineNo);
  return short === undefined ? allocated : Math.min(allocated, short.qtyPicked);
}

/** damaged-stock: one unit of the first line that was picked breaks, and stays behind. */
export function damagedLine(plan: WmsPlan | undefined, lines: readonly WmsLine[]): WmsLine | undefined {
  if (plan?.warehouseException !== "damaged-stock") return undefined;
  const first = lines.find((l) => pickedQty(plan, l) > 0);
  return first === undefined ? undefined : { lineNo: first.lineNo, sku: first.sku, qty: 1 };
}

/** What leaves the warehouse: picked less damaged, lines with nothing left out. */
export function shippedLines(plan: WmsPlan | undefined, lines: readonly WmsLine[]): WmsLine[] {
  const damaged = damagedLine(plan, lines);
  return lines
    .map(({ lineNo, sku }, i) => ({ lineNo, sku, qty: pickedQty(plan, lines[i]!) - (damaged?.lineNo === lineNo ? 1 : 0) }))
    .filter((l) => l.qty > 0);
}

/**
 * A split shipment's two parts: the first half of the lines and the rest, or a lone line's units
 * halved. One unit cannot be split, so it ships whole.
 */
export function splitLines(lines: readonly WmsLine[]): WmsLine[][] {
  if (lines.length >= 2) {
    const half = Math.ceil(lines.length / 2);
    return [lines.slice(0, half), lines.slice(half)];
  }
  const [only] = lines;
  if (only === undefined || only.qty < 2) return [[...lines]];
  const second = Math.floor(only.qty / 2);
  return [[{ ...only, qty: only.qty - second }], [{ ...only, qty: second }]];
}
