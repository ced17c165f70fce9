import { randomUUID } from "node:crypto";
import { badRequest, checkEach, checkFields } from "./body-checks.ts";
import type { SimReply, SimRequest } from "./sim-server.ts";
import { sign3pl } from "./signatures.ts";
import type { Delivery, WebhookSimOptions } from "./webhook-sender.ts";
import { WebhookSimulator, type WebhookSimulatorStats } from "./webhook-simulator.ts";
import { WMS_CARRIER, WMS_EVENT_TYPES, cartonise, trackingNumber, wmsEvent, type FulfillmentOrder, type WmsEventType, type WmsLine } from "./wms-events.ts";
import { DEFAULT_WAREHOUSES, WmsInventory } from "./wms-inventory.ts";

export const WMS_PARTNER_ID = "acme-3pl";

export interface WmsOptions extends WebhookSimOptions {
  /** The warehouses whose inventory can be asked for; default WH1 and WH2. */
  warehouses?: readonly string[];
}

export interface WmsStats extends WebhookSimulatorStats {
  fulfillmentOrders: number;
  fulfillmentOrdersByOrder: Record<string, number>;
}

/**
 * A generic JSON 3PL: accepts fulfillment orders and plays each through allocate, pick, pack and
 * manifest, reporting every step as a signed webhook; answers stock questions per warehouse.
 */
export class WmsSimulator extends WebhookSimulator {
  readonly partnerId = WMS_PARTNER_ID;
  private readonly orders = new Map<string, FulfillmentOrder>();
  private readonly countsByOrderRef = new Map<string, number>();
  private readonly inventory: WmsInventory;
  private orderSeq = 0;
  private shipmentSeq = 0;
  private ssccSeq = 0;

  constructor(private readonly options: WmsOptions) {
    super(options, (self) => {
      const me = self as WmsSimulator;
      return [
        { method: "POST", pattern: "/v1/fulfillment-orders", handle: (req) => me.create(req) },
        { method: "POST", pattern: "/v1/fulfillment-orders/:id/cancel", handle: (req) => me.cancel(req) },
        { method: "GET", pattern: "/v1/fulfillment-orders/:id", handle: (req) => me.show(req) },
        { method: "GET", pattern: "/v1/inventory/:sku", handle: (req) => me.stock(req) },
      ];
    });
    this.inventory = new WmsInventory(options.warehouses ?? DEFAULT_WAREHOUSES);
  }

  override stats(): WmsStats {
    return {
      fulfillmentOrders: this.orderSeq,
      ...this.webhookStats(),
      fulfillmentOrdersByOrder: Object.fromEntries(this.countsByOrderRef),
    };
  }

  fulfillmentOrdersFor(orderRef: string): number {
    return this.countsByOrderRef.get(orderRef) ?? 0;
  }

  private create(req: SimRequest): SimReply {
    const problem =
      checkFields(req.body, { externalRef: "string", orderRef: "string", warehouse: "string", shipTo: "object", lines: "array" }) ??
      checkEach((req.body as { lines: unknown }).lines, { lineNo: "number", sku: "string", qty: "number" }, "body.lines");
    if (problem !== undefined) return badRequest(problem);
    const body = req.body as Omit<FulfillmentOrder, "id" | "status" | "packages" | "shipment">;
    const lines: WmsLine[] = body.lines.map(({ lineNo, sku, qty }) => ({ lineNo, sku, qty }));
    this.orderSeq += 1;
    const order: FulfillmentOrder = {
      id: `wo_${this.orderSeq}`,
      externalRef: body.externalRef,
      orderRef: body.orderRef,
      warehouse: body.warehouse,
      shipTo: body.shipTo,
      ...(typeof body.serviceLevel === "string" ? { serviceLevel: body.serviceLevel } : {}),
      lines,
      status: "accepted",
      packages: cartonise(lines, () => ++this.ssccSeq),
      shipment: { id: `shp_${++this.shipmentSeq}`, carrier: WMS_CARRIER, trackingNumber: trackingNumber() },
    };
    this.orders.set(order.id, order);
    this.countsByOrderRef.set(order.orderRef, this.fulfillmentOrdersFor(order.orderRef) + 1);
    this.inventory.allocate(order.warehouse, order.lines);
    this.sender.sequence(order.id, WMS_EVENT_TYPES.map((type) => () => this.step(order, type)));
    return { status: 201, body: { id: order.id, status: "accepted", externalRef: order.externalRef } };
  }

  private step(order: FulfillmentOrder, eventType: WmsEventType): Delivery {
    order.status = eventType === "shipment.manifested" ? "manifested" : (eventType.slice("order.".length) as FulfillmentOrder["status"]);
    if (eventType === "shipment.manifested") order.shipment.shippedAt = new Date().toISOString();
    const body = JSON.stringify(wmsEvent(order, eventType));
    const id = randomUUID();
    return {
      id,
      body,
      headers: { "content-type": "application/json", "x-3pl-delivery": id, "x-3pl-signature": sign3pl(body, this.options.secret) },
    };
  }

  /** Cancelling stops the remaining webhooks; a manifested order has left and cannot be. */
  private cancel(req: SimRequest): SimReply {
    const order = this.orders.get(req.params["id"] ?? "");
    if (order === undefined) return { status: 404, body: { error: "fulfillment order not found" } };
    if (order.status === "manifested") return { status: 409, body: { error: "already shipped", id: order.id, status: order.status } };
    if (order.status !== "cancelled") this.inventory.release(order.warehouse, order.lines);
    order.status = "cancelled";
    this.sender.cancel(order.id);
    return { status: 200, body: { id: order.id, status: "cancelled" } };
  }

  private show(req: SimRequest): SimReply {
    const order = this.orders.get(req.params["id"] ?? "");
    if (order === undefined) return { status: 404, body: { error: "fulfillment order not found" } };
    return { status: 200, body: order };
  }

  private stock(req: SimRequest): SimReply {
    const warehouse = req.query["warehouse"];
    if (warehouse === undefined || warehouse === "") return badRequest("query parameter warehouse is required");
    const level = this.inventory.level(req.params["sku"] ?? "", warehouse);
    return level === undefined ? { status: 404, body: { error: `unknown warehouse ${warehouse}` } } : { status: 200, body: level };
  }
}
