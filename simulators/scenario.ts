import { createHash } from "node:crypto";
import { isRecord } from "./body-checks.ts";

/**
 * Scenario controls shared by the simulators: how often each exception happens (a rate between
 * 0 and 1) and, for tests, what happens to one named order. The choice for an order is a pure
 * function of the order id and the scenario name, so a rerun of the same orders meets the same
 * exceptions, and a webhook sent twice describes the same outcome.
 */
export type Rates<K extends string> = Partial<Record<K, number>>;

/** True for about `rate` of all orders, always the same ones for the same (orderId, name). */
export function chosen(orderId: string, name: string, rate: number | undefined): boolean {
	if (!rate || rate <= 0) return false;
	if (rate >= 1) return true;
	return unitInterval(`${name}:${orderId}`) < rate;
}

/** Picks one of `options` for an order, stable across calls. */
export function pick<T>(orderId: string, name: string, options: readonly T[]): T | undefined {
	if (options.length === 0) return undefined;
	return options[Math.floor(unitInterval(`pick:${name}:${orderId}`) * options.length)];
}

/** Validates a rate map from `POST /_sim/scenario`; throws naming the first bad entry. */
export function checkRates<K extends string>(input: unknown, names: readonly K[]): Rates<K> {
	if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error("rates must be an object");
	const rates: Rates<K> = {};
	for (const [key, value] of Object.entries(input)) {
		if (!names.includes(key as K)) throw new Error(`unknown rate '${key}'; known: ${names.join(", ")}`);
		if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) throw new Error(`rate '${key}' must be a number from 0 to 1`);
		rates[key as K] = value;
	}
	return rates;
}

/** A scenario as the simulators take it: rates by name, and scripts keyed by order id. */
export interface RatesAndScripts<K extends string, S> {
	rates?: Rates<K>;
	orders?: Record<string, S>;
}

/** Checks `{ rates?, orders? }` from `POST /_sim/scenario`; each order's script is checked by `parseScript`. Throws naming the first problem. */
export function parseRatesAndScripts<K extends string, S>(input: unknown, names: readonly K[], parseScript: (orderId: string, script: unknown) => S): RatesAndScripts<K, S> {
	if (!isRecord(input)) throw new Error("scenario must be a JSON object");
	const unknown = Object.keys(input).find((k) => k !== "rates" && k !== "orders");
	if (unknown !== undefined) throw new Error(`unknown scenario field '${unknown}'; known: rates, orders`);
	const scenario: RatesAndScripts<K, S> = {};
	if (input["rates"] !== undefined) scenario.rates = checkRates(input["rates"], names);
	if (input["orders"] !== undefined) {
		if (!isRecord(input["orders"])) throw new Error("orders must be an object keyed by order id");
		scenario.orders = Object.fromEntries(Object.entries(input["orders"]).map(([orderId, script]) => [orderId, parseScript(orderId, script)]));
	}
	return scenario;
}

/** Rates change one by one; an order's script replaces the one it had. */
export function mergeRatesAndScripts<K extends string, S>(current: RatesAndScripts<K, S>, change: RatesAndScripts<K, S>): { rates: Rates<K>; orders: Record<string, S> } {
	return { rates: { ...current.rates, ...change.rates }, orders: { ...current.orders, ...change.orders } };
}

function unitInterval(text: string): number {
	return createHash("sha256").update(text).digest().readUInt32BE(0) / 0x1_0000_0000;
}
