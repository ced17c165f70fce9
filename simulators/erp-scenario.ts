import { isRecord } from "./body-checks.ts";
import { chosen, mergeRatesAndScripts, parseRatesAndScripts, type Rates } from "./scenario.ts";

/** What ERP customers do to orders under way; each fires on one status Waybill reports. */
export const ERP_RATES = ["cancelBeforeDispatch", "cancelAfterDispatch", "returnAfterDelivery", "addressChange", "lateLineChange"] as const;
export type ErpRate = (typeof ERP_RATES)[number];

/** The statuses Waybill reports to the ERP (its unified order status); a script may name any of them. */
export const ERP_STATUSES = [
  "released", "allocated", "picked", "packed", "manifested", "dispatched", "out_for_delivery", "delivered", "invoiced", "closed",
  "short", "delivery_failed", "reattempt", "returning", "returned", "cancelled",
] as const;

/** One order's script: what its customer does, on which status; it replaces the rates for that order. */
export interface ErpOrderScript {
  cancelOn?: string;
  returnOn?: string;
  /** `changes` is the PATCH body as sent: shipTo, requestedWindow and/or lines. */
  change?: { on: string; changes: Record<string, unknown> };
}

export interface ErpScenario {
  rates: Rates<ErpRate>;
  orders: Record<string, ErpOrderScript>;
}

/** A change to the scenario, as `setScenario` and the constructor option take it; merged into the current one. */
export interface ErpScenarioChange {
  rates?: Rates<ErpRate>;
  orders?: Record<string, ErpOrderScript>;
}

/** A change the ERP asks for: given as is (a script), or derived from the order the ERP released. */
export type ChangeSpec = { given: Record<string, unknown> } | { derive: "shipTo" | "lines" };

/** What the ERP does about one status update; carried out by the driver. */
export type ErpAction =
  | { kind: "cancel"; reason: string }
  | { kind: "return"; reason: string }
  | { kind: "change"; on: string; changes: ChangeSpec };

const REASONS = {
  cancelEarly: "customer cancelled before dispatch",
  cancelLate: "customer cancelled after dispatch",
  cancel: "customer cancelled",
  return: "customer returned the goods",
};

const RATE_TRIGGERS: Record<ErpRate, { on: string; action: ErpAction }> = {
  cancelBeforeDispatch: { on: "allocated", action: { kind: "cancel", reason: REASONS.cancelEarly } },
  cancelAfterDispatch: { on: "out_for_delivery", action: { kind: "cancel", reason: REASONS.cancelLate } },
  returnAfterDelivery: { on: "invoiced", action: { kind: "return", reason: REASONS.return } },
  addressChange: { on: "released", action: { kind: "change", on: "released", changes: { derive: "shipTo" } } },
  lateLineChange: { on: "packed", action: { kind: "change", on: "packed", changes: { derive: "lines" } } },
};

export function emptyScenario(): ErpScenario {
  return { rates: {}, orders: {} };
}

/** The actions an order's status update calls for: its script if it has one, else the rates. */
export function actionsOn(scenario: ErpScenario, orderId: string, status: string): ErpAction[] {
  const script = Object.hasOwn(scenario.orders, orderId) ? scenario.orders[orderId] : undefined;
  if (script !== undefined) return scripted(script, status);
  return ERP_RATES.filter((rate) => RATE_TRIGGERS[rate].on === status && chosen(orderId, rate, scenario.rates[rate])).map((rate) => RATE_TRIGGERS[rate].action);
}

function scripted(script: ErpOrderScript, status: string): ErpAction[] {
  const actions: ErpAction[] = [];
  if (script.change?.on === status) actions.push({ kind: "change", on: status, changes: { given: script.change.changes } });
  if (script.cancelOn === status) actions.push({ kind: "cancel", reason: REASONS.cancel });
  if (script.returnOn === status) actions.push({ kind: "return", reason: REASONS.return });
  return actions;
}

export function mergeScenario(current: ErpScenario, change: ErpScenarioChange): ErpScenario {
  return mergeRatesAndScripts(current, change);
}

/** Validates a scenario change from `POST /_sim/scenario` or the constructor; throws naming the first problem. */
export function parseScenarioChange(input: unknown): ErpScenarioChange {
  return parseRatesAndScripts(input, ERP_RATES, parseScript);
}

function parseScript(orderId: string, input: unknown): ErpOrderScript {
  const where = `orders.${orderId}`;
  if (!isRecord(input)) throw new Error(`${where} must be an object`);
  const unknown = Object.keys(input).find((key) => !["cancelOn", "returnOn", "change"].includes(key));
  if (unknown !== undefined) throw new Error(`unknown field '${where}.${unknown}'; known: cancelOn, returnOn, change`);
  const script: ErpOrderScript = {};
  if (input["cancelOn"] !== undefined) script.cancelOn = status(input["cancelOn"], `${where}.cancelOn`);
  if (input["returnOn"] !== undefined) script.returnOn = status(input["returnOn"], `${where}.returnOn`);
  const change = input["change"];
  if (change !== undefined) {
    if (!isRecord(change)) throw new Error(`${where}.change must be an object { on, changes }`);
    const changes = change["changes"];
    if (!isRecord(changes) || Object.keys(changes).length === 0) throw new Error(`${where}.change.changes must be a non-empty object`);
    script.change = { on: status(change["on"], `${where}.change.on`), changes };
  }
  return script;
}

function status(value: unknown, where: string): string {
  if (typeof value !== "string" || !(ERP_STATUSES as readonly string[]).includes(value)) throw new Error(`${where} must be one of ${ERP_STATUSES.join(", ")}`);
  return value;
}
