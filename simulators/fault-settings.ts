import { isRecord } from "./body-checks.ts";

/** How the partner API misbehaves; "none" is a healthy partner. */
export const FAULT_MODES = ["none", "error500", "timeout", "rate-limit"] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export const DEFAULT_FAULT_PROBABILITY = 1;
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** Longer than any sane client timeout, so the client's own timeout is what gets exercised. */
export const DEFAULT_HOLD_MS = 30_000;

/** What the API faults look like now, as `GET /_sim/faults` reports them. */
export interface ApiFaultState {
  mode: FaultMode;
  probability: number;
  retryAfterSeconds: number;
  holdMs: number;
  /** Present while a fault clears itself; `expiresAt` says when. */
  durationMs?: number;
  expiresAt?: string;
}

/** How the simulators that send webhooks misbehave when sending them. */
export interface WebhookChaos {
  /** Copies of each delivery sent in total; 1 is a well-behaved partner. */
  duplicateWebhooks: number;
  /** Chance per order that two adjacent events of its flow are sent swapped. */
  outOfOrderProbability: number;
}

/** An API fault to switch to; left out fields take their defaults. */
export interface ApiFaultSettings {
  mode: FaultMode;
  /** The fault clears itself (back to "none") after this long; left out, it lasts until changed. */
  durationMs?: number;
  /** Chance that one request meets the fault. */
  probability?: number;
  retryAfterSeconds?: number;
  holdMs?: number;
}

/**
 * A change to the faults, as `POST /_sim/faults` and `setFaults` take it. The API fault is
 * replaced as a whole when `mode` is given and kept as it is otherwise, so webhook chaos can be
 * tuned without touching a running API fault.
 */
export type FaultRequest = Partial<ApiFaultSettings> & Partial<WebhookChaos>;

const API_FIELDS = ["durationMs", "probability", "retryAfterSeconds", "holdMs"] as const;
const CHAOS_FIELDS = ["duplicateWebhooks", "outOfOrderProbability"] as const;
const KNOWN_FIELDS = new Set<string>(["mode", ...API_FIELDS, ...CHAOS_FIELDS]);

type Check = (value: number) => boolean;
const positive: Check = (v) => v > 0;
const nonNegative: Check = (v) => v >= 0;
const fraction: Check = (v) => v >= 0 && v <= 1;
const count: Check = (v) => Number.isInteger(v) && v >= 1;
const wholeSeconds: Check = (v) => Number.isInteger(v) && v >= 0;

const NUMBER_RULES: Record<(typeof API_FIELDS)[number] | (typeof CHAOS_FIELDS)[number], [Check, string]> = {
  durationMs: [positive, "a number above 0"],
  probability: [fraction, "a number from 0 to 1"],
  retryAfterSeconds: [wholeSeconds, "a whole number of seconds, 0 or more"],
  holdMs: [nonNegative, "a number, 0 or more"],
  duplicateWebhooks: [count, "a whole number, 1 or more"],
  outOfOrderProbability: [fraction, "a number from 0 to 1"],
};

/**
 * Checks a fault change; the message is what a 400 answer says. Unknown fields are refused so a
 * misspelt setting fails loudly instead of leaving the simulator healthy.
 */
export function parseFaultRequest(body: unknown, sendsWebhooks: boolean): FaultRequest | string {
  if (!isRecord(body)) return "body must be a JSON object";
  const unknown = Object.keys(body).find((name) => !KNOWN_FIELDS.has(name));
  if (unknown !== undefined) return `unknown field ${unknown}`;
  if (body["mode"] !== undefined && !FAULT_MODES.some((mode) => mode === body["mode"])) {
    return `mode must be one of ${FAULT_MODES.join(", ")}`;
  }
  for (const name of [...API_FIELDS, ...CHAOS_FIELDS]) {
    const problem = numberProblem(name, body[name]);
    if (problem !== undefined) return problem;
  }
  const apiField = API_FIELDS.find((name) => body[name] !== undefined);
  if (apiField !== undefined && body["mode"] === undefined) return `${apiField} needs a mode`;
  const chaosField = CHAOS_FIELDS.find((name) => body[name] !== undefined);
  if (chaosField !== undefined && !sendsWebhooks) return `${chaosField} applies only to simulators that send webhooks`;
  if (body["mode"] === undefined && chaosField === undefined) {
    return sendsWebhooks ? "nothing to change: give mode, duplicateWebhooks or outOfOrderProbability" : "nothing to change: give mode";
  }
  return body as FaultRequest;
}

/** The same rules for webhook chaos given as constructor options, as a message or undefined. */
export function webhookChaosProblem(chaos: Partial<WebhookChaos>): string | undefined {
  for (const name of CHAOS_FIELDS) {
    const problem = numberProblem(name, chaos[name]);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function numberProblem(name: keyof typeof NUMBER_RULES, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const [check, expected] = NUMBER_RULES[name];
  return typeof value === "number" && Number.isFinite(value) && check(value) ? undefined : `${name} must be ${expected}`;
}
