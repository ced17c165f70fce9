import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ORDER_STATUS as S, canAdvance, isTerminal, rankOf, type OrderStatus } from "../../canonical/index.ts";

const ALL: OrderStatus[] = Object.values(S);
const MAIN_CHAIN: OrderStatus[] = [S.RELEASED, S.ALLOCATED, S.PICKED, S.PACKED, S.MANIFESTED, S.DISPATCHED, S.OUT_FOR_DELIVERY, S.DELIVERED, S.INVOICED, S.CLOSED];

/** Every edge along a path must be allowed, in order. */
function walk(path: OrderStatus[]): boolean[] {
	return path.slice(1).map((to, i) => canAdvance(path[i], to));
}

describe("the order status lattice", () => {
	test("a new order can only start as released", () => {
		assert.deepEqual(ALL.filter((to) => canAdvance(undefined, to)), ["released"]);
	});

	test("an order enters an exception state only through its explicit edges", () => {
		assert.equal(canAdvance("released", "delivery_failed"), false);
		assert.equal(canAdvance("released", "returned"), false);
		assert.equal(canAdvance("out_for_delivery", "delivery_failed"), true);
		assert.equal(canAdvance("invoiced", "returning"), true);
		assert.equal(canAdvance("returning", "invoiced"), false);
		assert.equal(canAdvance("returning", "returned"), true);
	});

	test("every later status on the main chain is progress from every earlier one", () => {
		for (const [i, earlier] of MAIN_CHAIN.entries()) {
			for (const later of MAIN_CHAIN.slice(i + 1)) assert.equal(canAdvance(earlier, later), true, `${earlier} -> ${later}`);
		}
	});

	test("the main chain never regresses: no earlier status is reachable from a later one", () => {
		for (const [i, earlier] of MAIN_CHAIN.entries()) {
			for (const later of MAIN_CHAIN.slice(i + 1)) assert.equal(canAdvance(later, earlier), false, `${later} -> ${earlier}`);
		}
	});

	test("staying in the same status is not progress, so a duplicate fact changes nothing", () => {
		assert.deepEqual(ALL.filter((s) => canAdvance(s, s)), []);
	});

	test("the ranks of the main chain rise strictly in chain order", () => {
		const ranks = MAIN_CHAIN.map(rankOf);
		assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
		assert.equal(new Set(ranks).size, ranks.length);
	});

	test("closed, cancelled and returned are the terminal statuses, and they accept nothing", () => {
		assert.deepEqual(ALL.filter(isTerminal).sort(), [S.CANCELLED, S.CLOSED, S.RETURNED].sort());
		for (const terminal of [S.CLOSED, S.CANCELLED, S.RETURNED]) {
			assert.deepEqual(ALL.filter((to) => canAdvance(terminal, to)), [], `${terminal} accepted a move`);
		}
	});

	test("cancellation is allowed only before dispatch", () => {
		const cancellableFrom = ALL.filter((from) => canAdvance(from, S.CANCELLED));
		assert.deepEqual(cancellableFrom.sort(), [S.RELEASED, S.SHORT, S.ALLOCATED, S.PICKED, S.PACKED, S.MANIFESTED].sort());
	});

	test("a failed delivery may be re-attempted, and the re-attempt goes out for delivery again", () => {
		assert.deepEqual(walk([S.OUT_FOR_DELIVERY, S.DELIVERY_FAILED, S.REATTEMPT, S.OUT_FOR_DELIVERY, S.DELIVERED, S.INVOICED]), [true, true, true, true, true]);
	});

	test("a re-attempt may be dispatched anew or fail again", () => {
		assert.deepEqual([canAdvance(S.REATTEMPT, S.DISPATCHED), canAdvance(S.REATTEMPT, S.DELIVERY_FAILED)], [true, true]);
	});

	test("a failed delivery may turn into a return to the warehouse, which ends the order", () => {
		assert.deepEqual(walk([S.OUT_FOR_DELIVERY, S.DELIVERY_FAILED, S.RETURNING, S.RETURNED]), [true, true, true]);
		assert.equal(canAdvance(S.RETURNING, S.OUT_FOR_DELIVERY), false);
	});

	test("a failed delivery cannot slip back into the warehouse steps", () => {
		assert.deepEqual([S.RELEASED, S.ALLOCATED, S.PICKED, S.PACKED, S.MANIFESTED, S.DISPATCHED].filter((to) => canAdvance(S.DELIVERY_FAILED, to)), []);
	});

	test("a short allocation may recover to allocated or picked", () => {
		assert.deepEqual([canAdvance(S.RELEASED, S.SHORT), canAdvance(S.SHORT, S.ALLOCATED), canAdvance(S.SHORT, S.PICKED)], [true, true, true]);
	});
});
