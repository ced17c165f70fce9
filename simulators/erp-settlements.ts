import { badRequest, checkEach, checkFields, isRecord } from "./body-checks.ts";
import type { SimReply } from "./sim-server.ts";

interface Line {
  documentType: string;
  documentNumber?: string;
  orderNumber: string;
  currency: string;
  amount: number;
  reference: string;
}

interface Total {
  documentType: string;
  currency: string;
  count: number;
  amount: number;
}

/** What the ERP booked for one settlement date. */
export interface ErpSettlementDay {
  batches: number;
  lines: number;
  /** Distinct line references (Waybill's fact ids): a reference booked twice is a double posting. */
  unique: number;
  duplicates: number;
  totals: Total[];
}

/** Thousandths, as integers: the ERP's books do not drift by a float's last digit. */
const milli = (amount: number) => Math.round(amount * 1_000);

function totalsOf(lines: Line[]): Total[] {
  const sums = new Map<string, Total & { milli: number }>();
  for (const line of lines) {
    const key = `${line.documentType}|${line.currency}`;
    const sum = sums.get(key) ?? { documentType: line.documentType, currency: line.currency, count: 0, amount: 0, milli: 0 };
    sum.count += 1;
    sum.milli += milli(line.amount);
    sums.set(key, sum);
  }
  return [...sums.values()].map(({ milli: m, ...t }) => ({ ...t, amount: m / 1_000 })).sort((a, b) => `${a.documentType}|${a.currency}`.localeCompare(`${b.documentType}|${b.currency}`));
}

/**
 * The ERP's settlement intake (`POST /api/settlement-batches`): a batch of posted documents for a
 * date with its control totals. Like a real general ledger import it refuses a batch whose
 * control totals do not add up (422), books the rest, and answers with what it booked.
 */
export class ErpSettlements {
  private readonly days = new Map<string, { batches: number; lines: Line[] }>();

  post(body: unknown): SimReply {
    const problem =
      checkFields(body, { settlementDate: "string", batchNumber: "number", lines: "array", control: "object" }) ??
      checkEach((body as { lines: unknown }).lines, { documentType: "string", orderNumber: "string", currency: "string", amount: "number", reference: "string" }, "body.lines");
    if (problem !== undefined) return badRequest(problem);
    const { settlementDate, batchNumber, lines, control } = body as { settlementDate: string; batchNumber: number; lines: Line[]; control: unknown };
    const booked = totalsOf(lines);
    if (!isRecord(control) || control.lineCount !== lines.length || !sameTotals(control.totals, booked)) {
      return { status: 422, body: { error: "control totals do not match the lines", lineCount: lines.length, totals: booked } };
    }
    const day = this.days.get(settlementDate) ?? { batches: 0, lines: [] };
    day.batches += 1;
    day.lines.push(...lines.map((l) => ({ ...l })));
    this.days.set(settlementDate, day);
    return { status: 201, body: { batchRef: `STL-${settlementDate}-${batchNumber}`, lineCount: lines.length, totals: booked } };
  }

  day(settlementDate: string): ErpSettlementDay {
    const day = this.days.get(settlementDate) ?? { batches: 0, lines: [] };
    const unique = new Set(day.lines.map((l) => l.reference)).size;
    return { batches: day.batches, lines: day.lines.length, unique, duplicates: day.lines.length - unique, totals: totalsOf(day.lines) };
  }

  stats(): { settlementBatches: number; settlementLines: number } {
    let batches = 0;
    let lines = 0;
    for (const day of this.days.values()) {
      batches += day.batches;
      lines += day.lines.length;
    }
    return { settlementBatches: batches, settlementLines: lines };
  }
}

function sameTotals(given: unknown, booked: Total[]): boolean {
  if (!Array.isArray(given) || given.length !== booked.length) return false;
  return booked.every((b) => given.some((g: Partial<Total>) => g.documentType === b.documentType && g.currency === b.currency && g.count === b.count && typeof g.amount === "number" && milli(g.amount) === milli(b.amount)));
}
