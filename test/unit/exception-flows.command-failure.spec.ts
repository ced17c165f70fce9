import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ORDER_STATUS as S } from "../../canonical/index.ts";
import { E, FO1, deadLetter } from "../helpers/saga-flow-facts.ts";
import { OrderRun, cmds, opened, stateOf, statusCmd } from "../helpers/saga-flow-run.ts";

describe("command failures", () => {
	test("a forward command dead-lettered marks its step failed and opens a dead-letter case for integration operations", () => {
		const o = new OrderRun();
		const create = o.started.commands[0]!;
		const letter = deadLetter(create, "unknown warehouse code", 5);
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), []);
		const summary = `fulfillment:${FO1}: acme-3pl refused wms.fulfillment-order.create: unknown warehouse code. Correct and replay it from /ops/dead-letters.`;
		assert.deepEqual(r.cases, [opened("dead-letter", letter, { owner: "integration-ops", severity: "warning", partner: "acme-3pl", summary })]);
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "failed");
		assert.deepEqual(cmds(o.apply(E.cancelled("customer", 10))), [statusCmd(S.CANCELLED)], "a step that never happened is not undone");
	});
});
