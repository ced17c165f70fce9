import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ERP_COMMANDS, LASTMILE_COMMANDS, WMS_COMMANDS, type Address, type Envelope } from "../../canonical/index.ts";
import { SHIP_TO, at, salesOrder } from "../helpers/fixtures.ts";
import { ALL, DJ1, E, FO1, FO2, L, M, NEW_ADDRESS, ORDER_ID, W, deadLetter } from "../helpers/saga-flow-facts.ts";
import { OrderRun, assertNothingNew, cmds, dataOf, toAllocated, toManifested, toOutForDelivery, toPacked } from "../helpers/saga-flow-run.ts";

describe("order changes", () => {
	test("an address change before packing reaches the WMS, and the delivery job later created carries it", () => {
		const o = new OrderRun();
		toAllocated(o);
		const change = E.updated("CHG-1", { shipTo: NEW_ADDRESS }, 20);
		const r = o.apply(change);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, `change:CHG-1:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, fulfillmentOrderId: FO1, warehouse: "WH1", partnerRef: "wo_1", changeId: "CHG-1", shipTo: NEW_ADDRESS });
		assert.deepEqual(o.saga.order.shipTo, NEW_ADDRESS);
		assert.deepEqual(o.saga.changes["CHG-1"]!.waitingFor, [`change:CHG-1:${FO1}`]);
		assert.equal(o.maybe(change), null);
		assertNothingNew(o.apply(E.updated("CHG-1", { shipTo: NEW_ADDRESS }, 21, "erp:updated:again")), /already handled/);

		assertNothingNew(o.apply(W.updated(FO1, "CHG-1", 25)));
		assert.deepEqual(o.saga.changes["CHG-1"]!.waitingFor, []);
		o.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50));
		const manifested = o.apply(W.manifested(FO1, "shp_1", ALL, 90));
		const job = dataOf(manifested, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB)[0] as { stops: { address: Address }[] };
		assert.deepEqual(job.stops[0]!.address, NEW_ADDRESS);
	});

	test("an address and window change after the job was created, before dispatch, reaches the delivery job", () => {
		const o = new OrderRun();
		toManifested(o);
		const window = { from: at(48 * 60), to: at(48 * 60 + 120) };
		const r = o.apply(E.updated("CHG-2", { shipTo: NEW_ADDRESS, requestedWindow: window }, 100));
		assert.deepEqual(cmds(r), [[LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, `change:CHG-2:${DJ1}`, "onfleet"]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, deliveryJobId: DJ1, partnerRef: "task_1", changeId: "CHG-2", address: NEW_ADDRESS, window });
		assertNothingNew(o.apply(M.jobUpdated(DJ1, "task_1", "CHG-2", 105)));
		assert.deepEqual(o.saga.changes["CHG-2"]!.waitingFor, [], "the platform's answer clears the wait");
	});

	test("an address change on a split order reaches both the warehouse still picking and the delivery job of the shipped part", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 3, 3: 0 }, 10), W.accepted(FO2, 11));
		o.all(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 3)], 90), M.jobAccepted(DJ1, "task_1", 91));
		const r = o.apply(E.updated("CHG-3", { shipTo: NEW_ADDRESS }, 100));
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, `change:CHG-3:${FO2}`, "edi-3pl"], [LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, `change:CHG-3:${DJ1}`, "onfleet"]]);
	});

	test("a lines change after packing is refused to the ERP, with the reason", () => {
		const o = new OrderRun();
		toPacked(o);
		const lines = [{ lineNo: 1, sku: "SKU-A", qty: 1, unitPrice: 12.5 }];
		const r = o.apply(E.updated("CHG-4", { lines }, 60));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-change:CHG-4", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "CHG-4", fields: ["lines"], reason: "lines cannot change: already packed" });
		assert.deepEqual(o.saga.order.lines, salesOrder(ORDER_ID).lines);
		assert.deepEqual(o.saga.changes, {});
	});

	test("an address change when out for delivery is refused to the ERP", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const r = o.apply(E.updated("CHG-5", { shipTo: NEW_ADDRESS }, 320));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-change:CHG-5", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "CHG-5", fields: ["shipTo"], reason: "address and window cannot change: already out for delivery" });
		assert.deepEqual(o.saga.order.shipTo, SHIP_TO);
	});

	test("a partner's refusal (its update dead-lettered) is refused to the ERP and the address restored", () => {
		const o = new OrderRun();
		toAllocated(o);
		const change = o.apply(E.updated("CHG-6", { shipTo: NEW_ADDRESS }, 20));
		const letter = deadLetter(change.commands[0]!, "address outside the delivery area", 22);
		assert.equal((letter.data as { message: Envelope }).message.idempotencykey, `${ORDER_ID}:change:CHG-6:${FO1}:1`);
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-change:CHG-6", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "CHG-6", fields: ["shipTo"], reason: "acme-3pl refused wms.fulfillment-order.update: address outside the delivery area" });
		assert.deepEqual(o.saga.order.shipTo, SHIP_TO);
		assert.equal(o.maybe(letter), null);
		assertNothingNew(o.apply(deadLetter(change.commands[0]!, "address outside the delivery area", 23, "dlq:again")), /late refusal/);
	});
});
