import type { Delivery, WebhookSender } from "./webhook-sender.ts";
import type { WmsCounters } from "./wms-counters.ts";
import { allocationShortEvent, exceptionEvent, inventoryAdjustedEvent } from "./wms-exception-events.ts";
import { cartonise, manifestEvent, wmsEvent, type FulfillmentOrder, type WmsShipment } from "./wms-events.ts";
import type { WmsInventory } from "./wms-inventory.ts";
import { allocatedQty, isPlain, pickedQty, shippedLines, splitLines, type WarehouseExceptionCode } from "./wms-plan.ts";
import type { WmsTimers } from "./wms-timers.ts";

type Stage =
  | { kind: "allocation" | "inventory-adjustment" | "pick" | "pack" }
  | { kind: "exception"; code: WarehouseExceptionCode }
  | { kind: "manifest"; part: number };

/** Stages sent as one webhook flow, after a pause (a late pick or manifest) or none. */
interface Segment {
  stages: Stage[];
  pauseMs: number;
}

export interface WmsFlowDeps {
  sender: WebhookSender;
  timers: WmsTimers;
  counters: WmsCounters;
  inventory: WmsInventory;
  sign(event: Record<string, unknown>): Delivery;
  nextSerial(): number;
  nextShipment(): WmsShipment;
  exceptionDelayMs: number;
}

const STOCK_COUNT_REASON = "cycle count: units missing from the pick face";
const seg = (...stages: Stage[]): Segment => ({ stages, pauseMs: 0 });

/**
 * Plays one fulfillment order through the warehouse as its plan says. The happy path is one
 * webhook flow, as before scenarios existed; a plan with exceptions is sent in segments, each
 * queued when the event that decides it is built, so a line change before packing is followed.
 * A segment queued behind a delivery the sender gave up on is still sent.
 */
export class WmsFlow {
  constructor(private readonly deps: WmsFlowDeps) {}

  start(order: FulfillmentOrder): void {
    this.queue(order, this.after(order, undefined));
  }

  /** Drops what the order still had to send, pauses included. */
  stop(order: FulfillmentOrder): void {
    this.deps.sender.cancel(order.id);
    this.deps.timers.cancel(order.id);
  }

  private queue(order: FulfillmentOrder, segment: Segment | undefined): void {
    if (segment === undefined) return;
    const send = (): void => {
      if (order.status === "cancelled") return;
      const last = segment.stages.length - 1;
      this.deps.sender.sequence(order.id, segment.stages.map((stage, i) => () => {
        const delivery = this.deps.sign(this.build(order, stage));
        if (i === last) this.queue(order, this.after(order, stage));
        return delivery;
      }));
    };
    if (segment.pauseMs > 0) this.deps.timers.schedule(order.id, segment.pauseMs, send);
    else send();
  }

  /** What follows `last` (nothing yet: the order was just accepted); undefined ends the flow. */
  private after(order: FulfillmentOrder, last: Stage | undefined): Segment | undefined {
    const { plan, lines } = order;
    const manifests = (): Stage[] => (order.parts ?? [undefined]).map((_, part) => ({ kind: "manifest", part }));
    if (last === undefined) return isPlain(plan) ? seg({ kind: "allocation" }, { kind: "pick" }, { kind: "pack" }, { kind: "manifest", part: 0 }) : seg({ kind: "allocation" });
    switch (last.kind) {
      case "allocation":
        if (!lines.some((l) => allocatedQty(plan, l) > 0)) return undefined;
        if (plan?.inventoryAdjustment) return seg({ kind: "inventory-adjustment" });
        return plan?.warehouseException === "wave-blocked" ? seg({ kind: "exception", code: "wave-blocked" }) : seg({ kind: "pick" });
      case "pick": {
        const pack: Stage[] = shippedLines(plan, lines).length > 0 ? [{ kind: "pack" }] : [];
        if (plan?.warehouseException === "damaged-stock") return seg({ kind: "exception", code: "damaged-stock" }, ...pack);
        return pack.length > 0 ? seg(...pack) : undefined;
      }
      case "pack":
        return plan?.warehouseException === "carrier-no-show" ? seg({ kind: "exception", code: "carrier-no-show" }) : seg(...manifests());
      case "exception":
        if (last.code === "wave-blocked") return { stages: [{ kind: "pick" }], pauseMs: this.deps.exceptionDelayMs };
        return last.code === "carrier-no-show" ? { stages: manifests(), pauseMs: this.deps.exceptionDelayMs } : undefined;
      default:
        // An inventory adjustment holds the order until it is cancelled; a manifest ends it.
        return undefined;
    }
  }

  /** The stage's effect on the order, and the event that reports it. */
  private build(order: FulfillmentOrder, stage: Stage): Record<string, unknown> {
    const { counters } = this.deps;
    switch (stage.kind) {
      case "allocation": {
        order.status = "allocated";
        if (!order.lines.some((l) => allocatedQty(order.plan, l) < l.qty)) return wmsEvent(order, "order.allocated");
        counters.add(order.orderRef, "allocationShort");
        return allocationShortEvent(order);
      }
      case "inventory-adjustment":
        return this.adjustStock(order);
      case "exception":
        counters.add(order.orderRef, "warehouseException");
        return exceptionEvent(order, stage.code);
      case "pick":
        order.status = "picked";
        if (order.lines.some((l) => pickedQty(order.plan, l) < allocatedQty(order.plan, l))) counters.add(order.orderRef, "shortPick");
        return wmsEvent(order, "order.picked");
      case "pack":
        this.pack(order);
        return wmsEvent(order, "order.packed");
      case "manifest": {
        order.status = "manifested";
        const shipment = order.parts?.[stage.part]?.shipment ?? order.shipment;
        shipment.shippedAt = new Date().toISOString();
        return manifestEvent(order, stage.part);
      }
    }
  }

  /** Cartons for what ships; a split puts the second half on a shipment of its own. */
  private pack(order: FulfillmentOrder): void {
    order.status = "packed";
    const shipped = shippedLines(order.plan, order.lines);
    const halves = order.plan?.splitShipment ? splitLines(shipped) : [shipped];
    if (halves.length > 1) this.deps.counters.add(order.orderRef, "splitShipment");
    order.parts = halves.map((lines, i) => ({
      shipment: i === 0 ? order.shipment : this.deps.nextShipment(),
      packages: cartonise(lines, () => this.deps.nextSerial()),
      lines,
    }));
    order.packages = order.parts.flatMap((p) => p.packages);
  }

  /** A count finds the reserved units of the order's first line missing: on-hand drops below what orders need. */
  private adjustStock(order: FulfillmentOrder): Record<string, unknown> {
    const { inventory, counters } = this.deps;
    order.status = "held";
    counters.add(order.orderRef, "inventoryAdjustment");
    const line = order.lines.find((l) => allocatedQty(order.plan, l) > 0) ?? order.lines[0]!;
    const before = inventory.position(line.sku, order.warehouse);
    const delta = -Math.max(1, before.available + allocatedQty(order.plan, line));
    inventory.correct(order.warehouse, line.sku, delta);
    return inventoryAdjustedEvent(inventory.position(line.sku, order.warehouse), delta, STOCK_COUNT_REASON, [order.orderRef]);
  }
}
