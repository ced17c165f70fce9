import { isRecord } from "./body-checks.ts";
import { chosen, mergeRatesAndScripts, parseRatesAndScripts, pick, type Rates } from "./scenario.ts";
import type { WmsLine } from "./wms-events.ts";
import { WAREHOUSE_EXCEPTION_CODES, allocatedQty, type WarehouseExceptionCode, type WmsPlan } from "./wms-plan.ts";

/** How often each exception happens to the JSON 3PL's orders, each a rate from 0 to 1. */
export const WMS_SCENARIO_NAMES = ["allocationShort", "shortPick", "splitShipment", "inventoryAdjustment", "warehouseException"] as const;
export type WmsScenarioName = (typeof WMS_SCENARIO_NAMES)[number];

/** What happens to one named order; it replaces the rates for that order. */
export interface WmsOrderScript {
  allocationShort?: { lineNo: number; qtyAllocated: number }[];
  shortPick?: { lineNo: number; qtyPicked: number }[];
  splitShipment?: boolean;
  inventoryAdjustment?: boolean;
  warehouseException?: WarehouseExceptionCode;
}

/** `POST /_sim/scenario` body and the `scenario` option: rates, and scripts keyed by order id (orderRef). */
export interface WmsScenario {
  rates?: Rates<WmsScenarioName>;
  orders?: Record<string, WmsOrderScript>;
}

const SCRIPT_KEYS = ["allocationShort", "shortPick", "splitShipment", "inventoryAdjustment", "warehouseException"] as const;

/** Checks a scenario as `POST /_sim/scenario` takes it; throws naming the first problem. */
export function parseWmsScenario(input: unknown): WmsScenario {
  return parseRatesAndScripts(input, WMS_SCENARIO_NAMES, parseScript);
}

/** Rates change one by one; an order's script replaces the one it had. */
export function mergeScenario(current: WmsScenario, change: WmsScenario): WmsScenario {
  return mergeRatesAndScripts(current, change);
}

/** The plan for an order: its script if it has one, else what the rates choose for its id. */
export function planFor(orderId: string, lines: readonly WmsLine[], scenario: WmsScenario): WmsPlan {
  const script = scenario.orders?.[orderId];
  if (script !== undefined) {
    return {
      allocationShort: script.allocationShort ?? [],
      shortPick: script.shortPick ?? [],
      splitShipment: script.splitShipment ?? false,
      inventoryAdjustment: script.inventoryAdjustment ?? false,
      ...(script.warehouseException === undefined ? {} : { warehouseException: script.warehouseException }),
    };
  }
  const rates = scenario.rates ?? {};
  const plan: WmsPlan = { allocationShort: [], shortPick: [], splitShipment: false, inventoryAdjustment: false };
  const shortLine = chosen(orderId, "allocationShort", rates.allocationShort) ? pick(orderId, "allocationShort", lines) : undefined;
  // Half of one line: a single unit is then not reserved at all.
  if (shortLine !== undefined) plan.allocationShort.push({ lineNo: shortLine.lineNo, qtyAllocated: Math.floor(shortLine.qty / 2) });
  const reserved = lines.filter((l) => allocatedQty(plan, l) > 0);
  const pickLine = chosen(orderId, "shortPick", rates.shortPick) ? pick(orderId, "shortPick", reserved) : undefined;
  if (pickLine !== undefined) plan.shortPick.push({ lineNo: pickLine.lineNo, qtyPicked: allocatedQty(plan, pickLine) - 1 });
  plan.splitShipment = chosen(orderId, "splitShipment", rates.splitShipment);
  plan.inventoryAdjustment = chosen(orderId, "inventoryAdjustment", rates.inventoryAdjustment);
  const code = chosen(orderId, "warehouseException", rates.warehouseException) ? pick(orderId, "warehouseException", WAREHOUSE_EXCEPTION_CODES) : undefined;
  if (code !== undefined) plan.warehouseException = code;
  return plan;
}

function parseScript(orderId: string, input: unknown): WmsOrderScript {
  const where = `orders.${orderId}`;
  if (!isRecord(input)) throw new Error(`${where} must be an object`);
  const unknown = Object.keys(input).find((k) => !(SCRIPT_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new Error(`unknown field '${unknown}' in ${where}; known: ${SCRIPT_KEYS.join(", ")}`);
  const script: WmsOrderScript = {};
  if (input["allocationShort"] !== undefined) script.allocationShort = lineQuantities(input["allocationShort"], "qtyAllocated", `${where}.allocationShort`);
  if (input["shortPick"] !== undefined) script.shortPick = lineQuantities(input["shortPick"], "qtyPicked", `${where}.shortPick`);
  for (const flag of ["splitShipment", "inventoryAdjustment"] as const) {
    const value = input[flag];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new Error(`${where}.${flag} must be true or false`);
    script[flag] = value;
  }
  const code = input["warehouseException"];
  if (code !== undefined) {
    if (!WAREHOUSE_EXCEPTION_CODES.some((c) => c === code)) throw new Error(`${where}.warehouseException must be one of ${WAREHOUSE_EXCEPTION_CODES.join(", ")}`);
    script.warehouseException = code as WarehouseExceptionCode;
  }
  return script;
}

function lineQuantities<K extends "qtyAllocated" | "qtyPicked">(input: unknown, field: K, where: string): ({ lineNo: number } & Record<K, number>)[] {
  if (!Array.isArray(input)) throw new Error(`${where} must be an array of { lineNo, ${field} }`);
  return input.map((item: unknown, i) => {
    if (!isRecord(item) || !isCount(item["lineNo"], 1) || !isCount(item[field], 0)) {
      throw new Error(`${where}[${i}] must be { lineNo: integer >= 1, ${field}: integer >= 0 }`);
    }
    return { lineNo: item["lineNo"], [field]: item[field] } as { lineNo: number } & Record<K, number>;
  });
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min;
}
