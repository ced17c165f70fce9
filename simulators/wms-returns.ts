import { badRequest, checkEach, checkFields } from "./body-checks.ts";
import type { SimReply } from "./sim-server.ts";
import type { Delivery, WebhookSender } from "./webhook-sender.ts";
import type { WmsCounters } from "./wms-counters.ts";
import { returnReceivedEvent, type WmsReturn } from "./wms-exception-events.ts";
import type { WmsInventory } from "./wms-inventory.ts";

export interface WmsReturnsDeps {
  sender: WebhookSender;
  timers: { schedule(key: string, ms: number, then: () => void): void };
  counters: WmsCounters;
  inventory: WmsInventory;
  sign(event: Record<string, unknown>): Delivery;
  receiptDelayMs: number;
}

/**
 * Returns Waybill announces (`POST /v1/returns`), one per RMA: the parcel arrives at the dock
 * `receiptDelayMs` later, is put back on the shelf and reported as return.received.
 */
export class WmsReturns {
  private readonly byRma = new Map<string, WmsReturn>();
  private seq = 0;

  constructor(private readonly deps: WmsReturnsDeps) {}

  /** Idempotent by RMA: announcing it again answers 200 with the same return. */
  expect(input: unknown): SimReply {
    const problem =
      checkFields(input, { rma: "string", orderRef: "string", warehouse: "string", reason: "string", lines: "array" }) ??
      checkEach((input as { lines: unknown }).lines, { lineNo: "number", sku: "string", qty: "number" }, "body.lines");
    if (problem !== undefined) return badRequest(problem);
    const body = input as Omit<WmsReturn, "id" | "status">;
    const known = this.byRma.get(body.rma);
    if (known !== undefined) return { status: 200, body: summary(known) };

    const ret: WmsReturn = {
      id: `ret_${++this.seq}`,
      rma: body.rma,
      orderRef: body.orderRef,
      warehouse: body.warehouse,
      reason: body.reason,
      lines: body.lines.map(({ lineNo, sku, qty }) => ({ lineNo, sku, qty })),
      status: "expected",
    };
    this.byRma.set(ret.rma, ret);
    this.deps.counters.add(ret.orderRef, "returnsExpected");
    const stream = `return:${ret.rma}`;
    this.deps.timers.schedule(stream, this.deps.receiptDelayMs, () => this.deps.sender.sequence(stream, [() => this.receive(ret)]));
    return { status: 201, body: summary(ret) };
  }

  private receive(ret: WmsReturn): Delivery {
    ret.status = "received";
    this.deps.counters.add(ret.orderRef, "returnsReceived");
    for (const line of ret.lines) this.deps.inventory.correct(ret.warehouse, line.sku, line.qty);
    return this.deps.sign(returnReceivedEvent(ret));
  }
}

function summary(ret: WmsReturn): { id: string; rma: string; status: WmsReturn["status"] } {
  return { id: ret.id, rma: ret.rma, status: ret.status };
}
