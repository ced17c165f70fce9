import { randomUUID } from "node:crypto";
import {
  checkEnvelope, contentProblems, el, functionalAck, parseInterchange, read940, writeInterchange,
  type Segment, type ShippingOrder940, type X12Interchange, type X12Problem,
} from "../services/mapper/formats/x12/index.ts";
import type { SimReply, SimRequest } from "./sim-server.ts";
import { sign3pl } from "./signatures.ts";
import type { Delivery, WebhookSimOptions } from "./webhook-sender.ts";
import { WebhookSimulator, type WebhookSimulatorStats } from "./webhook-simulator.ts";
import { WMS_CARRIER, cartonise, trackingNumber } from "./wms-events.ts";
import { cancels, readCancel940, type Cancel940 } from "./wms-x12-cancel.ts";
import { readReturn943, receiptAdvice944, type X12Return } from "./wms-x12-returns.ts";
import { DEFAULT_RETURN_RECEIPT_DELAY_MS } from "./wms.sim.ts";
import { shipNotice856, shippingAdvice945, type X12Line, type X12WarehouseOrder } from "./x12-documents.ts";

export const WMS_X12_PARTNER_ID = "edi-3pl";
export const X12_CONTENT_TYPE = "application/edi-x12";
/** Our ISA06/GS02, and whom we address when the 940's ISA06 is blank. */
export const WMS_X12_SENDER_ID = "EDI3PL";
const WAYBILL_ID = "WAYBILL";
/** A made-up SCAC for WAYBILL-LASTMILE: W2702 and TD503 take 2-4 letters, not a name. */
const CARRIER_SCAC = "WBLM";
const VERSION = "004010";
/** Far from the JSON WMS's serials, so both running in one demo never print the same SSCC. */
const SSCC_SERIAL_BASE = 500_000_000;

export interface WmsX12Options extends WebhookSimOptions {
  /** The warehouse every order ships from; default WH2. */
  warehouse?: string;
  /** How long a return announced by a 943 takes to reach the dock. */
  returnReceiptDelayMs?: number;
  /**
   * How the 3PL answers an interchange with its 997: in the HTTP response ("sync", the default),
   * or as a signed webhook of its own a moment later ("async", as over a VAN or AS2).
   */
  ackMode?: "sync" | "async";
}

export interface WmsX12Stats extends WebhookSimulatorStats {
  fulfillmentOrders: number;
  fulfillmentOrdersByOrder: Record<string, number>;
  /** Orders whose pending 945 and 856 a cancelling 940 stopped. */
  cancellations: number;
  cancellationsByOrder: Record<string, number>;
  /** 997s Waybill sent us for our 945s and 856s, by the interchange control number they acknowledge (AK1 group). */
  acknowledgementsReceived: number;
  /** Our 997s withheld (never sent) and sent rejecting, as scripted. */
  acksWithheld: number;
  acksRejected: number;
}

/**
 * A 3PL that speaks only X12: takes Waybill's 940s on `POST /edi`, answers each interchange with
 * a 997, and for every accepted 940 sends a 945 and then an 856 as signed webhooks. A 940 with
 * W0501 "F" cancels: the order's documents not yet sent are not sent.
 */
export class WmsX12Simulator extends WebhookSimulator {
  readonly partnerId = WMS_X12_PARTNER_ID;
  private readonly countsByOrder = new Map<string, number>();
  private readonly cancellationsByOrder = new Map<string, number>();
  /** Orders whose 945 is still to come: the ones a cancel can stop. */
  private readonly unshipped = new Map<string, X12WarehouseOrder>();
  private readonly warehouse: string;
  private orderSeq = 0;
  private ssccSeq = SSCC_SERIAL_BASE;
  /** ISA13 of everything we write, 997s included: one counter, as a real translator keeps. */
  private controlNumber = 0;
  private acknowledgementsReceived = 0;
  /** Scripted answers: the next n interchanges get no 997 at all, or one rejecting every set. */
  private withhold = 0;
  private reject = 0;
  private acksWithheld = 0;
  private acksRejected = 0;
  private readonly returnsExpected = new Set<string>();
  private ackMode: "sync" | "async";

  constructor(private readonly options: WmsX12Options) {
    super(options, (self) => {
      const me = self as WmsX12Simulator;
      return [{ method: "POST", pattern: "/edi", rawBody: { contentType: X12_CONTENT_TYPE }, handle: (req) => me.receive(req) }];
    });
    this.warehouse = options.warehouse ?? "WH2";
    this.ackMode = options.ackMode ?? "sync";
  }

  override stats(): WmsX12Stats {
    return {
      fulfillmentOrders: this.orderSeq,
      ...this.webhookStats(),
      fulfillmentOrdersByOrder: Object.fromEntries(this.countsByOrder),
      cancellations: [...this.cancellationsByOrder.values()].reduce((a, b) => a + b, 0),
      cancellationsByOrder: Object.fromEntries(this.cancellationsByOrder),
      acknowledgementsReceived: this.acknowledgementsReceived,
      acksWithheld: this.acksWithheld,
      acksRejected: this.acksRejected,
    };
  }


  /** Switches how 997s are sent from the next interchange on. */
  answerAcks(mode: "sync" | "async"): void {
    this.ackMode = mode;
  }

  /** The next `count` interchanges get no 997 (the partner's translator lost them). */
  withholdAcks(count: number): void {
    this.withhold += count;
  }

  /** The next `count` interchanges are answered with a 997 rejecting every set (and are not acted on). */
  rejectAcks(count: number): void {
    this.reject += count;
  }

  fulfillmentOrdersFor(orderId: string): number {
    return this.countsByOrder.get(orderId) ?? 0;
  }

  private receive(req: SimRequest): SimReply {
    let interchange: X12Interchange;
    try {
      interchange = parseInterchange(typeof req.body === "string" ? req.body : "");
    } catch (err: unknown) {
      return { status: 400, body: { error: `not an X12 interchange: ${err instanceof Error ? err.message : String(err)}` } };
    }
    // Waybill's 997 for what we sent: noted, never acknowledged in turn.
    if (interchange.groups.every((g) => el(g.gs, 1) === "FA")) {
      this.acknowledgementsReceived += interchange.groups.reduce((n, g) => n + g.transactions.length, 0);
      return { status: 200, body: "" };
    }
    const problems = checkEnvelope(interchange);
    if (this.reject > 0) {
      this.reject -= 1;
      this.acksRejected += 1;
      for (const group of interchange.groups) {
        for (const tx of group.transactions) {
          problems.push({ code: "SCRIPTED_REJECTION", message: "rejected as scripted", level: "transaction", controlNumbers: { interchange: el(interchange.isa, 13), group: el(group.gs, 6), transaction: el(tx.st, 2) } });
        }
      }
    }
    // In the order they came: a cancel after its order in one interchange must find it.
    const accepted: ({ cancel: Cancel940 } | { order: ShippingOrder940 } | { expected: X12Return })[] = [];
    for (const group of interchange.groups) {
      for (const tx of group.transactions) {
        const at = { group: el(group.gs, 6), transaction: el(tx.st, 2) };
        try {
          const expected = readReturn943(tx);
          if (expected) {
            if (!problems.some((p) => rejects(p, at))) accepted.push({ expected });
            continue;
          }
          const cancel = readCancel940(tx);
          const document = cancel === undefined ? { order: read940(tx) } : { cancel };
          // A set the 997 rejects for its envelope must not ship, or cancel, either.
          if (!problems.some((p) => rejects(p, at))) accepted.push(document);
        } catch (err: unknown) {
          problems.push(...contentProblems(err, interchange, group, tx));
        }
      }
    }
    const ack = functionalAck(interchange, problems, {
      senderId: WMS_X12_SENDER_ID,
      receiverId: el(interchange.isa, 6) || WAYBILL_ID,
      controlNumber: this.nextControlNumber(),
      now: new Date(),
    });
    for (const document of accepted) {
      if ("cancel" in document) this.cancel(document.cancel);
      else if ("expected" in document) this.expectReturn(document.expected);
      else this.create(document.order);
    }
    return this.answer(ack);
  }

  /** The 997 in the response, as a webhook of its own, or not at all (scripted). */
  private answer(ack: string): SimReply {
    if (this.withhold > 0) {
      this.withhold -= 1;
      this.acksWithheld += 1;
      return { status: this.ackMode === "async" ? 202 : 200, body: "" };
    }
    if (this.ackMode !== "async") return { status: 200, body: ack };
    const id = randomUUID();
    this.sender.sequence(`997-${id}`, [() => ({ id, body: ack, headers: { "content-type": X12_CONTENT_TYPE, "x-edi-delivery": id, "x-edi-signature": sign3pl(ack, this.options.secret) } })]);
    return { status: 202, body: "" };
  }

  /** A return announced by a 943 reaches the dock `returnReceiptDelayMs` later and is reported by a 944; once per RMA. */
  private expectReturn(ret: X12Return): void {
    if (this.returnsExpected.has(ret.rma)) return;
    this.returnsExpected.add(ret.rma);
    const stream = `return:${ret.rma}`;
    this.timers.schedule(stream, this.options.returnReceiptDelayMs ?? DEFAULT_RETURN_RECEIPT_DELAY_MS, () =>
      this.sender.sequence(stream, [() => this.document("944", "RE", (now) => receiptAdvice944(ret, `R-${this.returnsExpected.size}`, now))]),
    );
  }

  /** Too late once the 945 went out: the goods have left, and the 856 follows. */
  private cancel(cancel: Cancel940): void {
    for (const order of [...this.unshipped.values()].filter((o) => cancels(cancel, o))) {
      this.sender.cancel(order.id);
      this.unshipped.delete(order.id);
      this.cancellationsByOrder.set(order.orderNumber, (this.cancellationsByOrder.get(order.orderNumber) ?? 0) + 1);
    }
  }

  private create(shippingOrder: ShippingOrder940): void {
    // A 3PL ships an order number once: a 940 sent again (its 997 was lost) is counted, not shipped twice.
    if (this.countsByOrder.has(shippingOrder.depositorOrderNumber)) {
      this.countsByOrder.set(shippingOrder.depositorOrderNumber, this.fulfillmentOrdersFor(shippingOrder.depositorOrderNumber) + 1);
      return;
    }
    const lines: X12Line[] = shippingOrder.lines.map((l, i) => ({ lineNo: i + 1, lx: l.lx || String(i + 1), sku: skuOf(l), qty: l.orderedQty, uom: l.uom }));
    this.orderSeq += 1;
    const shipTo = shippingOrder.parties.find((p) => p.code === "ST");
    const order: X12WarehouseOrder = {
      id: `wo_${this.orderSeq}`,
      orderNumber: shippingOrder.depositorOrderNumber,
      purchaseOrderNumber: shippingOrder.purchaseOrderNumber,
      warehouse: this.warehouse,
      ...(shipTo ? { shipTo } : {}),
      lines,
      packages: cartonise(lines, () => ++this.ssccSeq),
      shipment: { id: `SHP${String(this.orderSeq).padStart(6, "0")}`, scac: CARRIER_SCAC, carrier: WMS_CARRIER, trackingNumber: trackingNumber() },
    };
    this.countsByOrder.set(order.orderNumber, this.fulfillmentOrdersFor(order.orderNumber) + 1);
    this.unshipped.set(order.id, order);
    this.sender.sequence(order.id, [
      () => {
        this.unshipped.delete(order.id);
        return this.document("945", "SW", (now) => shippingAdvice945(order, now));
      },
      () => this.document("856", "SH", (now) => shipNotice856(order, now)),
    ]);
  }

  /** Built when its turn comes, so dates are those of sending; signed once so retries carry the same bytes. */
  private document(code: string, functionalId: string, body: (now: Date) => Segment[]): Delivery {
    const now = new Date();
    const text = writeInterchange({
      senderId: WMS_X12_SENDER_ID,
      receiverId: WAYBILL_ID,
      controlNumber: this.nextControlNumber(),
      functionalId,
      version: VERSION,
      transactions: [{ code, segments: body(now) }],
      now,
    });
    const id = randomUUID();
    return { id, body: text, headers: { "content-type": X12_CONTENT_TYPE, "x-edi-delivery": id, "x-edi-signature": sign3pl(text, this.options.secret) } };
  }

  private nextControlNumber(): number {
    this.controlNumber = (this.controlNumber % 999_999_999) + 1;
    return this.controlNumber;
  }
}

/** Whether the 997 rejects this transaction set, or the group it came in. */
function rejects(problem: X12Problem, at: { group: string; transaction: string }): boolean {
  if (problem.controlNumbers.group !== at.group) return false;
  return problem.level === "group" || (problem.level === "transaction" && problem.controlNumbers.transaction === at.transaction);
}

/** Waybill names items by vendor item number (VN); a 940 from elsewhere may only give another id or the UPC. */
function skuOf(line: ShippingOrder940["lines"][number]): string {
  return line.productIds.find((p) => p.qualifier === "VN")?.value ?? line.productIds[0]?.value ?? line.upc;
}
