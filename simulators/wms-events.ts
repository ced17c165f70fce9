import { randomUUID } from "node:crypto";
import { CARRIER } from "./carrier.ts";

export { trackingNumber } from "./carrier.ts";

/** The webhook event types of the generic 3PL, in the order the warehouse flow emits them. */
export const WMS_EVENT_TYPES = ["order.allocated", "order.picked", "order.packed", "shipment.manifested"] as const;
export type WmsEventType = (typeof WMS_EVENT_TYPES)[number];

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

export interface FulfillmentOrder {
  id: string;
  externalRef: string;
  orderRef: string;
  warehouse: string;
  shipTo: Record<string, unknown>;
  serviceLevel?: string;
  lines: WmsLine[];
  status: "accepted" | "allocated" | "picked" | "packed" | "manifested" | "cancelled";
  packages: WmsPackage[];
  shipment: { id: string; carrier: string; trackingNumber: string; shippedAt?: string };
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

/** The webhook payload for one step of the warehouse flow, describing the order at that moment. */
export function wmsEvent(order: FulfillmentOrder, eventType: WmsEventType): Record<string, unknown> {
  const event: Record<string, unknown> = {
    eventId: `evt_${randomUUID().replaceAll("-", "")}`,
    eventType,
    occurredAt: new Date().toISOString(),
    order: { id: order.id, externalRef: order.externalRef, orderRef: order.orderRef, warehouse: order.warehouse },
    lines: order.lines.map((l) => (eventType === "order.picked" ? { ...l, qtyPicked: l.qty } : { ...l })),
  };
  if (eventType === "order.packed" || eventType === "shipment.manifested") event["packages"] = order.packages;
  if (eventType === "shipment.manifested") event["shipment"] = order.shipment;
  return event;
}

function round(kg: number): number {
  return Math.round(kg * 1000) / 1000;
}
