import { randomUUID } from "node:crypto";
import { CARRIER } from "./carrier.ts";
import { pickedQty, shippedLines, type WmsPlan } from "./wms-plan.ts";

export { trackingNumber } from "./carrier.ts";

/** The webhook event types of the generic 3PL, in the order the warehouse flow emits them. */
export const WMS_EVENT_TYPES = ["order.allocated", "order.picked", "order.packed", "shipment.manifested"] as const;
export type WmsEventType = (typeof WMS_EVENT_TYPES)[number];

/** The events only an exception sends: a short allocation, a stock count, a warehouse problem, a return received. */
export const WMS_EXCEPTION_EVENT_TYPES = ["order.allocation-short", "inventory.adjusted", "exception.raised", "return.received"] as const;
export type WmsExceptionEventType = (typeof WMS_EXCEPTION_EVENT_TYPES)[number];

export const WMS_CARRIER = CARRIER;
/** GS1's documentation company prefix; the simulator owns no real one. */
const GS1_COMPANY_PREFIX = "0614141";
/** Multi-line orders become several cartons, as real cartonisation does, so mappers meet that case. */
const MAX_LINES_PER_PACKAGE = 2;
const KG_PER_UNIT = 0.5;
const KG_PER_CARTON = 0.2;

export interface WmsLine {
  lineNo: number;
  sku: string;
  qty: number;
}

export interface WmsPackage {
  sscc: string;
  weightKg: number;
  lines: WmsLine[];
}

export interface WmsShipment {
  id: string;
  carrier: string;
  trackingNumber: string;
  shippedAt?: string;
}

/** One shipment of a packed order and what it carries; a split shipment has two. */
export interface WmsShipmentPart {
  shipment: WmsShipment;
  packages: WmsPackage[];
  lines: WmsLine[];
}

export interface FulfillmentOrder {
  id: string;
  externalRef: string;
  orderRef: string;
  warehouse: string;
  shipTo: Record<string, unknown>;
  serviceLevel?: string;
  lines: WmsLine[];
  /** held: an inventory adjustment broke its reservation; it waits to be cancelled. */
  status: "accepted" | "allocated" | "picked" | "packed" | "manifested" | "held" | "cancelled";
  packages: WmsPackage[];
  shipment: WmsShipment;
  /** The exceptions this order meets; none is the happy path. */
  plan?: WmsPlan;
  /** Set when packed: the shipments, when the scenario split them. */
  parts?: WmsShipmentPart[];
}

/** An 18-digit SSCC: extension digit, company prefix, serial reference, GS1 mod-10 check digit. */
export function sscc(serial: number): string {
  const body = `0${GS1_COMPANY_PREFIX}${String(serial).padStart(9, "0")}`;
  const sum = [...body].reverse().reduce((acc, digit, i) => acc + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

export function cartonise(lines: WmsLine[], nextSerial: () => number): WmsPackage[] {
  const packages: WmsPackage[] = [];
  for (let i = 0; i < lines.length; i += MAX_LINES_PER_PACKAGE) {
    const content = lines.slice(i, i + MAX_LINES_PER_PACKAGE).map((l) => ({ ...l }));
    const units = content.reduce((acc, l) => acc + l.qty, 0);
    packages.push({ sscc: sscc(nextSerial()), weightKg: round(KG_PER_CARTON + units * KG_PER_UNIT), lines: content });
  }
  return packages;
}

/** What every event about an order starts with. */
export function orderEvent(order: FulfillmentOrder, eventType: string): Record<string, unknown> {
  return {
    eventId: `evt_${randomUUID().replaceAll("-", "")}`,
    eventType,
    occurredAt: new Date().toISOString(),
    order: { id: order.id, externalRef: order.externalRef, orderRef: order.orderRef, warehouse: order.warehouse },
  };
}

/**
 * The webhook payload for one step of the warehouse flow, describing the order at that moment:
 * picked lines carry what was picked; packed and manifested ones what ships (the first shipment
 * of a split, see manifestEvent).
 */
export function wmsEvent(order: FulfillmentOrder, eventType: WmsEventType): Record<string, unknown> {
  if (eventType === "shipment.manifested") return manifestEvent(order, 0);
  const event = orderEvent(order, eventType);
  if (eventType === "order.picked") event["lines"] = order.lines.map((l) => ({ ...l, qtyPicked: pickedQty(order.plan, l) }));
  else if (eventType === "order.packed") event["lines"] = shippedLines(order.plan, order.lines);
  else event["lines"] = order.lines.map((l) => ({ ...l }));
  if (eventType === "order.packed") event["packages"] = order.packages;
  return event;
}

/** shipment.manifested for one shipment of the order: its packages and lines only. */
export function manifestEvent(order: FulfillmentOrder, part: number): Record<string, unknown> {
  const shipped = order.parts?.[part] ?? { shipment: order.shipment, packages: order.packages, lines: shippedLines(order.plan, order.lines) };
  return { ...orderEvent(order, "shipment.manifested"), lines: shipped.lines, packages: shipped.packages, shipment: shipped.shipment };
}

function round(kg: number): number {
  return Math.round(kg * 1000) / 1000;
}
