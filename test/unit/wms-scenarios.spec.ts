import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WmsSimulator, type WmsOptions, type WmsScenario } from "../../simulators/wms.sim.ts";
import { planFor } from "../../simulators/wms-scenario.ts";
import { simulatorScope, type Hit } from "../helpers/sim-scope.ts";

const { startReceiver, started } = simulatorScope();

const SECRET = "wms-scenario-secret";
const STEP_MS = 5;
const LINES = [
  { lineNo: 1, sku: "SKU-1", qty: 2 },
  { lineNo: 2, sku: "SKU-2", qty: 3 },
  { lineNo: 3, sku: "SKU-3", qty: 4 },
];
const ZERO = {
  cancellations: 0, updates: 0, returnsExpected: 0, returnsReceived: 0,
  allocationShort: 0, shortPick: 0, splitShipment: 0, inventoryAdjustment: 0, warehouseException: 0,
};

async function call(url: string, method: string, body?: unknown, key?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A simulator that reports to a fresh receiver, with the scenario and delays a test asks for. */
async function wms(options: Partial<WmsOptions> = {}): Promise<{ sim: WmsSimulator; url: string; hits: Hit[] }> {
  const receiver = await startReceiver();
  const { sim, url } = await started(new WmsSimulator({ callbackUrl: receiver.url, secret: SECRET, stepDelayMs: STEP_MS, ...options }));
  return { sim, url, hits: receiver.hits };
}

async function place(url: string, orderRef: string, lines = LINES): Promise<string> {
  const body = { externalRef: `FO-${orderRef}`, orderRef, warehouse: "WH1", shipTo: { name: "Ann", city: "Amsterdam" }, lines };
  const created = await call(`${url}/v1/fulfillment-orders`, "POST", body, `fo-${orderRef}`);
  assert.equal(created.status, 201);
  return created.body.id as string;
}

/** Every webhook carries a fresh delivery id and the 3PL's HMAC of its timestamp and exact bytes. */
function assertSigned(hits: Hit[]): void {
  for (const hit of hits) {
    assert.equal(hit.headers["x-3pl-signature"], `sha256=${createHmac("sha256", SECRET).update(`${hit.headers["x-3pl-timestamp"]}.${hit.raw}`).digest("hex")}`);
    assert.match(String(hit.headers["x-3pl-delivery"]), /^[0-9a-f-]{36}$/);
    assert.match(hit.body.eventId, /^evt_[0-9a-f]{32}$/);
  }
  assert.equal(new Set(hits.map((h) => h.body.eventId)).size, hits.length);
}

const types = (hits: Hit[]): string[] => hits.map((h) => h.body.eventType);
const bodyOf = (hits: Hit[], eventType: string, nth = 0): any => hits.filter((h) => h.body.eventType === eventType)[nth]?.body;
const header = (id: string, orderRef: string) => ({ id, externalRef: `FO-${orderRef}`, orderRef, warehouse: "WH1" });
const stock = async (url: string, sku: string): Promise<any> => (await call(`${url}/v1/inventory/${sku}?warehouse=WH1`, "GET")).body;

describe("WMS scenario controls", () => {
  test("GET /_sim/scenario starts empty, and POST merges rates one by one and replaces an order's script", async () => {
    const { url } = await wms();
    assert.deepEqual(await call(`${url}/_sim/scenario`, "GET"), { status: 200, body: { rates: {}, orders: {} } });
    await call(`${url}/_sim/scenario`, "POST", { rates: { shortPick: 0.25 }, orders: { "SO-1": { splitShipment: true } } });
    const merged = await call(`${url}/_sim/scenario`, "POST", { rates: { splitShipment: 1 }, orders: { "SO-1": { warehouseException: "wave-blocked" } } });
    const expected = { rates: { shortPick: 0.25, splitShipment: 1 }, orders: { "SO-1": { warehouseException: "wave-blocked" } } };
    assert.deepEqual(merged, { status: 200, body: expected });
    assert.deepEqual((await call(`${url}/_sim/scenario`, "GET")).body, expected);
  });

  test("an invalid scenario is refused with 400 naming the problem, and changes nothing", async () => {
    const { sim, url } = await wms({ scenario: { rates: { shortPick: 0.5 } } });
    const refused: [unknown, RegExp][] = [
      [{ rates: { lateTruck: 1 } }, /unknown rate 'lateTruck'/],
      [{ rates: { shortPick: 1.5 } }, /rate 'shortPick' must be a number from 0 to 1/],
      [{ orders: { "SO-1": { warehouseException: "fire" } } }, /warehouseException must be one of damaged-stock, carrier-no-show, wave-blocked/],
      [{ orders: { "SO-1": { allocationShort: [{ lineNo: 0, qtyAllocated: 1 }] } } }, /allocationShort\[0\] must be/],
      [{ orders: { "SO-1": { shortPick: { lineNo: 1 } } } }, /shortPick must be an array/],
      [{ orders: { "SO-1": { splitShipment: "yes" } } }, /splitShipment must be true or false/],
      [{ orders: { "SO-1": { lateTruck: true } } }, /unknown field 'lateTruck'/],
      [{ weather: "rain" }, /unknown scenario field 'weather'/],
      ["{not json", /body is not JSON/],
    ];
    for (const [body, message] of refused) {
      const answer = await call(`${url}/_sim/scenario`, "POST", body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.error, message);
    }
    assert.deepEqual(sim.scenario(), { rates: { shortPick: 0.5 }, orders: {} });
  });

  test("the scenario option is checked when the simulator is built", () => {
    assert.throws(() => new WmsSimulator({ secret: SECRET, scenario: { rates: { shortPick: 2 } } }), /rate 'shortPick'/);
  });

  test("a rate picks the same orders on every run, and an order's script replaces the rates for it", () => {
    const scenario: WmsScenario = { rates: { allocationShort: 0.5, shortPick: 0.5, splitShipment: 0.5, inventoryAdjustment: 0.5, warehouseException: 0.5 } };
    const ids = Array.from({ length: 200 }, (_, i) => `SO-${i}`);
    const plans = ids.map((id) => planFor(id, LINES, scenario));
    assert.deepEqual(ids.map((id) => planFor(id, LINES, scenario)), plans);
    const split = plans.filter((p) => p.splitShipment).length;
    assert.ok(split > 60 && split < 140, `about half the orders split (${split} of 200)`);
    assert.deepEqual(new Set(plans.flatMap((p) => (p.warehouseException ? [p.warehouseException] : []))), new Set(["damaged-stock", "carrier-no-show", "wave-blocked"]));
    assert.deepEqual(planFor("SO-1", LINES, { ...scenario, orders: { "SO-1": {} } }), { allocationShort: [], shortPick: [], splitShipment: false, inventoryAdjustment: false });
    assert.deepEqual(planFor("SO-1", LINES, {}), { allocationShort: [], shortPick: [], splitShipment: false, inventoryAdjustment: false });
  });
});

describe("WMS exception flows", () => {
  test("a short allocation is reported as order.allocation-short, and only what was allocated is picked, packed and shipped", async () => {
    const { sim, url, hits } = await wms({ scenario: { orders: { "SO-1": { allocationShort: [{ lineNo: 2, qtyAllocated: 1 }, { lineNo: 3, qtyAllocated: 0 }] } } } });
    const id = await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocation-short", "order.picked", "order.packed", "shipment.manifested"]);
    assertSigned(hits);
    const short = bodyOf(hits, "order.allocation-short");
    assert.deepEqual(Object.keys(short), ["eventId", "eventType", "occurredAt", "order", "lines"]);
    assert.deepEqual(short.order, header(id, "SO-1"));
    assert.deepEqual(short.lines.map((l: any) => [l.lineNo, l.qty, l.qtyAllocated]), [[1, 2, 2], [2, 3, 1], [3, 4, 0]]);
    assert.deepEqual(bodyOf(hits, "order.picked").lines.map((l: any) => [l.lineNo, l.qtyPicked]), [[1, 2], [2, 1], [3, 0]]);
    const shipped = [{ lineNo: 1, sku: "SKU-1", qty: 2 }, { lineNo: 2, sku: "SKU-2", qty: 1 }];
    assert.deepEqual(bodyOf(hits, "order.packed").lines, shipped);
    assert.deepEqual(bodyOf(hits, "order.packed").packages.flatMap((p: any) => p.lines), shipped);
    assert.deepEqual(bodyOf(hits, "shipment.manifested").lines, shipped);
    assert.deepEqual([(await stock(url, "SKU-2")).allocated, (await stock(url, "SKU-3")).allocated], [1, 0]);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, allocationShort: 1 });
  });

  test("an order of which nothing could be allocated stops after order.allocation-short", async () => {
    const { sim, url, hits } = await wms({ scenario: { orders: { "SO-1": { allocationShort: [1, 2, 3].map((lineNo) => ({ lineNo, qtyAllocated: 0 })) } } } });
    await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocation-short"]);
    assert.equal((await call(`${url}/v1/fulfillment-orders/FO-SO-1`, "GET")).body.status, "allocated");
  });

  test("a short pick reports qtyPicked below qty, and the short line ships what was picked", async () => {
    const { sim, url, hits } = await wms({ scenario: { orders: { "SO-1": { shortPick: [{ lineNo: 1, qtyPicked: 1 }] } } } });
    await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "order.picked", "order.packed", "shipment.manifested"]);
    assertSigned(hits);
    assert.deepEqual(bodyOf(hits, "order.picked").lines.map((l: any) => [l.lineNo, l.qty, l.qtyPicked]), [[1, 2, 1], [2, 3, 3], [3, 4, 4]]);
    assert.deepEqual(bodyOf(hits, "shipment.manifested").lines.map((l: any) => [l.lineNo, l.qty]), [[1, 1], [2, 3], [3, 4]]);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, shortPick: 1 });
  });

  test("a split shipment is manifested twice, each with its own shipment, tracking number, cartons and lines", async () => {
    const { sim, url, hits } = await wms({ scenario: { orders: { "SO-1": { splitShipment: true } } } });
    const id = await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "order.picked", "order.packed", "shipment.manifested", "shipment.manifested"]);
    assertSigned(hits);
    const [first, second] = [bodyOf(hits, "shipment.manifested", 0), bodyOf(hits, "shipment.manifested", 1)];
    for (const manifest of [first, second]) {
      assert.deepEqual(manifest.order, header(id, "SO-1"));
      assert.deepEqual(manifest.packages.flatMap((p: any) => p.lines), manifest.lines);
      assert.match(manifest.shipment.id, /^shp_\d+$/);
      assert.match(manifest.shipment.trackingNumber, /^WBLM\d{12}$/);
      assert.equal(typeof manifest.shipment.shippedAt, "string");
    }
    assert.deepEqual([first.lines.map((l: any) => l.lineNo), second.lines.map((l: any) => l.lineNo)], [[1, 2], [3]]);
    assert.notEqual(first.shipment.id, second.shipment.id);
    assert.notEqual(first.shipment.trackingNumber, second.shipment.trackingNumber);
    assert.deepEqual(bodyOf(hits, "order.packed").packages, [...first.packages, ...second.packages]);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, splitShipment: 1 });
  });

  test("a split shipment of a single line halves its units; a single unit cannot be split and ships once", async () => {
    const { sim, url, hits } = await wms({ scenario: { orders: { "SO-1": { splitShipment: true }, "SO-2": { splitShipment: true } } } });
    await place(url, "SO-1", [{ lineNo: 1, sku: "SKU-1", qty: 5 }]);
    await place(url, "SO-2", [{ lineNo: 1, sku: "SKU-1", qty: 1 }]);
    await sim.idle();
    const manifests = (orderRef: string) => hits.filter((h) => h.body.eventType === "shipment.manifested" && h.body.order.orderRef === orderRef).map((h) => h.body.lines[0].qty);
    assert.deepEqual([manifests("SO-1"), manifests("SO-2")], [[3, 2], [1]]);
    assert.deepEqual([sim.countsFor("SO-1").splitShipment, sim.countsFor("SO-2").splitShipment], [1, 0]);
  });

  test("an inventory adjustment after allocation names the order, lowers on-hand below its reservation and holds it until cancelled", async () => {
    const { sim, url, hits } = await wms({ scenario: { orders: { "SO-1": { inventoryAdjustment: true } } } });
    const before = await stock(url, "SKU-1");
    const id = await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "inventory.adjusted"]);
    assertSigned(hits);
    const adjusted = bodyOf(hits, "inventory.adjusted");
    assert.ok(adjusted.delta < 0);
    assert.deepEqual(adjusted, {
      eventId: adjusted.eventId,
      eventType: "inventory.adjusted",
      occurredAt: adjusted.occurredAt,
      warehouse: "WH1",
      sku: "SKU-1",
      delta: adjusted.delta,
      onHand: before.onHand + adjusted.delta,
      allocated: 2,
      reason: "cycle count: units missing from the pick face",
      affectedOrders: ["SO-1"],
    });
    assert.equal(adjusted.onHand - adjusted.allocated, -2, "the order's two units are no longer covered");
    const after = await stock(url, "SKU-1");
    assert.deepEqual([after.onHand, after.available], [adjusted.onHand, -2]);
    assert.equal((await call(`${url}/v1/fulfillment-orders/${id}`, "GET")).body.status, "held");

    assert.deepEqual(await call(`${url}/v1/fulfillment-orders/${id}/cancel`, "POST", { reason: "re-allocate" }, "c-1"), { status: 200, body: { id, status: "cancelled" } });
    assert.equal((await stock(url, "SKU-1")).allocated, 0);
    await sim.idle();
    assert.equal(hits.length, 2);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, inventoryAdjustment: 1, cancellations: 1 });
  });

  test("damaged stock is raised after picking: one unit of the first line is named and left out of the shipment", async () => {
    const { sim, url, hits } = await wms({ scenario: { orders: { "SO-1": { warehouseException: "damaged-stock" } } } });
    const id = await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "order.picked", "exception.raised", "order.packed", "shipment.manifested"]);
    assertSigned(hits);
    const raised = bodyOf(hits, "exception.raised");
    assert.deepEqual(raised, {
      eventId: raised.eventId,
      eventType: "exception.raised",
      occurredAt: raised.occurredAt,
      order: header(id, "SO-1"),
      warehouse: "WH1",
      code: "damaged-stock",
      description: "1 unit of SKU-1 (line 1) was damaged during picking and will not ship",
      lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }],
    });
    assert.deepEqual(bodyOf(hits, "order.picked").lines.map((l: any) => l.qtyPicked), [2, 3, 4]);
    assert.deepEqual(bodyOf(hits, "shipment.manifested").lines.map((l: any) => [l.lineNo, l.qty]), [[1, 1], [2, 3], [3, 4]]);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, warehouseException: 1 });
  });

  test("a blocked wave is raised before picking, and the pick comes exceptionDelayMs late", async () => {
    const { sim, url, hits } = await wms({ exceptionDelayMs: 120, scenario: { orders: { "SO-1": { warehouseException: "wave-blocked" } } } });
    const id = await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "exception.raised", "order.picked", "order.packed", "shipment.manifested"]);
    assertSigned(hits);
    const raised = bodyOf(hits, "exception.raised");
    assert.deepEqual(raised, {
      eventId: raised.eventId, eventType: "exception.raised", occurredAt: raised.occurredAt, order: header(id, "SO-1"),
      warehouse: "WH1", code: "wave-blocked", description: "the pick wave holding this order is blocked; picking starts late",
    });
    assert.ok(Date.parse(bodyOf(hits, "order.picked").occurredAt) - Date.parse(raised.occurredAt) >= 120);
    assert.deepEqual(bodyOf(hits, "shipment.manifested").lines, LINES);
  });

  test("a carrier that does not show is raised after packing, and the manifest comes exceptionDelayMs late", async () => {
    const { sim, url, hits } = await wms({ exceptionDelayMs: 120, scenario: { orders: { "SO-1": { warehouseException: "carrier-no-show" } } } });
    const id = await place(url, "SO-1");
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "order.picked", "order.packed", "exception.raised", "shipment.manifested"]);
    assertSigned(hits);
    const raised = bodyOf(hits, "exception.raised");
    assert.deepEqual(raised, {
      eventId: raised.eventId, eventType: "exception.raised", occurredAt: raised.occurredAt, order: header(id, "SO-1"),
      warehouse: "WH1", code: "carrier-no-show", description: "carrier WAYBILL-LASTMILE missed its collection; the shipment leaves with the next one",
    });
    assert.ok(Date.parse(bodyOf(hits, "shipment.manifested").occurredAt) - Date.parse(raised.occurredAt) >= 120);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, warehouseException: 1 });
  });

  test("rates set over /_sim/scenario apply to the next orders, and the same order meets the same exception on another simulator", async () => {
    const rates = { rates: { allocationShort: 1 } };
    const one = await wms();
    const two = await wms({ scenario: rates });
    assert.equal((await call(`${one.url}/_sim/scenario`, "POST", rates)).status, 200);
    for (const { url, sim } of [one, two]) {
      await place(url, "SO-77");
      await sim.idle();
    }
    const [a, b] = [bodyOf(one.hits, "order.allocation-short"), bodyOf(two.hits, "order.allocation-short")];
    assert.deepEqual(a.lines, b.lines);
    const short = a.lines.filter((l: any) => l.qtyAllocated < l.qty);
    assert.equal(short.length, 1, "one line is short");
    assert.equal(short[0].qtyAllocated, Math.floor(short[0].qty / 2));
    assert.deepEqual(one.sim.stats().exceptionFlows, { ...ZERO, allocationShort: 1 });
  });

  test("an order's script beats the rates: with every rate at 1 a scripted order ships in full", async () => {
    const all = { allocationShort: 1, shortPick: 1, splitShipment: 1, inventoryAdjustment: 1, warehouseException: 1 };
    const { sim, url, hits } = await wms({ scenario: { rates: all, orders: { "SO-1": {} } } });
    await place(url, "SO-1");
    await place(url, "SO-2");
    await sim.idle();
    const of = (ref: string) => types(hits.filter((h) => (h.body.order?.orderRef ?? h.body.affectedOrders?.[0]) === ref));
    assert.deepEqual(of("SO-1"), ["order.allocated", "order.picked", "order.packed", "shipment.manifested"]);
    assert.deepEqual(of("SO-2"), ["order.allocation-short", "inventory.adjusted"]);
    assert.equal(sim.stats().exceptionFlowsByOrder?.["SO-1"], undefined);
  });
});

describe("WMS cancellations, updates and returns", () => {
  test("a cancel by Waybill's fulfillment order id stops the webhooks and frees the stock; repeated, it answers 200 again and counts once", async () => {
    const { sim, url, hits } = await wms({ stepDelayMs: 600_000 });
    const id = await place(url, "SO-1");
    assert.equal((await stock(url, "SKU-1")).allocated, 2);
    assert.deepEqual(await call(`${url}/v1/fulfillment-orders/FO-SO-1/cancel`, "POST", { reason: "customer" }, "c-1"), { status: 200, body: { id, status: "cancelled" } });
    assert.deepEqual(await call(`${url}/v1/fulfillment-orders/${id}/cancel`, "POST", { reason: "customer" }, "c-2"), { status: 200, body: { id, status: "cancelled" } });
    await sim.idle();
    assert.equal(hits.length, 0);
    assert.equal((await stock(url, "SKU-1")).allocated, 0);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, cancellations: 1 });
    assert.deepEqual(sim.stats().exceptionFlows, { ...ZERO, cancellations: 1 });
    assert.deepEqual(await call(`${url}/v1/fulfillment-orders/FO-NOPE/cancel`, "POST", {}, "c-3"), { status: 404, body: { error: "fulfillment order not found" } });
  });

  test("once manifested, a cancel and any update are refused with 409", async () => {
    const { sim, url } = await wms();
    const id = await place(url, "SO-1");
    await sim.idle();
    const shipped = { error: "already shipped", id, status: "manifested" };
    assert.deepEqual(await call(`${url}/v1/fulfillment-orders/${id}/cancel`, "POST", { reason: "late" }, "c-1"), { status: 409, body: shipped });
    assert.deepEqual(await call(`${url}/v1/fulfillment-orders/FO-SO-1`, "PATCH", { changeId: "chg-1", shipTo: { name: "Bob" } }), { status: 409, body: shipped });
    assert.equal(sim.stats().exceptionFlows, undefined);
  });

  test("an update before packing changes the address and lines, and picking, packing and shipping follow the new lines", async () => {
    const { sim, url, hits } = await wms({ exceptionDelayMs: 300, scenario: { orders: { "SO-1": { warehouseException: "wave-blocked" } } } });
    const id = await place(url, "SO-1");
    await waitFor(() => hits.length === 2, "the blocked wave");
    const lines = [{ lineNo: 1, sku: "SKU-1", qty: 1 }, { lineNo: 4, sku: "SKU-4", qty: 5 }];
    const change = { changeId: "chg-1", shipTo: { name: "Bob", city: "Utrecht" }, lines };
    assert.deepEqual(await call(`${url}/v1/fulfillment-orders/FO-SO-1`, "PATCH", change), { status: 200, body: { id, externalRef: "FO-SO-1", status: "allocated", changeId: "chg-1" } });
    assert.equal((await call(`${url}/v1/fulfillment-orders/${id}`, "PATCH", change, "again")).status, 200);
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "exception.raised", "order.picked", "order.packed", "shipment.manifested"]);
    assert.deepEqual(bodyOf(hits, "order.picked").lines, lines.map((l) => ({ ...l, qtyPicked: l.qty })));
    assert.deepEqual(bodyOf(hits, "shipment.manifested").lines, lines);
    const shown = (await call(`${url}/v1/fulfillment-orders/${id}`, "GET")).body;
    assert.deepEqual([shown.shipTo, shown.lines], [change.shipTo, lines]);
    assert.deepEqual([(await stock(url, "SKU-2")).allocated, (await stock(url, "SKU-4")).allocated], [0, 5]);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, warehouseException: 1, updates: 1 });
  });

  test("once packed, new lines are refused with 409 already packed while a new address is still taken, and a cancel stops the late manifest", async () => {
    const { sim, url, hits } = await wms({ exceptionDelayMs: 300, scenario: { orders: { "SO-1": { warehouseException: "carrier-no-show" } } } });
    const id = await place(url, "SO-1");
    await waitFor(() => hits.length === 4, "the missed collection");
    const patch = (body: unknown) => call(`${url}/v1/fulfillment-orders/${id}`, "PATCH", body);
    assert.deepEqual(await patch({ changeId: "chg-1", lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }] }), { status: 409, body: { error: "already packed", id, status: "packed" } });
    assert.equal((await patch({ changeId: "chg-2", lines: LINES })).status, 200, "the same lines are no change");
    assert.equal((await patch({ changeId: "chg-3", shipTo: { name: "Bob" } })).status, 200);
    assert.equal((await call(`${url}/v1/fulfillment-orders/${id}/cancel`, "POST", { reason: "customer" }, "c-1")).status, 200);
    assert.deepEqual(await patch({ changeId: "chg-4", shipTo: { name: "Eve" } }), { status: 409, body: { error: "cancelled", id, status: "cancelled" } });
    await sim.idle();
    assert.deepEqual(types(hits), ["order.allocated", "order.picked", "order.packed", "exception.raised"]);
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, warehouseException: 1, updates: 2, cancellations: 1 });
  });

  test("an update without a changeId or with lines that are not lines is refused with 400; an unknown order with 404", async () => {
    const { url } = await wms({ stepDelayMs: 600_000 });
    const id = await place(url, "SO-1");
    const patch = (ref: string, body: unknown) => call(`${url}/v1/fulfillment-orders/${ref}`, "PATCH", body);
    assert.deepEqual(await patch(id, { shipTo: { name: "Bob" } }), { status: 400, body: { error: "body.changeId must be a non-empty string" } });
    assert.equal((await patch(id, { changeId: "c", lines: [{ lineNo: 1 }] })).status, 400);
    assert.equal((await patch(id, { changeId: "c", shipTo: "Utrecht" })).status, 400);
    assert.deepEqual(await patch("wo_404", { changeId: "c" }), { status: 404, body: { error: "fulfillment order not found" } });
  });

  test("an expected return is received returnReceiptDelayMs later: return.received, signed, restocked; the same RMA again is the same return", async () => {
    const { sim, url, hits } = await wms({ returnReceiptDelayMs: 60 });
    const before = await stock(url, "SKU-2");
    const expectation = { rma: "RMA-1", orderRef: "SO-1", warehouse: "WH1", reason: "damaged in transit", lines: [{ lineNo: 2, sku: "SKU-2", qty: 3 }] };
    assert.deepEqual(await call(`${url}/v1/returns`, "POST", expectation, "r-1"), { status: 201, body: { id: "ret_1", rma: "RMA-1", status: "expected" } });
    assert.deepEqual(await call(`${url}/v1/returns`, "POST", expectation, "r-2"), { status: 200, body: { id: "ret_1", rma: "RMA-1", status: "expected" } });
    assert.equal(hits.length, 0, "nothing before the parcel arrives");
    await sim.idle();
    assert.deepEqual(types(hits), ["return.received"]);
    assertSigned(hits);
    const received = hits[0]!.body;
    assert.deepEqual(received, {
      eventId: received.eventId,
      eventType: "return.received",
      occurredAt: received.occurredAt,
      order: { orderRef: "SO-1", warehouse: "WH1" },
      rma: "RMA-1",
      lines: [{ lineNo: 2, sku: "SKU-2", qty: 3 }],
      disposition: "restock",
    });
    assert.equal((await stock(url, "SKU-2")).onHand, before.onHand + 3);
    assert.deepEqual(await call(`${url}/v1/returns`, "POST", expectation, "r-3"), { status: 200, body: { id: "ret_1", rma: "RMA-1", status: "received" } });
    assert.deepEqual(sim.countsFor("SO-1"), { ...ZERO, returnsExpected: 1, returnsReceived: 1 });
    assert.deepEqual(sim.stats().exceptionFlowsByOrder, { "SO-1": { ...ZERO, returnsExpected: 1, returnsReceived: 1 } });
  });

  test("a return without its RMA or lines is refused with 400", async () => {
    const { sim, url } = await wms();
    const answer = await call(`${url}/v1/returns`, "POST", { orderRef: "SO-1", warehouse: "WH1", reason: "x", lines: [] }, "r-1");
    assert.deepEqual(answer, { status: 400, body: { error: "body.rma must be a non-empty string" } });
    assert.equal((await call(`${url}/v1/returns`, "POST", { rma: "R", orderRef: "SO-1", warehouse: "WH1", reason: "x", lines: [] }, "r-2")).status, 400);
    assert.equal(sim.stats().exceptionFlows, undefined);
  });

  test("stop() drops pending pauses and returns in transit and leaves no timers behind", async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const receiver = await startReceiver();
    const sim = new WmsSimulator({ callbackUrl: receiver.url, secret: SECRET, stepDelayMs: STEP_MS, exceptionDelayMs: 60_000, returnReceiptDelayMs: 60_000, scenario: { orders: { "SO-1": { warehouseException: "wave-blocked" } } } });
    const { url } = await sim.start();
    await place(url, "SO-1");
    await call(`${url}/v1/returns`, "POST", { rma: "RMA-9", orderRef: "SO-9", warehouse: "WH1", reason: "x", lines: LINES }, "r-9");
    await waitFor(() => receiver.hits.length === 2, "the blocked wave");
    await sim.stop();
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length, timersBefore);
  });
});
