import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErpSimulator, LastMileSimulator, WmsSimulator } from "../../simulators/index.ts";
import { simulatorScope } from "../helpers/sim-scope.ts";

const { startReceiver, started } = simulatorScope();

const WMS_SECRET = "wms-test-secret";
const ONFLEET_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const STEP_MS = 5;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function post(url: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await fetch(url, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

function fulfillmentOrder(orderRef: string, lineCount = 3): Record<string, unknown> {
  const lines = Array.from({ length: lineCount }, (_, i) => ({ lineNo: i + 1, sku: `SKU-${i + 1}`, qty: i + 2 }));
  return { externalRef: `FO-${orderRef}`, orderRef, warehouse: "AMS1", shipTo: { name: "Ann", city: "Amsterdam" }, lines };
}

function task(orderId: string): Record<string, unknown> {
  return {
    destination: { address: { unparsed: "Damrak 1, 1012 LG Amsterdam, NL" } },
    recipients: [{ name: "Ann de Vries", phone: "+31612345678" }],
    metadata: [{ name: "orderId", type: "string", value: orderId, visibility: ["api"] }],
  };
}

function isValidSscc(sscc: string): boolean {
  if (!/^\d{18}$/.test(sscc)) return false;
  const digits = [...sscc.slice(0, 17)].reverse().map(Number);
  const sum = digits.reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === Number(sscc[17]);
}

describe("ERP simulator", () => {
  test("a repeated Idempotency-Key answers 200 with the first body and creates nothing new", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const invoice = { orderId: "SO-1", currency: "EUR", lines: [{ lineNo: 1, sku: "A", qty: 2, unitPrice: 5 }], total: 10 };
    const first = await post(`${url}/api/invoices`, invoice, "inv-SO-1");
    const again = await post(`${url}/api/invoices`, invoice, "inv-SO-1");
    assert.deepEqual([first.status, again.status], [201, 200]);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(first.body, { invoiceId: "INV-1" });
    assert.equal(sim.invoicesFor("SO-1"), 1);
    assert.deepEqual(sim.stats(), {
      statusUpdates: 0,
      shipmentConfirmations: 0,
      invoices: 1,
      replays: 1,
      faultsServed: 0,
      invoicesByOrder: { "SO-1": 1 },
      shipmentConfirmationsByOrder: {},
    });
    assert.equal(sim.received().length, 2, "replays are recorded too");
  });

  test("a POST without Idempotency-Key, a body that is not JSON and an unknown path are refused", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const noKey = await post(`${url}/api/orders/SO-1/status`, { status: "allocated", at: new Date().toISOString() });
    assert.deepEqual(noKey, { status: 400, body: { error: "missing Idempotency-Key" } });
    assert.equal((await post(`${url}/api/orders/SO-1/status`, "{not json", "k1")).status, 400);
    assert.equal((await post(`${url}/api/nowhere`, {}, "k2")).status, 404);
    assert.equal(sim.stats().statusUpdates, 0);
  });

  test("status updates and shipment confirmations are recorded with lower-case headers and parsed bodies", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const at = new Date().toISOString();
    assert.deepEqual(await post(`${url}/api/orders/SO-7/status`, { status: "picked", at }, "s1"), { status: 201, body: { ok: true } });
    const shipment = { orderId: "SO-7", shipmentId: "shp_1", shippedAt: at, lines: [{ lineNo: 1, sku: "A", qtyShipped: 2 }] };
    assert.deepEqual(await post(`${url}/api/shipments`, shipment, "c1"), { status: 201, body: { confirmationId: "SC-1" } });
    assert.deepEqual(sim.statusesFor("SO-7"), ["picked"]);
    const [status] = sim.received();
    assert.equal(status?.path, "/api/orders/SO-7/status");
    assert.equal(status?.headers["idempotency-key"], "s1");
    assert.deepEqual(status?.body, { status: "picked", at });
  });

  test("the control endpoints report health, received requests and stats, and reset clears the record", async () => {
    const { url } = await started(new ErpSimulator());
    await post(`${url}/api/orders/SO-1/status`, { status: "packed", at: new Date().toISOString() }, "k");
    assert.deepEqual(await (await fetch(`${url}/_sim/health`)).json(), { ok: true });
    assert.equal(((await (await fetch(`${url}/_sim/received`)).json()) as unknown[]).length, 1);
    assert.equal(((await (await fetch(`${url}/_sim/stats`)).json()) as { statusUpdates: number }).statusUpdates, 1);
    assert.equal((await fetch(`${url}/_sim/reset`, { method: "POST" })).status, 200);
    assert.deepEqual(await (await fetch(`${url}/_sim/received`)).json(), []);
  });
});

describe("WMS simulator", () => {
  test("a fulfillment order is reported as allocated, picked, packed and manifested, each signed with X-3PL-Signature", async () => {
    const receiver = await startReceiver();
    const { url } = await started(new WmsSimulator({ callbackUrl: receiver.url, secret: WMS_SECRET, stepDelayMs: STEP_MS }));
    const created = await post(`${url}/v1/fulfillment-orders`, fulfillmentOrder("SO-1"), "fo-SO-1");
    assert.deepEqual(created, { status: 201, body: { id: "wo_1", status: "accepted", externalRef: "FO-SO-1" } });

    await waitFor(() => receiver.hits.length === 4, "four WMS webhooks");
    const [allocated, picked, packed, manifested] = receiver.hits.map((h) => h.body);
    assert.deepEqual(receiver.hits.map((h) => h.body.eventType), ["order.allocated", "order.picked", "order.packed", "shipment.manifested"]);
    for (const hit of receiver.hits) {
      const expected = `sha256=${createHmac("sha256", WMS_SECRET).update(`${hit.headers["x-3pl-timestamp"]}.${hit.raw}`).digest("hex")}`;
      assert.equal(hit.headers["x-3pl-signature"], expected);
      assert.match(String(hit.headers["x-3pl-delivery"]), /^[0-9a-f-]{36}$/);
      assert.deepEqual(hit.body.order, { id: "wo_1", externalRef: "FO-SO-1", orderRef: "SO-1", warehouse: "AMS1" });
    }
    assert.equal(new Set(receiver.hits.map((h) => h.body.eventId)).size, 4);
    assert.equal(allocated.packages, undefined);
    assert.deepEqual(picked.lines.map((l: any) => l.qtyPicked), [2, 3, 4]);
    assert.ok(packed.packages.length > 0 && packed.packages.every((p: any) => isValidSscc(p.sscc) && p.weightKg > 0));
    assert.deepEqual(manifested.packages, packed.packages);
    assert.equal(manifested.shipment.carrier, "WAYBILL-LASTMILE");
    assert.match(manifested.shipment.id, /^shp_\d+$/);
  });

  test("a replayed fulfillment order creates nothing and starts no second flow", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new WmsSimulator({ callbackUrl: receiver.url, secret: WMS_SECRET, stepDelayMs: STEP_MS }));
    const first = await post(`${url}/v1/fulfillment-orders`, fulfillmentOrder("SO-2"), "fo-SO-2");
    const again = await post(`${url}/v1/fulfillment-orders`, fulfillmentOrder("SO-2"), "fo-SO-2");
    assert.deepEqual([first.status, again.status], [201, 200]);
    assert.deepEqual(again.body, first.body);
    await sim.idle();
    assert.equal(receiver.hits.length, 4);
    assert.equal(sim.fulfillmentOrdersFor("SO-2"), 1);
    assert.deepEqual(sim.stats(), {
      fulfillmentOrders: 1,
      replays: 1,
      faultsServed: 0,
      webhooksSent: 4,
      webhookFailures: 0,
      webhooksAbandoned: 0,
      webhookDuplicatesSent: 0,
      webhooksReordered: 0,
      fulfillmentOrdersByOrder: { "SO-2": 1 },
    });
  });

  test("a receiver answering 500 gets the same delivery again, and the next event waits for its 2xx", async () => {
    const receiver = await startReceiver((n) => (n === 0 ? 500 : 200));
    const wms = new WmsSimulator({ secret: WMS_SECRET, stepDelayMs: STEP_MS, retryDelaysMs: [10] });
    const { sim, url } = await started(wms);
    sim.setCallbackUrl(receiver.url);
    await post(`${url}/v1/fulfillment-orders`, fulfillmentOrder("SO-3"), "fo-SO-3");

    await waitFor(() => receiver.hits.length === 5, "four deliveries plus one retry");
    const [failed, retried] = receiver.hits;
    assert.equal(retried?.raw, failed?.raw);
    assert.equal(retried?.headers["x-3pl-delivery"], failed?.headers["x-3pl-delivery"]);
    // Signed anew per attempt: the retry's signature covers its own timestamp and the same bytes.
    const signedAt = (hit: typeof retried) => `sha256=${createHmac("sha256", WMS_SECRET).update(`${hit?.headers["x-3pl-timestamp"]}.${hit?.raw}`).digest("hex")}`;
    assert.equal(retried?.headers["x-3pl-signature"], signedAt(retried));
    assert.equal(failed?.headers["x-3pl-signature"], signedAt(failed));
    assert.deepEqual(
      receiver.hits.map((h) => `${h.body.eventType}:${h.status}`),
      ["order.allocated:500", "order.allocated:200", "order.picked:200", "order.packed:200", "shipment.manifested:200"],
    );
    assert.deepEqual(sim.stats().webhookFailures, 1);
  });

  test("cancelling a fulfillment order stops its remaining webhooks", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new WmsSimulator({ callbackUrl: receiver.url, secret: WMS_SECRET, stepDelayMs: STEP_MS }));
    await post(`${url}/v1/fulfillment-orders`, fulfillmentOrder("SO-4"), "fo-SO-4");
    assert.deepEqual(await post(`${url}/v1/fulfillment-orders/wo_1/cancel`, {}, "cancel-wo_1"), { status: 200, body: { id: "wo_1", status: "cancelled" } });
    // A second order started afterwards finishes its flow later than the cancelled one would have.
    await post(`${url}/v1/fulfillment-orders`, fulfillmentOrder("SO-5"), "fo-SO-5");
    await sim.idle();
    assert.deepEqual(new Set(receiver.hits.map((h) => h.body.order.orderRef)), new Set(["SO-5"]));
  });
});

describe("last-mile simulator", () => {
  test("a task is reported through triggers 9, 0, 1, 2, 3 signed with HMAC-SHA512 over the hex-decoded secret", async () => {
    const receiver = await startReceiver();
    const { url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS }));
    const created = await post(`${url}/api/v2/tasks`, task("SO-1"), "task-SO-1");
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^[A-Za-z0-9_-]{24}$/);
    assert.match(created.body.shortId, /^[0-9a-f]{8}$/);
    assert.equal(created.body.state, 0);

    await waitFor(() => receiver.hits.length === 5, "five Onfleet webhooks");
    const key = Buffer.from(ONFLEET_SECRET, "hex");
    for (const hit of receiver.hits) {
      assert.equal(hit.headers["x-onfleet-signature"], createHmac("sha512", key).update(hit.raw).digest("hex"));
      assert.equal(hit.body.taskId, created.body.id);
      assert.deepEqual(hit.body.data.task.metadata, created.body.metadata);
      assert.deepEqual(hit.body.actionContext, { type: "WORKER", id: hit.body.workerId });
    }
    assert.deepEqual(receiver.hits.map((h) => h.body.triggerId), [9, 0, 1, 2, 3]);
    assert.deepEqual(receiver.hits.map((h) => h.body.data.task.state), [1, 2, 2, 2, 3]);
    assert.equal(receiver.hits[2]?.body.etaSeconds > 0, true);
    const done = receiver.hits[4]?.body.data.task.completionDetails;
    assert.equal(done.success, true);
    assert.equal(done.recipientName, "Ann de Vries");
    assert.equal(done.photoUploadIds.length, 1);
    assert.equal(typeof done.signatureUploadId, "string");
    assert.equal(done.lastLocation.length, 2);
  });

  test("a replayed task answers with the task as first created, though it moved on since", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS }));
    const first = await post(`${url}/api/v2/tasks`, task("SO-2"), "task-SO-2");
    await sim.idle();
    const again = await post(`${url}/api/v2/tasks`, task("SO-2"), "task-SO-2");
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    assert.equal(sim.tasksFor("SO-2"), 1);
    assert.equal(receiver.hits.length, 5);
  });

  test("a task without orderId metadata is refused with 400", async () => {
    const { sim, url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    const res = await post(`${url}/api/v2/tasks`, { ...task("x"), metadata: [] }, "t1");
    assert.equal(res.status, 400);
    assert.equal(sim.stats().tasks, 0);
  });

  test("with failDeliveries the attempt ends in taskFailed with reason NOBODY", async () => {
    const receiver = await startReceiver();
    const { url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS, failDeliveries: true }));
    await post(`${url}/api/v2/tasks`, task("SO-3"), "task-SO-3");
    await waitFor(() => receiver.hits.length === 5, "five Onfleet webhooks");
    const last = receiver.hits[4]?.body;
    assert.deepEqual([last.triggerId, last.triggerName], [4, "taskFailed"]);
    assert.equal(last.data.task.completionDetails.success, false);
    assert.equal(last.data.task.completionDetails.failureReason, "NOBODY");
  });

  test("deleting a task stops its remaining webhooks", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS }));
    const doomed = await post(`${url}/api/v2/tasks`, task("SO-4"), "task-SO-4");
    assert.equal((await fetch(`${url}/api/v2/tasks/${doomed.body.id}`, { method: "DELETE" })).status, 200);
    await post(`${url}/api/v2/tasks`, task("SO-5"), "task-SO-5");
    await sim.idle();
    assert.equal(receiver.hits.length, 5);
    assert.ok(receiver.hits.every((h) => h.body.taskId !== doomed.body.id));
  });
});

describe("simulator lifecycle", () => {
  test("stop() cancels pending retries and leaves no timers behind", async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const receiver = await startReceiver(() => 503);
    const wms = new WmsSimulator({ callbackUrl: receiver.url, secret: WMS_SECRET, stepDelayMs: STEP_MS, retryDelaysMs: [60_000] });
    const { url } = await wms.start();
    await post(`${url}/v1/fulfillment-orders`, fulfillmentOrder("SO-9"), "fo-SO-9");
    await waitFor(() => wms.stats().webhookFailures === 1, "the first failed delivery");
    await wms.stop();
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length, timersBefore);
  });

  test("the runner prints one JSON line, serves, and exits 0 on SIGTERM while retries are pending", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "simulators/run.ts", "wms", "--port", "0"], {
      cwd: new URL("../..", import.meta.url),
      env: { ...process.env, SIM_CALLBACK_URL: "http://127.0.0.1:9/unreachable", SIM_STEP_DELAY_MS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    await waitFor(() => stdout.includes("\n"), "the runner's JSON line", 15_000);
    const line = JSON.parse(stdout.trim()) as { sim: string; url: string };
    assert.equal(line.sim, "wms");
    assert.equal((await post(`${line.url}/v1/fulfillment-orders`, fulfillmentOrder("SO-R"), "fo-SO-R")).status, 201);
    const health = (await (await fetch(`${line.url}/_sim/stats`)).json()) as { fulfillmentOrders: number };
    assert.equal(health.fulfillmentOrders, 1);

    const stoppedAt = Date.now();
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.ok(Date.now() - stoppedAt < 3000, "exits on its own, well before the forced-exit guard");
    assert.equal(stdout.trim().split("\n").length, 1, "nothing but the JSON line on stdout");
  });
});
