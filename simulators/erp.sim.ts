import { badRequest } from "./body-checks.ts";
import {
  checkBackorder, checkChangeRefusal, checkCreditNote, checkCsCase, checkInvoice, checkInvoicingHold, checkShipment, checkStatus, type BodyCheck,
} from "./erp-bodies.ts";
import { ErpDriver, type ErpDriverOptions } from "./erp-driver.ts";
import { ErpRecords, type ErpRecord, type ErpRequestKind } from "./erp-records.ts";
import type { ErpOrder, SentKind } from "./erp-requests.ts";
import { actionsOn, emptyScenario, mergeScenario, parseScenarioChange, type ErpScenario, type ErpScenarioChange } from "./erp-scenario.ts";
import { erpStats, type ErpStats } from "./erp-stats.ts";
import { ErpSettlements, type ErpSettlementDay } from "./erp-settlements.ts";
import type { ApiFaultState, FaultRequest } from "./fault-settings.ts";
import { SimServer, type RecordedRequest, type SimReply, type SimRequest } from "./sim-server.ts";

export const ERP_PARTNER_ID = "erp-sim";
export type { ErpStats, ErpExceptionStats, ErpHappyPathStats } from "./erp-stats.ts";
export type { ErpRecord, ErpRequestKind } from "./erp-records.ts";
export type { ErpOrder, SentKind } from "./erp-requests.ts";
export type { ErpOrderScript, ErpRate, ErpScenario, ErpScenarioChange } from "./erp-scenario.ts";

export interface ErpOptions extends ErpDriverOptions {
  /** What the ERP's customers do to orders under way; nothing by default. */
  scenario?: ErpScenarioChange;
}

/** Where an endpoint finds the order a request is about, once its body passed the checks. */
type OrderOf = (req: SimRequest) => string;
const fromPath: OrderOf = (req) => req.params["orderId"] ?? "";
const fromBody: OrderOf = (req) => (req.body as { orderId: string }).orderId;

/**
 * The ERP side: receives what Waybill reports back (milestones, shipments, invoices, and the
 * exception flows' backorders, holds, credit notes, CS cases and change refusals), and, as a
 * scenario says, acts on what it hears: cancels, changes or returns orders through Waybill's API.
 * Counts only created resources, so a test can prove Waybill never double-invoices.
 */
export class ErpSimulator {
  readonly partnerId = ERP_PARTNER_ID;
  private readonly server: SimServer;
  private readonly records = new ErpRecords();
  private readonly settlements = new ErpSettlements();
  private readonly invoicesWhileHeld = new Map<string, number>();
  private readonly driver: ErpDriver;
  private current: ErpScenario;

  constructor(options: ErpOptions = {}) {
    this.driver = new ErpDriver(options);
    this.current = mergeScenario(emptyScenario(), parseScenarioChange(options.scenario ?? {}));
    this.server = new SimServer({
      stats: () => this.stats(),
      routes: [
        { method: "POST", pattern: "/api/orders/:orderId/status", handle: (req) => this.updateStatus(req) },
        { method: "POST", pattern: "/api/shipments", handle: (req) => this.accept(req, "shipment", checkShipment, fromBody, (n) => ({ confirmationId: `SC-${n}` })) },
        { method: "POST", pattern: "/api/invoices", handle: (req) => this.postInvoice(req) },
        { method: "POST", pattern: "/api/orders/:orderId/backorders", handle: (req) => this.accept(req, "backorder", checkBackorder, fromPath, (n) => ({ backorderId: `BO-${n}` })) },
        { method: "POST", pattern: "/api/orders/:orderId/invoicing-holds", handle: (req) => this.accept(req, "invoicing-hold", checkInvoicingHold, fromPath, (n) => ({ holdId: `HOLD-${n}` })) },
        { method: "POST", pattern: "/api/orders/:orderId/invoicing-holds/release", handle: (req) => this.accept(req, "invoicing-release", checkInvoicingHold, fromPath, (n) => ({ releaseId: `REL-${n}` })) },
        { method: "POST", pattern: "/api/credit-notes", handle: (req) => this.accept(req, "credit-note", checkCreditNote, fromBody, (n) => ({ creditNoteId: `CN-${n}` })) },
        { method: "POST", pattern: "/api/cs-cases", handle: (req) => this.accept(req, "cs-case", checkCsCase, fromBody, (n) => ({ csCaseId: `CS-${n}` })) },
        { method: "POST", pattern: "/api/orders/:orderId/change-refusals", handle: (req) => this.accept(req, "change-refusal", checkChangeRefusal, fromPath, (n) => ({ refusalId: `CR-${n}` })) },
        { method: "POST", pattern: "/api/settlement-batches", handle: (req) => this.settlements.post(req.body) },
        { method: "GET", pattern: "/_sim/scenario", handle: () => ({ status: 200, body: this.scenario() }) },
        { method: "POST", pattern: "/_sim/scenario", handle: (req) => this.changeScenario(req.body) },
      ],
    });
  }

  start(port = 0): Promise<{ url: string }> {
    return this.server.start(port);
  }

  async stop(): Promise<void> {
    await Promise.all([this.driver.stop(), this.server.stop()]);
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

  scenario(): ErpScenario {
    return structuredClone(this.current);
  }

  /** Merges a change into the scenario, as `POST /_sim/scenario` does; throws on what it would refuse. */
  setScenario(change: ErpScenarioChange): ErpScenario {
    this.current = mergeScenario(this.current, parseScenarioChange(change));
    return this.scenario();
  }

  /** Where the ERP calls Waybill's governed API (its gateway's base URL), and the ERP's API key for it. */
  setWaybillUrl(url: string, apiKey?: string): void {
    this.driver.setWaybillUrl(url, apiKey);
  }

  /** Tells the ERP of an order it released, so it can change or return it without asking Waybill. */
  rememberOrder(order: ErpOrder): void {
    this.driver.remember(order);
  }

  /** Resolves once every call to Waybill queued so far was taken, refused or given up. */
  idle(): Promise<void> {
    return this.driver.idle();
  }

  stats(): ErpStats {
    // Settlement counts only once a batch was booked, as the exception flows' counts.
    const settlements = this.settlements.stats();
    return { ...erpStats(this.records, this.server, this.driver, this.invoicesWhileHeld), ...(settlements.settlementBatches > 0 ? settlements : {}) };
  }

  /** What the ERP booked from settlement batches for a date (YYYY-MM-DD). */
  settlementFor(date: string): ErpSettlementDay {
    return this.settlements.day(date);
  }

  invoicesFor(orderId: string): number {
    return this.records.countFor(orderId, "invoice");
  }

  shipmentConfirmationsFor(orderId: string): number {
    return this.records.countFor(orderId, "shipment");
  }

  /** The statuses reported for an order, in arrival order. */
  statusesFor(orderId: string): string[] {
    return this.records.of(orderId, "status").map((body) => (body as { status: string }).status);
  }

  /** The kind of each request the ERP accepted for an order, in arrival order. */
  receivedFor(orderId: string): ErpRequestKind[] {
    return this.records.recordsFor(orderId).map((record) => record.kind);
  }

  /** Each request the ERP accepted for an order, with its body, in arrival order. */
  recordsFor(orderId: string): ErpRecord[] {
    return this.records.recordsFor(orderId);
  }

  /** What Waybill accepted from the ERP for an order (cancel, change, return), in order. */
  sentFor(orderId: string): SentKind[] {
    return this.driver.sentFor(orderId);
  }

  private accept(req: SimRequest, kind: ErpRequestKind, check: BodyCheck, orderOf: OrderOf, answer: (n: number) => unknown): SimReply {
    const problem = check(req.body);
    if (problem !== undefined) return badRequest(problem);
    const n = this.records.add(orderOf(req), kind, req.body);
    return { status: 201, body: answer(n) };
  }

  /** Recorded first and answered; what the customer does about it goes to Waybill afterwards. */
  private updateStatus(req: SimRequest): SimReply {
    const reply = this.accept(req, "status", checkStatus, fromPath, () => ({ ok: true }));
    if (reply.status !== 201) return reply;
    const orderId = fromPath(req);
    this.driver.act(orderId, actionsOn(this.current, orderId, (req.body as { status: string }).status));
    return reply;
  }

  /** An order on hold (more holds than releases) is still invoiced (the ERP cannot refuse), but it is noted: Waybill should not have. */
  private postInvoice(req: SimRequest): SimReply {
    const reply = this.accept(req, "invoice", checkInvoice, fromBody, (n) => ({ invoiceId: `INV-${n}` }));
    const orderId = reply.status === 201 ? fromBody(req) : undefined;
    if (orderId !== undefined && this.records.countFor(orderId, "invoicing-hold") > this.records.countFor(orderId, "invoicing-release")) {
      this.invoicesWhileHeld.set(orderId, (this.invoicesWhileHeld.get(orderId) ?? 0) + 1);
    }
    return reply;
  }

  private changeScenario(body: unknown): SimReply {
    try {
      return { status: 200, body: this.setScenario(body as ErpScenarioChange) };
    } catch (err: unknown) {
      return badRequest(err instanceof Error ? err.message : String(err));
    }
  }
}
