import { randomUUID } from "node:crypto";
import { badRequest, checkEach, checkFields } from "./body-checks.ts";
import type { Route, SimReply, SimRequest } from "./sim-server.ts";
import { signed3plHeaders } from "./signatures.ts";
import type { Delivery, WebhookSimOptions } from "./webhook-sender.ts";
import { WebhookSimulator, type WebhookSimulatorStats } from "./webhook-simulator.ts";
import { WmsOrderChanges, reserved } from "./wms-changes.ts";
import { WmsCounters, type WmsOrderCounts } from "./wms-counters.ts";
import { WMS_CARRIER, trackingNumber, type FulfillmentOrder, type WmsLine, type WmsShipment } from "./wms-events.ts";
import { WmsFlow } from "./wms-flow.ts";
import { DEFAULT_WAREHOUSES, WmsInventory } from "./wms-inventory.ts";
import { WmsReturns } from "./wms-returns.ts";
import { mergeScenario, parseWmsScenario, planFor, type WmsScenario } from "./wms-scenario.ts";
import { MasterDataBook, type MasterDataStats } from "./master-data-book.ts";

export { WMS_SCENARIO_NAMES, type WmsOrderScript, type WmsScenario, type WmsScenarioName } from "./wms-scenario.ts";
export { WAREHOUSE_EXCEPTION_CODES, type WarehouseExceptionCode } from "./wms-plan.ts";
export type { WmsOrderCounts } from "./wms-counters.ts";

export const WMS_PARTNER_ID = "acme-3pl";
export const DEFAULT_EXCEPTION_DELAY_MS = 1000;
export const DEFAULT_RETURN_RECEIPT_DELAY_MS = 2000;
/** Route["method"] lacks PATCH; SimServer matches methods as plain strings, so it is served all the same. */
const PATCH = "PATCH" as Route["method"];

export interface WmsOptions extends WebhookSimOptions {
  /** The warehouses whose inventory can be asked for; default WH1 and WH2. */
  warehouses?: readonly string[];
  /** Exceptions to play, as `POST /_sim/scenario` takes them; none by default (every order ships in full). */
  scenario?: WmsScenario;
  /** How late a blocked wave is picked, or a missed collection manifested. */
  exceptionDelayMs?: number;
  /** How long an expected return takes to reach the dock. */
  returnReceiptDelayMs?: number;
}

export interface WmsStats extends WebhookSimulatorStats {
  fulfillmentOrders: number;
  fulfillmentOrdersByOrder: Record<string, number>;
  /** Cancellations, updates, returns and exceptions fired, in total; present once any happened. */
  exceptionFlows?: WmsOrderCounts;
  /** The same per order (orderRef); present once any happened. */
  exceptionFlowsByOrder?: Record<string, WmsOrderCounts>;
  /** The item master the ERP's product data was synchronised into; present once any arrived. */
  itemMaster?: MasterDataStats;
}

/**
 * A generic JSON 3PL: accepts fulfillment orders and plays each through allocate, pick, pack and
 * manifest, reporting every step as a signed webhook, with the exceptions its scenario asks for;
 * takes cancellations, updates and expected returns; answers stock questions per warehouse.
 */
export class WmsSimulator extends WebhookSimulator {
  readonly partnerId = WMS_PARTNER_ID;
  private readonly orders = new Map<string, FulfillmentOrder>();
  /** Waybill may address an order by its own fulfillment order id (our externalRef). */
  private readonly idsByExternalRef = new Map<string, string>();
  private readonly countsByOrderRef = new Map<string, number>();
  private readonly inventory: WmsInventory;
  private readonly counters = new WmsCounters();
  private readonly flow: WmsFlow;
  private readonly changes: WmsOrderChanges;
  private readonly returns: WmsReturns;
  /** The item master: products by SKU, taken in bulk. */
  private readonly items = new MasterDataBook("items", { sku: "string", description: "string" }, (item) => String(item.sku));
  private currentScenario: WmsScenario;
  private orderSeq = 0;
  private shipmentSeq = 0;
  private ssccSeq = 0;

  constructor(private readonly options: WmsOptions) {
    super(options, (self) => {
      const me = self as WmsSimulator;
      return [
        { method: "POST", pattern: "/v1/fulfillment-orders", handle: (req) => me.create(req) },
        { method: "POST", pattern: "/v1/fulfillment-orders/:id/cancel", handle: (req) => me.withOrder(req, (o) => me.changes.cancel(o)) },
        { method: PATCH, pattern: "/v1/fulfillment-orders/:id", handle: (req) => me.withOrder(req, (o) => me.changes.update(o, req.body)) },
        { method: "GET", pattern: "/v1/fulfillment-orders/:id", handle: (req) => me.withOrder(req, (o) => ({ status: 200, body: o })) },
        { method: "POST", pattern: "/v1/returns", handle: (req) => me.returns.expect(req.body) },
        { method: "GET", pattern: "/v1/inventory/:sku", handle: (req) => me.stock(req) },
        { method: "POST", pattern: "/v1/items/batch", handle: (req) => me.items.take(req.body, (accepted, n) => ({ id: `ib_${n}`, accepted })) },
        { method: "GET", pattern: "/_sim/scenario", handle: () => ({ status: 200, body: me.scenario() }) },
        { method: "POST", pattern: "/_sim/scenario", handle: (req) => me.changeScenario(req.body) },
      ];
    });
    this.currentScenario = mergeScenario({}, parseWmsScenario(options.scenario ?? {}));
    this.inventory = new WmsInventory(options.warehouses ?? DEFAULT_WAREHOUSES);
    const shared = { sender: this.sender, timers: this.timers, counters: this.counters, inventory: this.inventory, sign: (event: Record<string, unknown>) => this.sign(event) };
    this.flow = new WmsFlow({
      ...shared,
      nextSerial: () => ++this.ssccSeq,
      nextShipment: () => this.newShipment(),
      exceptionDelayMs: options.exceptionDelayMs ?? DEFAULT_EXCEPTION_DELAY_MS,
    });
    this.changes = new WmsOrderChanges({ flow: this.flow, inventory: this.inventory, counters: this.counters });
    this.returns = new WmsReturns({ ...shared, receiptDelayMs: options.returnReceiptDelayMs ?? DEFAULT_RETURN_RECEIPT_DELAY_MS });
  }

  override stats(): WmsStats {
    return {
      fulfillmentOrders: this.orderSeq,
      ...this.webhookStats(),
      fulfillmentOrdersByOrder: Object.fromEntries(this.countsByOrderRef),
      ...this.counters.stats(),
      ...(this.items.stats().batches > 0 ? { itemMaster: this.items.stats() } : {}),
    };
  }

  /** Whether the item master holds a SKU. */
  hasItem(sku: string): boolean {
    return this.items.has(sku);
  }

  fulfillmentOrdersFor(orderRef: string): number {
    return this.countsByOrderRef.get(orderRef) ?? 0;
  }

  /** Cancellations, updates, returns and exceptions of one order; zeros when nothing happened. */
  countsFor(orderRef: string): WmsOrderCounts {
    return this.counters.for(orderRef);
  }

  scenario(): WmsScenario {
    return structuredClone(this.currentScenario);
  }

  /** Merges a change as `POST /_sim/scenario` does (it applies to orders accepted from now on); throws on what that would refuse. */
  setScenario(change: unknown): WmsScenario {
    this.currentScenario = mergeScenario(this.currentScenario, parseWmsScenario(change));
    return this.scenario();
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
      packages: [],
      shipment: this.newShipment(),
      plan: planFor(body.orderRef, lines, this.currentScenario),
    };
    this.orders.set(order.id, order);
    this.idsByExternalRef.set(order.externalRef, order.id);
    this.countsByOrderRef.set(order.orderRef, this.fulfillmentOrdersFor(order.orderRef) + 1);
    this.inventory.allocate(order.warehouse, reserved(order));
    this.flow.start(order);
    return { status: 201, body: { id: order.id, status: "accepted", externalRef: order.externalRef } };
  }

  /** Finds the order by our id or by Waybill's (externalRef); 404 when neither is known. */
  private withOrder(req: SimRequest, handle: (order: FulfillmentOrder) => SimReply): SimReply {
    const key = req.params["id"] ?? "";
    const order = this.orders.get(key) ?? this.orders.get(this.idsByExternalRef.get(key) ?? "");
    return order === undefined ? { status: 404, body: { error: "fulfillment order not found" } } : handle(order);
  }

  private newShipment(): WmsShipment {
    return { id: `shp_${++this.shipmentSeq}`, carrier: WMS_CARRIER, trackingNumber: trackingNumber() };
  }

  /** Serialised and signed once, so every retry carries the same bytes and ids. */
  private sign(event: Record<string, unknown>): Delivery {
    const body = JSON.stringify(event);
    const id = randomUUID();
    return {
      id,
      body,
      headers: { "content-type": "application/json", "x-3pl-delivery": id, ...signed3plHeaders(body, this.options.secret) },
      signAttempt: () => signed3plHeaders(body, this.options.secret),
    };
  }

  private changeScenario(body: unknown): SimReply {
    try {
      return { status: 200, body: this.setScenario(body ?? {}) };
    } catch (err: unknown) {
      return badRequest(err instanceof Error ? err.message : String(err));
    }
  }

  private stock(req: SimRequest): SimReply {
    const warehouse = req.query["warehouse"];
    if (warehouse === undefined || warehouse === "") return badRequest("query parameter warehouse is required");
    const level = this.inventory.level(req.params["sku"] ?? "", warehouse);
    return level === undefined ? { status: 404, body: { error: `unknown warehouse ${warehouse}` } } : { status: 200, body: level };
  }
}
