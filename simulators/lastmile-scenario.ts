import { isRecord } from "./body-checks.ts";
import { checkRates, chosen, pick, type Rates } from "./scenario.ts";

/** The exceptions the last-mile simulator plays: the first attempt fails, and a re-attempt fails too. */
export const LASTMILE_RATES = ["failedDelivery", "failedAgain"] as const;
export type LastMileRate = (typeof LASTMILE_RATES)[number];

/**
 * Failure codes for `completionDetails.failureReason`. Onfleet documents "NONE" for a success; the
 * failure codes it uses are not published in a form we could check, so these three stand in.
 */
export const ONFLEET_FAILURE_REASONS = ["NOBODY", "INCORRECT_ADDRESS", "REFUSED"] as const;
/** Without a scenario every failure is a missed delivery, as before scenarios existed. */
export const DEFAULT_FAILURE_REASONS: readonly string[] = ["NOBODY"];
/** A script asks for a number of failed attempts; beyond this it is a typo, not a test. */
const MAX_SCRIPTED_FAILURES = 100;
const REASON_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** What happens to one named order, overriding the rates. */
export interface LastMileOrderScript {
  /** Delivery attempts that fail before one succeeds; 0 delivers at the first attempt. */
  failAttempts?: number;
  failureReason?: string;
}

/** As `POST /_sim/scenario` and the `scenario` option take it; each part is merged into the current one. */
export interface LastMileScenario {
  rates?: Rates<LastMileRate>;
  /** The codes a failing attempt draws from, stably per order and attempt. */
  failureReasons?: string[];
  orders?: Record<string, LastMileOrderScript>;
}

export type AttemptOutcome = { success: true } | { success: false; reason: string };

/** The scenario a last-mile simulator plays, and what it decides for each delivery attempt. */
export class LastMileScenarioControl {
  private rates: Rates<LastMileRate> = {};
  private failureReasons: string[] = [...DEFAULT_FAILURE_REASONS];
  private readonly orders = new Map<string, LastMileOrderScript>();

  /** `failAll` is the older `failDeliveries` option: every attempt fails unless a script says otherwise. */
  constructor(initial: unknown, private readonly failAll: boolean) {
    if (initial !== undefined) this.set(initial);
  }

  get(): Required<LastMileScenario> {
    return structuredClone({ rates: this.rates, failureReasons: this.failureReasons, orders: Object.fromEntries(this.orders) });
  }

  /** Merges a change in; throws naming the first invalid part, and then changes nothing. */
  set(input: unknown): Required<LastMileScenario> {
    const change = parseScenario(input);
    this.rates = { ...this.rates, ...change.rates };
    if (change.failureReasons !== undefined) this.failureReasons = change.failureReasons;
    for (const [orderId, script] of Object.entries(change.orders ?? {})) this.orders.set(orderId, { ...this.orders.get(orderId), ...script });
    return this.get();
  }

  /** The outcome of the order's delivery attempt number `attempt` (from 1). */
  outcome(orderId: string, attempt: number): AttemptOutcome {
    if (attempt > this.failuresFor(orderId)) return { success: true };
    const reason = this.orders.get(orderId)?.failureReason ?? pick(orderId, `failureReason:${attempt}`, this.failureReasons) ?? "NOBODY";
    return { success: false, reason };
  }

  private failuresFor(orderId: string): number {
    const scripted = this.orders.get(orderId)?.failAttempts;
    if (scripted !== undefined) return scripted;
    if (this.failAll) return Number.POSITIVE_INFINITY;
    if (!chosen(orderId, "failedDelivery", this.rates.failedDelivery)) return 0;
    return chosen(orderId, "failedAgain", this.rates.failedAgain) ? 2 : 1;
  }
}

/** Checks a scenario body; throws naming the first problem. */
export function parseScenario(input: unknown): LastMileScenario {
  if (!isRecord(input)) throw new Error("scenario must be a JSON object");
  const known = ["rates", "failureReasons", "orders"];
  const unknown = Object.keys(input).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new Error(`unknown scenario field '${unknown}'; known: ${known.join(", ")}`);
  const scenario: LastMileScenario = {};
  if (input["rates"] !== undefined) scenario.rates = checkRates(input["rates"], LASTMILE_RATES);
  if (input["failureReasons"] !== undefined) scenario.failureReasons = checkReasons(input["failureReasons"]);
  if (input["orders"] !== undefined) scenario.orders = checkOrders(input["orders"]);
  return scenario;
}

function checkReasons(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error("failureReasons must be a non-empty array");
  value.forEach((code, i) => checkReason(code, `failureReasons[${i}]`));
  return [...(value as string[])];
}

function checkReason(code: unknown, where: string): void {
  if (typeof code !== "string" || !REASON_CODE.test(code)) throw new Error(`${where} must be an upper-case failure code such as NOBODY`);
  if (code === "NONE") throw new Error(`${where} cannot be NONE: Onfleet reports NONE for a success`);
}

function checkOrders(value: unknown): Record<string, LastMileOrderScript> {
  if (!isRecord(value)) throw new Error("orders must be an object keyed by order id");
  const orders: [string, LastMileOrderScript][] = [];
  for (const [orderId, script] of Object.entries(value)) {
    const where = `orders.${orderId}`;
    if (orderId === "") throw new Error("orders cannot have an empty order id");
    if (!isRecord(script)) throw new Error(`${where} must be an object`);
    const unknown = Object.keys(script).find((key) => key !== "failAttempts" && key !== "failureReason");
    if (unknown !== undefined) throw new Error(`unknown field '${unknown}' in ${where}; known: failAttempts, failureReason`);
    const { failAttempts, failureReason } = script;
    if (failAttempts !== undefined && (!Number.isInteger(failAttempts) || (failAttempts as number) < 0 || (failAttempts as number) > MAX_SCRIPTED_FAILURES)) {
      throw new Error(`${where}.failAttempts must be an integer from 0 to ${MAX_SCRIPTED_FAILURES}`);
    }
    if (failureReason !== undefined) checkReason(failureReason, `${where}.failureReason`);
    orders.push([orderId, { ...(failAttempts === undefined ? {} : { failAttempts: failAttempts as number }), ...(failureReason === undefined ? {} : { failureReason: failureReason as string }) }]);
  }
  // fromEntries defines own properties, so an order id like "__proto__" stays an order id.
  return Object.fromEntries(orders);
}
