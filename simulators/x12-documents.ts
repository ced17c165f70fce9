import type { Party, Segment } from "../services/mapper/formats/x12/index.ts";
import type { WmsLine, WmsPackage } from "./wms-events.ts";

/**
 * The bodies (ST/SE excluded) of what the X12 3PL sends back about one order: a 945 Warehouse
 * Shipping Advice, then an 856 Ship Notice. Built from the order as read from Waybill's 940.
 */

export interface X12Line extends WmsLine {
  /** LX01 of the 940, echoed so Waybill can match its lines. */
  lx: string;
  uom: string;
}

export interface X12WarehouseOrder {
  id: string;
  /** W0502 of the 940: Waybill's order id. */
  orderNumber: string;
  purchaseOrderNumber: string;
  warehouse: string;
  shipTo?: Party;
  lines: X12Line[];
  packages: WmsPackage[];
  shipment: { id: string; scac: string; carrier: string; trackingNumber: string };
}

/** X12 wants CCYYMMDD and HHMM. */
function stamp(now: Date): { date: string; time: string } {
  const iso = now.toISOString();
  return { date: iso.slice(0, 10).replaceAll("-", ""), time: iso.slice(11, 16).replace(":", "") };
}

/** Text copied from the 940 may hold our delimiters if Waybill used others; the writer would refuse it. */
function clean(value: string): string {
  return value.replace(/[*~>^\r\n]/g, " ");
}

/** N1 with its N3/N4, only the parts the 940 gave. */
function partySegments(party: Party): Segment[] {
  const out: Segment[] = [["N1", party.code, clean(party.name), party.id === "" ? "" : party.idQualifier, clean(party.id)]];
  if (party.addressLines.length > 0) out.push(["N3", ...party.addressLines.slice(0, 2).map(clean)]);
  if (party.city !== "" || party.postalCode !== "") out.push(["N4", clean(party.city), clean(party.state), clean(party.postalCode), clean(party.country)]);
  return out;
}

function packageOf(order: X12WarehouseOrder, line: X12Line): WmsPackage | undefined {
  return order.packages.find((p) => p.lines.some((l) => l.lineNo === line.lineNo));
}

function totalUnits(order: X12WarehouseOrder): number {
  return order.lines.reduce((acc, l) => acc + l.qty, 0);
}

function totalWeight(order: X12WarehouseOrder): string {
  return String(Math.round(order.packages.reduce((acc, p) => acc + p.weightKg, 0) * 1000) / 1000);
}

export function shippingAdvice945(order: X12WarehouseOrder, now: Date): Segment[] {
  const { date } = stamp(now);
  const { shipment } = order;
  const segments: Segment[] = [
    ["W06", "F", clean(order.orderNumber), date, shipment.id, "", clean(order.purchaseOrderNumber)],
    ...(order.shipTo ? partySegments(order.shipTo) : []),
    ["N1", "SF", `EDI3PL ${order.warehouse}`, "ZZ", order.warehouse],
    // W27 has no tracking element in 004010, so the tracking number travels as the carrier's reference.
    ["N9", "CN", shipment.trackingNumber],
    ["G62", "11", date],
    // W2702 is a 2-4 letter SCAC; the carrier's name goes in the routing W2703.
    ["W27", "M", shipment.scac, shipment.carrier, "PP"],
  ];
  for (const line of order.lines) {
    segments.push(["LX", line.lx], ["W12", "CC", String(line.qty), String(line.qty), "0", line.uom, "", "VN", clean(line.sku)]);
    const pkg = packageOf(order, line);
    if (pkg) segments.push(["MAN", "GM", pkg.sscc]);
  }
  segments.push(["W03", String(totalUnits(order)), totalWeight(order), "KG", "", "", String(order.packages.length), "CT"]);
  return segments;
}

/** Standard SOPI structure (BSN05 0001): shipment, order, pack, item. */
export function shipNotice856(order: X12WarehouseOrder, now: Date): Segment[] {
  const { date, time } = stamp(now);
  const { shipment } = order;
  const segments: Segment[] = [
    ["BSN", "00", shipment.id, date, time, "0001"],
    ["HL", "1", "", "S"],
    ["TD5", "B", "2", shipment.scac, "M", shipment.carrier],
    ["REF", "CN", shipment.trackingNumber],
    ["DTM", "011", date],
    ...(order.shipTo ? partySegments(order.shipTo) : []),
    ["N1", "SF", `EDI3PL ${order.warehouse}`, "ZZ", order.warehouse],
    ["HL", "2", "1", "O"],
    ["PRF", clean(order.orderNumber)],
  ];
  let hl = 2;
  for (const pkg of order.packages) {
    const packHl = String(++hl);
    segments.push(["HL", packHl, "2", "P"], ["MAN", "GM", pkg.sscc]);
    for (const packed of pkg.lines) {
      const line = order.lines.find((l) => l.lineNo === packed.lineNo);
      const uom = line?.uom ?? "EA";
      segments.push(["HL", String(++hl), packHl, "I"], ["LIN", line?.lx ?? String(packed.lineNo), "VN", clean(packed.sku)], ["SN1", "", String(packed.qty), uom, "", String(packed.qty), uom]);
    }
  }
  segments.push(["CTT", String(order.lines.length)]);
  return segments;
}
