import { SchemaInvalidError } from "../canonical/errors/index.ts";
import { el, type X12Transaction } from "../services/mapper/formats/x12/index.ts";
import type { X12WarehouseOrder } from "./x12-documents.ts";

/** W0501 of a 940 that takes back an order sent before. */
export const CANCEL_STATUS = "F";

/** The order a cancelling 940 names: W0502 our depositor order number, W0503 (optional) its purchase order. */
export interface Cancel940 {
  orderNumber: string;
  purchaseOrderNumber: string;
}

/**
 * The cancel a 940 asks for, or undefined for any other 940. It needs no lines (Waybill's cancel
 * has none to give), so it is read here rather than by read940, which insists on them.
 */
export function readCancel940(tx: X12Transaction): Cancel940 | undefined {
  if (el(tx.st, 1) !== "940") return undefined;
  const w05 = tx.segments.find((s) => s[0] === "W05");
  if (el(w05, 1) !== CANCEL_STATUS) return undefined;
  const orderNumber = el(w05, 2);
  if (orderNumber === "") throw new SchemaInvalidError(`X12 940 ${el(tx.st, 2)}`, [{ field: "W0502", message: "W0502 depositor order number is required to cancel an order" }]);
  return { orderNumber, purchaseOrderNumber: el(w05, 3) };
}

/** Whether the cancel is about this order: same order number and, when given, the same purchase order. */
export function cancels(cancel: Cancel940, order: X12WarehouseOrder): boolean {
  return order.orderNumber === cancel.orderNumber && (cancel.purchaseOrderNumber === "" || order.purchaseOrderNumber === cancel.purchaseOrderNumber);
}
