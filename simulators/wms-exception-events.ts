import { randomUUID } from "node:crypto";
import { WMS_CARRIER, orderEvent, type FulfillmentOrder, type WmsLine } from "./wms-events.ts";
import { allocatedQty, damagedLine, type WarehouseExceptionCode } from "./wms-plan.ts";
import type { InventoryLevel } from "./wms-inventory.ts";

/** The payloads only exceptions send, beside the four of the happy flow (wms-events.ts). */

/** Every line with what could be reserved of it; at least one has less than ordered. */
export function allocationShortEvent(order: FulfillmentOrder): Record<string, unknown> {
  return { ...orderEvent(order, "order.allocation-short"), lines: order.lines.map((l) => ({ ...l, qtyAllocated: allocatedQty(order.plan, l) })) };
}

const DESCRIPTIONS: Record<WarehouseExceptionCode, (order: FulfillmentOrder) => string> = {
  "damaged-stock": (order) => {
    const line = damagedLine(order.plan, order.lines);
    return `1 unit of ${line?.sku ?? "stock"} (line ${line?.lineNo ?? "?"}) was damaged during picking and will not ship`;
  },
  "carrier-no-show": () => `carrier ${WMS_CARRIER} missed its collection; the shipment leaves with the next one`,
  "wave-blocked": () => "the pick wave holding this order is blocked; picking starts late",
};

/** A problem in the warehouse; damaged stock names the units that will not ship. */
export function exceptionEvent(order: FulfillmentOrder, code: WarehouseExceptionCode): Record<string, unknown> {
  const damaged = code === "damaged-stock" ? damagedLine(order.plan, order.lines) : undefined;
  return {
    ...orderEvent(order, "exception.raised"),
    warehouse: order.warehouse,
    code,
    description: DESCRIPTIONS[code](order),
    ...(damaged === undefined ? {} : { lines: [damaged] }),
  };
}

/** A stock level changed outside any order; `affectedOrders` are those whose reservation it broke. */
export function inventoryAdjustedEvent(level: InventoryLevel, delta: number, reason: string, affectedOrders: string[]): Record<string, unknown> {
  return {
    eventId: `evt_${randomUUID().replaceAll("-", "")}`,
    eventType: "inventory.adjusted",
    occurredAt: new Date().toISOString(),
    warehouse: level.warehouse,
    sku: level.sku,
    delta,
    onHand: level.onHand,
    allocated: level.allocated,
    reason,
    affectedOrders,
  };
}

export interface WmsReturn {
  id: string;
  rma: string;
  orderRef: string;
  warehouse: string;
  reason: string;
  lines: WmsLine[];
  status: "expected" | "received";
}

/** The parcel of an expected return arrived and was checked; everything goes back on the shelf. */
export function returnReceivedEvent(ret: WmsReturn): Record<string, unknown> {
  return {
    eventId: `evt_${randomUUID().replaceAll("-", "")}`,
    eventType: "return.received",
    occurredAt: new Date().toISOString(),
    order: { orderRef: ret.orderRef, warehouse: ret.warehouse },
    rma: ret.rma,
    lines: ret.lines.map((l) => ({ ...l })),
    disposition: "restock",
  };
}
