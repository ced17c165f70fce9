import { randomUUID } from "node:crypto";
import { badRequest, checkEach, checkFields } from "./body-checks.ts";
import type { SimReply, SimRequest } from "./sim-server.ts";
import { sign3pl } from "./signatures.ts";
import type { Delivery, WebhookSimOptions } from "./webhook-sender.ts";
import { WebhookSimulator } from "./webhook-simulator.ts";
import { WMS_CARRIER, WMS_EVENT_TYPES, cartonise, trackingNumber, wmsEvent, type FulfillmentOrder, type WmsEventType, type WmsLine } from "./wms-events.ts";

export const WMS_PARTNER_ID = "acme-3pl";

export interface WmsStats {
  fulfillmentOrders: number;
  replays: number;
  webhooksSent: number;
  webhookFailures: number;
  webhooksAbandoned: number;
}

/**
 * A generic JSON 3PL: accepts fulfillment orders and plays each through allocate, pick, pack and
 * manifest, reporting every step as a signed webhook.
 */
export class WmsSimulator extends WebhookSimulator {
  readonly partnerId = WMS_PARTNER_ID;
  private readonly orders = new Map<string, FulfillmentOrder>();
  private readonly countsByOrderRef = new Map<string, number>();
  private orderSeq = 0;
  private shipmentSeq = 0;
  private ssccSeq = 0;

  constructor(private readonly options: WebhookSimOptions) {
    super(options, (self) => {
      const me = self as WmsSimulator;
      return [
        { method: "POST", pattern: "/v1/fulfillment-orders", handle: (req) => me.create(req) },
        { method: "POST", pattern: "/v1/fulfillment-orders/:id/cancel", handle: (req) => me.cancel(req) },
        { method: "GET", pattern: "/v1/fulfillment-orders/:id", handle: (req) => me.show(req) },
      ];
    });
  }

  override stats(): WmsStats {
    return {
      fulfillmentOrders: this.orderSeq,
      replays: this.server.replays,
      webhooksSent: this.sender.stats.sent,
      webhookFailures: this.sender.stats.failures,
      webhooksAbandoned: this.sender.stats.abandoned,
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
    order.status = "cancelled";
    this.sender.cancel(order.id);
    return { status: 200, body: { id: order.id, status: "cancelled" } };
  }

  private show(req: SimRequest): SimReply {
    const order = this.orders.get(req.params["id"] ?? "");
    if (order === undefined) return { status: 404, body: { error: "fulfillment order not found" } };
    return { status: 200, body: order };
  }
}
