import { el, type Segment, type X12Transaction } from "../services/mapper/formats/x12/index.ts";

/** A return Waybill announced with a 943: what the 3PL will receive, and answer with a 944. */
export interface X12Return {
  rma: string;
  orderNumber: string;
  warehouse: string;
  lines: Array<{ lx: string; sku: string; qty: number }>;
}

/** The return a 943 announces (W06 order, N9 RZ the RMA, N9 WH, LX/W04 lines), or undefined for any other set. */
export function readReturn943(tx: X12Transaction): X12Return | undefined {
  if (el(tx.st, 1) !== "943") return undefined;
  const w06 = tx.segments.find((s) => s[0] === "W06");
  const ref = (q: string) => tx.segments.find((s) => s[0] === "N9" && el(s, 1) === q);
  const rma = el(ref("RZ"), 2) || el(w06, 4);
  if (!w06 || rma === "") throw new Error("943 names no order (W0602) or no RMA (N9 RZ)");
  const lines: X12Return["lines"] = [];
  let lx = "";
  for (const s of tx.segments) {
    if (s[0] === "LX") lx = el(s, 1);
    else if (s[0] === "W04") lines.push({ lx: lx || String(lines.length + 1), sku: el(s, 5) || el(s, 3), qty: Number(el(s, 1)) });
  }
  return { rma, orderNumber: el(w06, 2), warehouse: el(ref("WH"), 2), lines };
}

/** The 944 body for a return received in full: W17 C (customer return), the RMA and warehouse in N9, a W07 per line. */
export function receiptAdvice944(ret: X12Return, receiptNumber: string, now: Date): Segment[] {
  const iso = now.toISOString();
  const date = iso.slice(0, 10).replaceAll("-", "");
  const time = iso.slice(11, 16).replace(":", "");
  return [
    ["W17", "C", date, receiptNumber, ret.orderNumber, "", "T", time],
    ["N9", "RZ", ret.rma],
    ...(ret.warehouse ? [["N9", "WH", ret.warehouse]] : []),
    ...ret.lines.flatMap((l): Segment[] => [["LX", l.lx], ["W07", String(l.qty), "EA", "", "VN", l.sku]]),
    ["W14", String(ret.lines.reduce((sum, l) => sum + l.qty, 0))],
  ];
}
