import type { ErpAction } from "./erp-scenario.ts";

export interface ErpAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
  region?: string;
  phone?: string;
  email?: string;
}

export interface ErpOrderLine {
  lineNo: number;
  sku: string;
  description?: string;
  qty: number;
  unitPrice: number;
}

/** What the ERP knows of an order it released: enough to change or return it (a canonical sales order fits). */
export interface ErpOrder {
  orderId: string;
  shipTo: ErpAddress;
  lines: ErpOrderLine[];
}

export type SentKind = ErpAction["kind"];

/** One call to Waybill's governed API; the key makes every retry of it the same request. */
export interface WaybillCall {
  kind: SentKind;
  method: "POST" | "PATCH";
  path: string;
  idempotencyKey: string;
  body: Record<string, unknown>;
}

/** Where a changed address sends the parcel: the same street, handed to a neighbour. */
export const CHANGED_ADDRESS_LINE2 = "c/o neighbour at no. 14";

export function rmaFor(orderId: string): string {
  return `RMA-${orderId}`;
}

/** True when the call cannot be written without the order's address or lines. */
export function needsOrder(action: ErpAction): boolean {
  return action.kind === "change" && "derive" in action.changes;
}

/**
 * The request an action makes. The idempotency keys derive from the order (and, for a change,
 * the status it reacts to), so the ERP asking twice is one request to Waybill.
 */
export function callFor(orderId: string, action: ErpAction, order: ErpOrder | undefined): WaybillCall {
  const base = `/api/v1/orders/${encodeURIComponent(orderId)}`;
  if (action.kind === "cancel") {
    return { kind: "cancel", method: "POST", path: `${base}/cancel`, idempotencyKey: `erp-sim:cancel:${orderId}`, body: { reason: action.reason } };
  }
  if (action.kind === "return") {
    const rma = rmaFor(orderId);
    // Lines left out mean every line of the order to Waybill; the ERP names them when it knows them.
    const lines = order?.lines.map(({ lineNo, sku, qty }) => ({ lineNo, sku, qty }));
    return { kind: "return", method: "POST", path: `${base}/returns`, idempotencyKey: `erp-sim:return:${rma}`, body: { rma, reason: action.reason, ...(lines ? { lines } : {}) } };
  }
  return { kind: "change", method: "PATCH", path: base, idempotencyKey: `erp-sim:change:${orderId}:${action.on}`, body: changesFor(action.changes, order) };
}

function changesFor(spec: Extract<ErpAction, { kind: "change" }>["changes"], order: ErpOrder | undefined): Record<string, unknown> {
  if ("given" in spec) return spec.given;
  if (order === undefined) throw new Error("a derived change needs the order");
  if (spec.derive === "shipTo") return { shipTo: { ...order.shipTo, line2: CHANGED_ADDRESS_LINE2 } };
  // One more of the first line: late, once packed, so Waybill must refuse it.
  return { lines: order.lines.map((line, i) => (i === 0 ? { ...line, qty: line.qty + 1 } : { ...line })) };
}
