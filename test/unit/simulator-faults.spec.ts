import { spawn } from "node:child_process";
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErpSimulator, LastMileSimulator, WMS_EVENT_TYPES, WmsSimulator, sign3pl } from "../../simulators/index.ts";
import { simulatorScope } from "../helpers/sim-scope.ts";

const { startReceiver, started, track } = simulatorScope();

const WMS_SECRET = "wms-test-secret";
const ONFLEET_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const STEP_MS = 5;
const ONFLEET_FLOW = ["taskAssigned", "taskStarted", "taskEta", "taskArrival", "taskCompleted"];

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function call(url: string, method = "GET", body?: unknown, key?: string): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

function invoice(orderId: string): Record<string, unknown> {
  return { orderId, currency: "EUR", lines: [{ lineNo: 1, sku: "A", qty: 2, unitPrice: 5 }], total: 10 };
}

function fulfillmentOrder(orderRef: string, warehouse = "WH1"): Record<string, unknown> {
  const lines = [
    { lineNo: 1, sku: "SKU-1", qty: 2 },
    { lineNo: 2, sku: "SKU-2", qty: 3 },
  ];
  return { externalRef: `FO-${orderRef}`, orderRef, warehouse, shipTo: { name: "Ann", city: "Amsterdam" }, lines };
}

function task(orderId: string): Record<string, unknown> {
  return {
    destination: { address: { unparsed: "Damrak 1, 1012 LG Amsterdam, NL" } },
    recipients: [{ name: "Ann de Vries" }],
    metadata: [{ name: "orderId", type: "string", value: orderId, visibility: ["api"] }],
  };
}

function booking(reference: string): Record<string, unknown> {
  return {
    reference,
    from: { name: "Waybill DC", city: "Utrecht", country: "NL" },
    to: { name: "Ann de Vries", city: "Amsterdam", country: "NL" },
    parcels: [{ weightKg: 1.2 }],
    serviceLevel: "next-day",
  };
}

/** Where `seen` is `expected` with exactly one adjacent pair swapped: the pair's first index, else undefined. */
function swappedPairAt(seen: readonly string[], expected: readonly string[]): number | undefined {
  const i = seen.findIndex((value, k) => value !== expected[k]);
  if (seen.length !== expected.length || i === -1 || i + 1 >= expected.length) return undefined;
  const swapped = [...expected];
  [swapped[i], swapped[i + 1]] = [expected[i + 1] ?? "", expected[i] ?? ""];
  return seen.every((value, k) => value === swapped[k]) ? i : undefined;
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("API faults", () => {
  test("error500 answers 500 while it lasts, creates nothing, and clears itself after durationMs", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const set = await call(`${url}/_sim/faults`, "POST", { mode: "error500", durationMs: 200 });
    assert.equal(set.status, 200);
    assert.equal(set.body.mode, "error500");
    assert.equal(set.body.durationMs, 200);
    assert.ok(Date.parse(set.body.expiresAt) > Date.now());

    const faulted = await call(`${url}/api/invoices`, "POST", invoice("SO-1"), "inv-SO-1");
    assert.deepEqual([faulted.status, faulted.body], [500, { error: "injected fault" }]);
    assert.equal(sim.invoicesFor("SO-1"), 0);
    assert.equal(sim.received()[0]?.faulted, true);

    await waitFor(async () => (await call(`${url}/_sim/faults`)).body.mode === "none", "the fault to clear itself", 2000);
    // 201 rather than a 200 replay: the faulted attempt left no idempotency record behind.
    const healthy = await call(`${url}/api/invoices`, "POST", invoice("SO-1"), "inv-SO-1");
    assert.deepEqual([healthy.status, healthy.body], [201, { invoiceId: "INV-1" }]);
    assert.equal(sim.received()[1]?.faulted, undefined);
    assert.deepEqual([sim.stats().invoices, sim.stats().replays, sim.stats().faultsServed], [1, 0, 1]);
  });

  test("rate-limit answers 429 with Retry-After and starts no fulfillment flow", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new WmsSimulator({ callbackUrl: receiver.url, secret: WMS_SECRET, stepDelayMs: STEP_MS }));
    sim.setFaults({ mode: "rate-limit", retryAfterSeconds: 7 });
    const limited = await call(`${url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-1"), "fo-SO-1");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "7");
    await sim.idle();
    assert.equal(receiver.hits.length, 0);
    assert.deepEqual([sim.stats().fulfillmentOrders, sim.stats().faultsServed], [0, 1]);
    assert.deepEqual(sim.stats().fulfillmentOrdersByOrder, {});
  });

  test("timeout holds the request for holdMs and then answers 504", async () => {
    const { sim, url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    sim.setFaults({ mode: "timeout", holdMs: 150 });
    const startedAt = Date.now();
    const held = await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1");
    assert.equal(held.status, 504);
    assert.ok(Date.now() - startedAt >= 140, "answered only after holdMs");
    assert.deepEqual([sim.stats().tasks, sim.stats().faultsServed], [0, 1]);
  });

  test("clearing a timeout fault ends the requests it holds at once", { timeout: 5000 }, async () => {
    const { sim, url } = await started(new ErpSimulator());
    sim.setFaults({ mode: "timeout", holdMs: 60_000 });
    const pending = call(`${url}/api/invoices`, "POST", invoice("SO-1"), "inv-SO-1");
    await waitFor(() => sim.received().length === 1, "the request to be held");
    // Held for 60 s, the request can only end inside this test's 5 s timeout if clearing released it.
    assert.equal((await call(`${url}/_sim/faults`, "POST", { mode: "none" })).body.mode, "none");
    assert.equal((await pending).status, 504);
    assert.equal(sim.stats().invoices, 0);
  });

  test("stop() returns promptly while a timeout fault holds a request, and leaves no timer behind", { timeout: 5000 }, async () => {
    const before = timers();
    const wms = new WmsSimulator({ secret: WMS_SECRET });
    const { url } = await wms.start();
    wms.setFaults({ mode: "timeout", holdMs: 60_000, durationMs: 60_000 });
    const pending = fetch(`${url}/v1/fulfillment-orders/wo_1`).then((res) => res.status, () => "connection closed");
    await waitFor(() => wms.received().length === 1, "the request to be held");
    // holdMs is 60 s: stop() returning inside the test's 5 s timeout means it did not wait for it.
    await wms.stop();
    assert.ok([504, "connection closed"].includes(await pending));
    assert.equal(timers(), before);
  });

  test("the /_sim/* endpoints are never faulted", async () => {
    const { url } = await started(new ErpSimulator());
    await call(`${url}/_sim/faults`, "POST", { mode: "error500" });
    assert.equal((await call(`${url}/_sim/health`)).status, 200);
    assert.equal((await call(`${url}/_sim/stats`)).status, 200);
    assert.equal((await call(`${url}/_sim/received`)).status, 200);
    assert.equal((await call(`${url}/_sim/faults`)).body.mode, "error500");
  });

  test("probability 0 lets every request through, and an unknown path stays a 404", async () => {
    const { sim, url } = await started(new ErpSimulator());
    sim.setFaults({ mode: "error500", probability: 0 });
    for (const n of [1, 2, 3]) assert.equal((await call(`${url}/api/invoices`, "POST", invoice(`SO-${n}`), `inv-${n}`)).status, 201);
    sim.setFaults({ mode: "error500" });
    assert.equal((await call(`${url}/api/nowhere`, "POST", {}, "k")).status, 404);
    assert.equal(sim.stats().faultsServed, 0);
  });

  test("GET /_sim/faults and faults() report the state with defaults filled in", async () => {
    const { sim, url } = await started(new WmsSimulator({ secret: WMS_SECRET }));
    const idle = { mode: "none", probability: 1, retryAfterSeconds: 1, holdMs: 30_000, duplicateWebhooks: 1, outOfOrderProbability: 0 };
    assert.deepEqual((await call(`${url}/_sim/faults`)).body, idle);
    assert.deepEqual(sim.setFaults({ mode: "rate-limit", probability: 0.5 }), { ...idle, mode: "rate-limit", probability: 0.5 });
    assert.deepEqual((await call(`${url}/_sim/faults`)).body, sim.faults());
  });

  test("a fault change with an unknown mode or field, or webhook chaos for the ERP, is refused with 400 and changes nothing", async () => {
    const { sim, url } = await started(new ErpSimulator());
    for (const body of [{ mode: "flaky" }, { mode: "error500", duration: 10 }, { mode: "error500", probability: 2 }, { probability: 0.5 }, {}, { duplicateWebhooks: 2 }]) {
      assert.equal((await call(`${url}/_sim/faults`, "POST", body)).status, 400, JSON.stringify(body));
    }
    assert.throws(() => sim.setFaults({ mode: "timeout", holdMs: -1 }), /holdMs/);
    assert.equal(sim.faults().mode, "none");
  });
});

describe("webhook chaos", () => {
  test("with duplicateWebhooks 3 the receiver gets each WMS delivery three times with identical body, signature and delivery id", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new WmsSimulator({ callbackUrl: receiver.url, secret: WMS_SECRET, stepDelayMs: STEP_MS, duplicateWebhooks: 3 }));
    await call(`${url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-1"), "fo-SO-1");
    await sim.idle();

    assert.equal(receiver.hits.length, 12);
    for (let i = 0; i < 12; i += 3) {
      const [first, ...copies] = receiver.hits.slice(i, i + 3);
      for (const copy of copies) {
        assert.equal(copy.raw, first?.raw);
        assert.equal(copy.headers["x-3pl-delivery"], first?.headers["x-3pl-delivery"]);
        assert.equal(copy.headers["x-3pl-signature"], sign3pl(`${copy.headers["x-3pl-timestamp"]}.${copy.raw}`, WMS_SECRET));
      }
    }
    assert.deepEqual(receiver.hits.filter((_, i) => i % 3 === 0).map((h) => h.body.eventType), [...WMS_EVENT_TYPES]);
    assert.deepEqual([sim.stats().webhooksSent, sim.stats().webhookDuplicatesSent], [4, 8]);
  });

  test("duplicateWebhooks set over /_sim/faults doubles each last-mile webhook", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS }));
    assert.equal((await call(`${url}/_sim/faults`, "POST", { duplicateWebhooks: 2 })).body.duplicateWebhooks, 2);
    await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1");
    await sim.idle();
    assert.equal(receiver.hits.length, 10);
    for (let i = 0; i < 10; i += 2) assert.equal(receiver.hits[i + 1]?.raw, receiver.hits[i]?.raw);
    assert.equal(sim.stats().webhookDuplicatesSent, 5);
  });

  test("with outOfOrderProbability 1 a WMS flow arrives with one adjacent pair swapped, the late event still telling its own moment", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new WmsSimulator({ callbackUrl: receiver.url, secret: WMS_SECRET, stepDelayMs: STEP_MS, outOfOrderProbability: 1 }));
    await call(`${url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-1"), "fo-SO-1");
    await sim.idle();

    const at = swappedPairAt(receiver.hits.map((h) => h.body.eventType), WMS_EVENT_TYPES);
    assert.notEqual(at, undefined, `one adjacent swap in ${receiver.hits.map((h) => h.body.eventType).join(", ")}`);
    const [overtaking, late] = [receiver.hits[at ?? 0]?.body, receiver.hits[(at ?? 0) + 1]?.body];
    assert.ok(late.occurredAt < overtaking.occurredAt, "the late event was built before the one that overtook it");
    assert.equal(sim.stats().webhooksReordered, 1);
  });

  test("with outOfOrderProbability 1 set at runtime a last-mile flow arrives with one adjacent pair of triggers swapped", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS }));
    sim.setFaults({ outOfOrderProbability: 1 });
    await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1");
    await sim.idle();

    const at = swappedPairAt(receiver.hits.map((h) => h.body.triggerName), ONFLEET_FLOW);
    assert.notEqual(at, undefined, `one adjacent swap in ${receiver.hits.map((h) => h.body.triggerName).join(", ")}`);
    assert.ok(receiver.hits[(at ?? 0) + 1]?.body.time < receiver.hits[at ?? 0]?.body.time);
    assert.equal(sim.stats().webhooksReordered, 1);
  });
});

describe("per-order counts in stats", () => {
  test("/_sim/stats counts fulfillment orders, tasks and shipment confirmations per order, so duplicates show over HTTP", async () => {
    const [erp, wms, lastmile] = await Promise.all([
      started(new ErpSimulator()),
      started(new WmsSimulator({ secret: WMS_SECRET, stepDelayMs: 60_000 })),
      started(new LastMileSimulator({ secret: ONFLEET_SECRET, stepDelayMs: 60_000 })),
    ]);
    const confirmation = { orderId: "SO-1", shipmentId: "shp_1", shippedAt: new Date().toISOString(), lines: [{ lineNo: 1, sku: "A", qtyShipped: 2 }] };
    // Different keys for the same order: what a client that lost its key would send.
    for (const key of ["a", "b"]) {
      await call(`${erp.url}/api/shipments`, "POST", confirmation, key);
      await call(`${wms.url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-1"), key);
      await call(`${lastmile.url}/api/v2/tasks`, "POST", task("SO-1"), key);
    }
    await call(`${wms.url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-2"), "c");

    assert.deepEqual((await call(`${erp.url}/_sim/stats`)).body.shipmentConfirmationsByOrder, { "SO-1": 2 });
    assert.deepEqual((await call(`${wms.url}/_sim/stats`)).body.fulfillmentOrdersByOrder, { "SO-1": 2, "SO-2": 1 });
    assert.deepEqual((await call(`${lastmile.url}/_sim/stats`)).body.tasksByOrder, { "SO-1": 2 });
  });
});

describe("WMS inventory", () => {
  test("on-hand stock is the same for a sku and warehouse in every simulator, between 100 and 499", async () => {
    const [a, b] = await Promise.all([started(new WmsSimulator({ secret: WMS_SECRET })), started(new WmsSimulator({ secret: WMS_SECRET }))]);
    const first = await call(`${a.url}/v1/inventory/SKU-1?warehouse=WH1`);
    const second = await call(`${b.url}/v1/inventory/SKU-1?warehouse=WH1`);
    assert.equal(first.status, 200);
    assert.deepEqual({ ...first.body, asOf: undefined }, { ...second.body, asOf: undefined });
    const { sku, warehouse, onHand, allocated, available, asOf } = first.body;
    assert.deepEqual([sku, warehouse, allocated, available], ["SKU-1", "WH1", 0, onHand]);
    assert.ok(Number.isInteger(onHand) && onHand >= 100 && onHand < 500);
    assert.equal(new Date(asOf).toISOString(), asOf);
  });

  test("a fulfillment order allocates its quantities in its own warehouse only", async () => {
    const { url } = await started(new WmsSimulator({ secret: WMS_SECRET, stepDelayMs: 60_000 }));
    const level = async (sku: string, warehouse: string): Promise<any> => (await call(`${url}/v1/inventory/${sku}?warehouse=${warehouse}`)).body;
    const before = await level("SKU-2", "WH1");
    await call(`${url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-1", "WH1"), "fo-1");
    await call(`${url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-2", "WH1"), "fo-2");
    const after = await level("SKU-2", "WH1");
    assert.deepEqual([after.onHand, after.allocated, after.available], [before.onHand, 6, before.onHand - 6]);
    assert.equal((await level("SKU-1", "WH1")).allocated, 4);
    assert.equal((await level("SKU-2", "WH2")).allocated, 0);
  });

  test("cancelling a fulfillment order gives its allocation back", async () => {
    const { url } = await started(new WmsSimulator({ secret: WMS_SECRET, stepDelayMs: 60_000 }));
    await call(`${url}/v1/fulfillment-orders`, "POST", fulfillmentOrder("SO-1", "WH2"), "fo-1");
    await call(`${url}/v1/fulfillment-orders/wo_1/cancel`, "POST", {}, "cancel-1");
    await call(`${url}/v1/fulfillment-orders/wo_1/cancel`, "POST", {}, "cancel-2");
    assert.equal((await call(`${url}/v1/inventory/SKU-1?warehouse=WH2`)).body.allocated, 0);
  });

  test("an unknown warehouse is 404, a missing one 400, and the warehouses option replaces the defaults", async () => {
    const { url } = await started(new WmsSimulator({ secret: WMS_SECRET }));
    assert.equal((await call(`${url}/v1/inventory/SKU-1?warehouse=WH9`)).status, 404);
    assert.equal((await call(`${url}/v1/inventory/SKU-1`)).status, 400);
    const custom = await started(new WmsSimulator({ secret: WMS_SECRET, warehouses: ["AMS1"] }));
    assert.equal((await call(`${custom.url}/v1/inventory/SKU-1?warehouse=AMS1`)).status, 200);
    assert.equal((await call(`${custom.url}/v1/inventory/SKU-1?warehouse=WH1`)).status, 404);
  });
});

describe("last-mile carrier booking", () => {
  test("booking a shipment answers 201 with a tracking code and label, can be read back, and sends no webhook", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS }));
    const booked = await call(`${url}/api/v2/shipments`, "POST", booking("SO-1"), "book-SO-1");
    assert.equal(booked.status, 201);
    const { id, reference, trackingCode, labelUrl, carrier, status, createdAt } = booked.body;
    assert.deepEqual([id, reference, carrier, status], ["shp_1", "SO-1", "WAYBILL-LASTMILE", "booked"]);
    assert.match(trackingCode, /^WBLM\d{12}$/);
    assert.ok(labelUrl.startsWith(url));
    assert.equal(new Date(createdAt).toISOString(), createdAt);
    const shown = await call(`${url}/api/v2/shipments/shp_1`);
    assert.deepEqual([shown.status, shown.body], [200, booked.body]);
    assert.equal((await call(`${url}/api/v2/shipments/shp_9`)).status, 404);
    await sim.idle();
    assert.equal(receiver.hits.length, 0);
  });

  test("a replayed booking answers with the first shipment and books nothing new", async () => {
    const { sim, url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    const first = await call(`${url}/api/v2/shipments`, "POST", booking("SO-1"), "book-SO-1");
    const again = await call(`${url}/api/v2/shipments`, "POST", booking("SO-1"), "book-SO-1");
    assert.deepEqual([first.status, again.status], [201, 200]);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual([sim.stats().bookings, sim.stats().replays], [1, 1]);
    assert.equal((await call(`${url}/api/v2/shipments`, "POST", booking("SO-1"))).status, 400, "a booking needs an Idempotency-Key");
  });

  test("a booking without reference, to or parcels is refused with 400", async () => {
    const { sim, url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    for (const field of ["reference", "to", "parcels"]) {
      const body = { ...booking("SO-1"), [field]: undefined };
      assert.equal((await call(`${url}/api/v2/shipments`, "POST", body, `k-${field}`)).status, 400, field);
    }
    assert.equal((await call(`${url}/api/v2/shipments`, "POST", { ...booking("SO-1"), parcels: [{}] }, "k-weight")).status, 400);
    assert.equal(sim.stats().bookings, 0);
  });
});

describe("simulator runner settings", () => {
  test("the runner takes SIM_DUPLICATES, SIM_OUT_OF_ORDER and SIM_MAX_ATTEMPTS from the environment", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "simulators/run.ts", "lastmile"], {
      cwd: new URL("../..", import.meta.url),
      env: { ...process.env, SIM_CALLBACK_URL: "http://127.0.0.1:9/unreachable", SIM_STEP_DELAY_MS: "1", SIM_DUPLICATES: "3", SIM_OUT_OF_ORDER: "0.25", SIM_MAX_ATTEMPTS: "2" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    track({
      stop: () => {
        child.kill("SIGTERM");
        return exited;
      },
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    await waitFor(() => stdout.includes("\n"), "the runner's JSON line", 15_000);
    const { url } = JSON.parse(stdout.trim()) as { url: string };

    const faults = (await call(`${url}/_sim/faults`)).body;
    assert.deepEqual([faults.duplicateWebhooks, faults.outOfOrderProbability], [3, 0.25]);
    await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1");
    // Two failed attempts, not twenty: the first webhook is given up after SIM_MAX_ATTEMPTS.
    await waitFor(async () => (await call(`${url}/_sim/stats`)).body.webhooksAbandoned === 1, "the webhook to be abandoned");
    assert.equal((await call(`${url}/_sim/stats`)).body.webhookFailures, 2);
  });

  test("the runner refuses an invalid SIM_DUPLICATES and exits 1", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "simulators/run.ts", "wms"], {
      cwd: new URL("../..", import.meta.url),
      env: { ...process.env, SIM_DUPLICATES: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    assert.equal(await new Promise((resolve) => child.once("exit", resolve)), 1);
    assert.match(stderr, /SIM_DUPLICATES/);
  });
});
