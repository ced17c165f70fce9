import { badRequest, checkEach, checkFields } from "./body-checks.ts";
import type { ApiFaultState, FaultRequest } from "./fault-settings.ts";
import { SimServer, type RecordedRequest, type SimReply, type SimRequest } from "./sim-server.ts";

export const ERP_PARTNER_ID = "erp-sim";

export interface ErpStats {
  statusUpdates: number;
  shipmentConfirmations: number;
  invoices: number;
  replays: number;
  faultsServed: number;
  invoicesByOrder: Record<string, number>;
  shipmentConfirmationsByOrder: Record<string, number>;
}

interface StatusUpdate {
  status: string;
  at: string;
  detail?: string;
}

/**
 * The ERP side: receives what Waybill reports back (milestones, shipment confirmations,
 * invoices). Counts only created resources, so a test can prove Waybill never double-invoices.
 */
export class ErpSimulator {
  readonly partnerId = ERP_PARTNER_ID;
  private readonly server: SimServer;
  private readonly statuses = new Map<string, StatusUpdate[]>();
  private readonly invoiceCounts = new Map<string, number>();
  private readonly shipmentCounts = new Map<string, number>();
  private shipmentCount = 0;
  private invoiceCount = 0;
  private statusCount = 0;

  constructor() {
    this.server = new SimServer({
      stats: () => this.stats(),
      routes: [
        { method: "POST", pattern: "/api/orders/:orderId/status", handle: (req) => this.updateStatus(req) },
        { method: "POST", pattern: "/api/shipments", handle: (req) => this.confirmShipment(req) },
        { method: "POST", pattern: "/api/invoices", handle: (req) => this.postInvoice(req) },
      ],
    });
  }

  start(port = 0): Promise<{ url: string }> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  received(): RecordedRequest[] {
    return this.server.received();
  }

  reset(): void {
    this.server.reset();
  }

  faults(): ApiFaultState {
    return this.server.faults();
  }

  /** API faults, as `POST /_sim/faults` takes them; throws on what it would refuse. */
  setFaults(change: FaultRequest): ApiFaultState {
    return this.server.setFaults(change);
  }

  stats(): ErpStats {
    return {
      statusUpdates: this.statusCount,
      shipmentConfirmations: this.shipmentCount,
      invoices: this.invoiceCount,
      replays: this.server.replays,
      faultsServed: this.server.faultsServed,
      invoicesByOrder: Object.fromEntries(this.invoiceCounts),
      shipmentConfirmationsByOrder: Object.fromEntries(this.shipmentCounts),
    };
  }

  invoicesFor(orderId: string): number {
    return this.invoiceCounts.get(orderId) ?? 0;
  }

  shipmentConfirmationsFor(orderId: string): number {
    return this.shipmentCounts.get(orderId) ?? 0;
  }

  /** The statuses reported for an order, in arrival order. */
  statusesFor(orderId: string): string[] {
    return (this.statuses.get(orderId) ?? []).map((update) => update.status);
  }

  private updateStatus(req: SimRequest): SimReply {
    const problem = checkFields(req.body, { status: "string", at: "string" });
    if (problem !== undefined) return badRequest(problem);
    const { status, at, detail } = req.body as StatusUpdate;
    const orderId = req.params["orderId"] ?? "";
    const list = this.statuses.get(orderId) ?? [];
    list.push(detail === undefined ? { status, at } : { status, at, detail });
    this.statuses.set(orderId, list);
    this.statusCount += 1;
    return { status: 201, body: { ok: true } };
  }

  private confirmShipment(req: SimRequest): SimReply {
    const problem =
      checkFields(req.body, { orderId: "string", shipmentId: "string", shippedAt: "string", lines: "array" }) ??
      checkEach((req.body as { lines: unknown }).lines, { lineNo: "number", sku: "string", qtyShipped: "number" }, "body.lines");
    if (problem !== undefined) return badRequest(problem);
    const orderId = (req.body as { orderId: string }).orderId;
    this.shipmentCount += 1;
    this.shipmentCounts.set(orderId, this.shipmentConfirmationsFor(orderId) + 1);
    return { status: 201, body: { confirmationId: `SC-${this.shipmentCount}` } };
  }

  private postInvoice(req: SimRequest): SimReply {
    const problem =
      checkFields(req.body, { orderId: "string", currency: "string", lines: "array", total: "number" }) ??
      checkEach((req.body as { lines: unknown }).lines, { lineNo: "number", sku: "string", qty: "number", unitPrice: "number" }, "body.lines");
    if (problem !== undefined) return badRequest(problem);
    const orderId = (req.body as { orderId: string }).orderId;
    this.invoiceCount += 1;
    this.invoiceCounts.set(orderId, this.invoicesFor(orderId) + 1);
    return { status: 201, body: { invoiceId: `INV-${this.invoiceCount}` } };
  }
}
