import { badRequest, checkEach, checkFields, isRecord } from "./body-checks.ts";
import type { SimReply } from "./sim-server.ts";
import type { WmsCounters } from "./wms-counters.ts";
import type { FulfillmentOrder, WmsLine } from "./wms-events.ts";
import type { WmsFlow } from "./wms-flow.ts";
import type { WmsInventory } from "./wms-inventory.ts";
import { allocatedQty } from "./wms-plan.ts";

interface UpdateBody {
  changeId: string;
  shipTo?: Record<string, unknown>;
  lines?: WmsLine[];
}

/**
 * Waybill's changes to a fulfillment order it sent: cancel while nothing has left, and updates
 * (a new address, new lines) while the warehouse can still honour them. Each takes effect, and is
 * counted, once: a second cancel or the same changeId again changes nothing.
 */
export class WmsOrderChanges {
  private readonly applied = new Map<string, Set<string>>();

  constructor(private readonly deps: { flow: WmsFlow; inventory: WmsInventory; counters: WmsCounters }) {}

  /** Stops the order's remaining webhooks and gives its stock back; a manifested order has left and cannot be. */
  cancel(order: FulfillmentOrder): SimReply {
    if (order.status === "manifested") return { status: 409, body: { error: "already shipped", id: order.id, status: order.status } };
    if (order.status !== "cancelled") {
      this.deps.inventory.release(order.warehouse, reserved(order));
      order.status = "cancelled";
      this.deps.counters.add(order.orderRef, "cancellations");
    }
    this.deps.flow.stop(order);
    return { status: 200, body: { id: order.id, status: "cancelled" } };
  }

  /** A new ship-to any time before the manifest; new lines only until packing starts. */
  update(order: FulfillmentOrder, input: unknown): SimReply {
    const problem = checkUpdate(input);
    if (problem !== undefined) return badRequest(problem);
    const body = input as UpdateBody;
    const lines = body.lines?.map(({ lineNo, sku, qty }) => ({ lineNo, sku, qty }));
    const refused = (error: string): SimReply => ({ status: 409, body: { error, id: order.id, status: order.status } });
    if (order.status === "cancelled") return refused("cancelled");
    if (order.status === "manifested") return refused("already shipped");
    const linesChange = lines !== undefined && JSON.stringify(lines) !== JSON.stringify(order.lines);
    if (linesChange && order.status === "packed") return refused("already packed");

    const seen = this.applied.get(order.id) ?? new Set<string>();
    this.applied.set(order.id, seen);
    if (!seen.has(body.changeId)) {
      seen.add(body.changeId);
      this.deps.counters.add(order.orderRef, "updates");
      if (body.shipTo !== undefined) order.shipTo = body.shipTo;
      if (linesChange) this.replaceLines(order, lines);
    }
    return { status: 200, body: { id: order.id, externalRef: order.externalRef, status: order.status, changeId: body.changeId } };
  }

  /** The warehouse reserves for the new lines instead; steps still to come follow them. */
  private replaceLines(order: FulfillmentOrder, lines: WmsLine[]): void {
    this.deps.inventory.release(order.warehouse, reserved(order));
    order.lines = lines;
    this.deps.inventory.allocate(order.warehouse, reserved(order));
  }
}

/** What the warehouse holds for the order: every line as far as it could be allocated. */
export function reserved(order: FulfillmentOrder): WmsLine[] {
  return order.lines.map((l) => ({ ...l, qty: allocatedQty(order.plan, l) }));
}

function checkUpdate(body: unknown): string | undefined {
  const problem = checkFields(body, { changeId: "string" });
  if (problem !== undefined || !isRecord(body)) return problem;
  if (body["shipTo"] !== undefined && !isRecord(body["shipTo"])) return "body.shipTo must be an object";
  if (body["lines"] !== undefined) return checkEach(body["lines"], { lineNo: "number", sku: "string", qty: "number" }, "body.lines");
  return undefined;
}
