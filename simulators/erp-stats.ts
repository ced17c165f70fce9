import type { ErpDriver } from "./erp-driver.ts";
import type { ErpRecords } from "./erp-records.ts";

/** What the ERP has counted since it started; every simulator's `GET /_sim/stats` shows the same. */
export interface ErpHappyPathStats {
  statusUpdates: number;
  shipmentConfirmations: number;
  invoices: number;
  replays: number;
  faultsServed: number;
  invoicesByOrder: Record<string, number>;
  shipmentConfirmationsByOrder: Record<string, number>;
}

/** The exception flows: what Waybill asked of the ERP, and what the ERP asked of Waybill. */
export interface ErpExceptionStats {
  backorders: number;
  invoicingHolds: number;
  creditNotes: number;
  csCases: number;
  changeRefusals: number;
  /** Invoices that arrived while their order had an invoicing hold (still accepted). */
  invoicesWhileHeld: number;
  backordersByOrder: Record<string, number>;
  invoicingHoldsByOrder: Record<string, number>;
  creditNotesByOrder: Record<string, number>;
  csCasesByOrder: Record<string, number>;
  changeRefusalsByOrder: Record<string, number>;
  invoicesWhileHeldByOrder: Record<string, number>;
  /** Requests Waybill accepted (2xx) from the ERP. */
  cancellationsSent: number;
  returnsSent: number;
  changesSent: number;
  cancellationsSentByOrder: Record<string, number>;
  returnsSentByOrder: Record<string, number>;
  changesSentByOrder: Record<string, number>;
  /** Attempts at calling Waybill that failed and were retried. */
  waybillCallFailures: number;
  /** Calls Waybill refused with a 4xx. */
  waybillCallsRefused: number;
  /** Calls given up after the last attempt. */
  waybillCallsAbandoned: number;
  /** Orders with calls to Waybill still queued or under way: the demo waits for none. */
  waybillCallsPending: number;
  /** Invoicing holds lifted because the order was delivered after all. */
  invoicingReleases: number;
}

/**
 * The exception counters join the stats with the first exception the ERP sees or causes, so a
 * happy-path run reports exactly what it always did (and consumers that compare stats whole keep working).
 */
export type ErpStats = ErpHappyPathStats & Partial<ErpExceptionStats>;

export function erpStats(records: ErpRecords, server: { replays: number; faultsServed: number }, driver: ErpDriver, invoicesWhileHeld: Map<string, number>): ErpStats {
  const happyPath: ErpHappyPathStats = {
    statusUpdates: records.total("status"),
    shipmentConfirmations: records.total("shipment"),
    invoices: records.total("invoice"),
    replays: server.replays,
    faultsServed: server.faultsServed,
    invoicesByOrder: records.countsByOrder("invoice"),
    shipmentConfirmationsByOrder: records.countsByOrder("shipment"),
  };
  const sent = { cancel: driver.sentByOrder("cancel"), return: driver.sentByOrder("return"), change: driver.sentByOrder("change") };
  const exceptions: ErpExceptionStats = {
    backorders: records.total("backorder"),
    invoicingHolds: records.total("invoicing-hold"),
    creditNotes: records.total("credit-note"),
    csCases: records.total("cs-case"),
    changeRefusals: records.total("change-refusal"),
    invoicesWhileHeld: sum(Object.fromEntries(invoicesWhileHeld)),
    backordersByOrder: records.countsByOrder("backorder"),
    invoicingHoldsByOrder: records.countsByOrder("invoicing-hold"),
    creditNotesByOrder: records.countsByOrder("credit-note"),
    csCasesByOrder: records.countsByOrder("cs-case"),
    changeRefusalsByOrder: records.countsByOrder("change-refusal"),
    invoicesWhileHeldByOrder: Object.fromEntries(invoicesWhileHeld),
    cancellationsSent: sum(sent.cancel),
    returnsSent: sum(sent.return),
    changesSent: sum(sent.change),
    cancellationsSentByOrder: sent.cancel,
    returnsSentByOrder: sent.return,
    changesSentByOrder: sent.change,
    waybillCallFailures: driver.stats.failures,
    waybillCallsRefused: driver.stats.refused,
    waybillCallsAbandoned: driver.stats.abandoned,
    waybillCallsPending: driver.pending(),
    invoicingReleases: records.total("invoicing-release"),
  };
  const anyException = Object.values(exceptions).some((value) => (typeof value === "number" ? value > 0 : Object.keys(value).length > 0));
  return anyException ? { ...happyPath, ...exceptions } : happyPath;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
