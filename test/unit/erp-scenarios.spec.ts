import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErpSimulator } from "../../simulators/erp.sim.ts";
import { actionsOn, emptyScenario, mergeScenario } from "../../simulators/erp-scenario.ts";
import { CHANGED_ADDRESS_LINE2 } from "../../simulators/erp-requests.ts";
import { simulatorScope } from "../helpers/sim-scope.ts";
import { salesOrder } from "../helpers/fixtures.ts";

const { started, track } = simulatorScope();
const FAST_RETRY = { retryDelaysMs: [5], maxAttempts: 5 };

/** One call the ERP made to Waybill, as Waybill's gateway would see it. */
interface WaybillHit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** Stands in for Waybill's governed API: records each call and answers as `answer(n, hit)` says (202 by default). */
async function startWaybill(answer: (n: number, hit: WaybillHit) => { status: number; body?: unknown } = () => ({ status: 202, body: { status: "accepted" } })) {
  const hits: WaybillHit[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (raw += chunk));
    req.on("end", () => {
      const hit = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: raw === "" ? undefined : JSON.parse(raw) };
      const reply = answer(hits.length, hit);
      hits.push(hit);
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  track({
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

async function send(url: string, method: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

const post = (url: string, body: unknown, key?: string) => send(url, "POST", body, key);

/** Waybill reporting a status to the ERP, as its adapter does. */
function reportStatus(url: string, orderId: string, status: string) {
  return post(`${url}/api/orders/${orderId}/status`, { status, at: new Date().toISOString() }, `status-${orderId}-${status}`);
}

const creditNote = (orderId: string) => ({ orderId, rma: `RMA-${orderId}`, currency: "EUR", lines: [{ lineNo: 1, sku: "SKU-A", qty: 1, unitPrice: 12.5 }], total: 12.5 });

describe("ERP simulator: what Waybill asks of the ERP in the exception flows", () => {
  test("backorders, invoicing holds, credit notes, CS cases and change refusals are answered 201 with the ERP's ids and kept per order", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const replies = [
      await post(`${url}/api/orders/SO-1/backorders`, { lines: [{ lineNo: 2, sku: "SKU-B", qty: 1 }], policy: "backorder" }, "bo-1"),
      await post(`${url}/api/orders/SO-1/invoicing-holds`, { reason: "delivery failed" }, "hold-1"),
      await post(`${url}/api/credit-notes`, creditNote("SO-1"), "cn-1"),
      await post(`${url}/api/cs-cases`, { orderId: "SO-1", kind: "delivery-failed", reason: "nobody home twice", caseId: "CASE-9" }, "cs-1"),
      await post(`${url}/api/orders/SO-1/change-refusals`, { changeId: "chg-1", fields: ["lines"], reason: "already packed" }, "cr-1"),
    ];
    assert.deepEqual(replies, [
      { status: 201, body: { backorderId: "BO-1" } },
      { status: 201, body: { holdId: "HOLD-1" } },
      { status: 201, body: { creditNoteId: "CN-1" } },
      { status: 201, body: { csCaseId: "CS-1" } },
      { status: 201, body: { refusalId: "CR-1" } },
    ]);
    assert.deepEqual(sim.receivedFor("SO-1"), ["backorder", "invoicing-hold", "credit-note", "cs-case", "change-refusal"]);
    assert.deepEqual(sim.recordsFor("SO-1")[4]?.body, { changeId: "chg-1", fields: ["lines"], reason: "already packed" });
    const stats = sim.stats();
    assert.deepEqual(
      [stats.backorders, stats.invoicingHolds, stats.creditNotes, stats.csCases, stats.changeRefusals, stats.invoicesWhileHeld],
      [1, 1, 1, 1, 1, 0],
    );
    assert.deepEqual(stats.creditNotesByOrder, { "SO-1": 1 });
    assert.deepEqual(stats.changeRefusalsByOrder, { "SO-1": 1 });
  });

  test("a replayed credit note answers 200 with the first note and is kept once", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const first = await post(`${url}/api/credit-notes`, creditNote("SO-2"), "cn-SO-2");
    const again = await post(`${url}/api/credit-notes`, creditNote("SO-2"), "cn-SO-2");
    assert.deepEqual([first.status, again.status, again.body], [201, 200, first.body]);
    assert.deepEqual(sim.receivedFor("SO-2"), ["credit-note"]);
  });

  test("an invoice that arrives while the order's invoicing is held is still accepted, and counted as invoicesWhileHeld", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const invoice = (orderId: string) => ({ orderId, currency: "EUR", lines: [{ lineNo: 1, sku: "SKU-A", qty: 2, unitPrice: 5 }], total: 10 });
    await post(`${url}/api/invoices`, invoice("SO-3"), "inv-early");
    await post(`${url}/api/orders/SO-3/invoicing-holds`, { reason: "delivery failed" }, "hold-SO-3");
    assert.equal((await post(`${url}/api/invoices`, invoice("SO-3"), "inv-held")).status, 201);
    await post(`${url}/api/invoices`, invoice("SO-4"), "inv-other");
    assert.deepEqual([sim.stats().invoicesWhileHeld, sim.stats().invoicesWhileHeldByOrder, sim.invoicesFor("SO-3")], [1, { "SO-3": 1 }, 2]);
    assert.deepEqual(sim.receivedFor("SO-3"), ["invoice", "invoicing-hold", "invoice"]);
  });

  test("bodies the ERP cannot take are refused with 400 and recorded nowhere", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const refused = [
      await post(`${url}/api/orders/SO-5/backorders`, { lines: [{ lineNo: 1, sku: "A", qty: 1 }], policy: "later" }, "b1"),
      await post(`${url}/api/orders/SO-5/backorders`, { lines: [], policy: "cancel" }, "b2"),
      await post(`${url}/api/orders/SO-5/invoicing-holds`, {}, "h1"),
      await post(`${url}/api/credit-notes`, { ...creditNote("SO-5"), lines: [{ lineNo: 1, sku: "A" }] }, "c1"),
      await post(`${url}/api/cs-cases`, { orderId: "SO-5", reason: "no kind" }, "s1"),
      await post(`${url}/api/orders/SO-5/change-refusals`, { changeId: "c", fields: [], reason: "r" }, "r1"),
    ];
    assert.deepEqual(refused.map((r) => r.status), [400, 400, 400, 400, 400, 400]);
    assert.deepEqual(sim.receivedFor("SO-5"), []);
    assert.equal(sim.stats().backorders, undefined, "nothing of the exception flows happened");
  });

  test("an ERP that saw no exception reports the same stats as before the exception flows existed", async () => {
    const { sim, url } = await started(new ErpSimulator());
    await reportStatus(url, "SO-6", "released");
    assert.deepEqual(Object.keys(sim.stats()).sort(), ["faultsServed", "invoices", "invoicesByOrder", "replays", "shipmentConfirmations", "shipmentConfirmationsByOrder", "statusUpdates"]);
    assert.deepEqual(sim.receivedFor("SO-6"), ["status"]);
  });
});

describe("ERP simulator: scenario controls", () => {
  test("POST /_sim/scenario merges rates and order scripts into the scenario, and GET shows it", async () => {
    const { sim, url } = await started(new ErpSimulator({ scenario: { rates: { cancelBeforeDispatch: 0.2 } } }));
    const first = await post(`${url}/_sim/scenario`, { rates: { returnAfterDelivery: 1 }, orders: { "SO-1": { cancelOn: "packed" } } });
    assert.equal(first.status, 200);
    await post(`${url}/_sim/scenario`, { orders: { "SO-2": { change: { on: "released", changes: { requestedWindow: { from: "2025-03-04T08:00:00Z", to: "2025-03-04T12:00:00Z" } } } } } });
    const expected = {
      rates: { cancelBeforeDispatch: 0.2, returnAfterDelivery: 1 },
      orders: {
        "SO-1": { cancelOn: "packed" },
        "SO-2": { change: { on: "released", changes: { requestedWindow: { from: "2025-03-04T08:00:00Z", to: "2025-03-04T12:00:00Z" } } } },
      },
    };
    assert.deepEqual(await (await fetch(`${url}/_sim/scenario`)).json(), expected);
    assert.deepEqual(sim.scenario(), expected);
  });

  test("a scenario with an unknown rate, a rate outside 0..1, an unknown status or an empty change is refused with 400 and changes nothing", async () => {
    const { sim, url } = await started(new ErpSimulator());
    const bad = [
      { rates: { lateCancel: 1 } },
      { rates: { cancelAfterDispatch: 2 } },
      { orders: { "SO-1": { cancelOn: "teleported" } } },
      { orders: { "SO-1": { change: { on: "packed", changes: {} } } } },
      { orders: { "SO-1": { refundOn: "invoiced" } } },
      { weather: "rain" },
      [],
    ];
    for (const body of bad) assert.equal((await post(`${url}/_sim/scenario`, body)).status, 400, JSON.stringify(body));
    assert.deepEqual(sim.scenario(), { rates: {}, orders: {} });
    assert.throws(() => new ErpSimulator({ scenario: { rates: { cancelBeforeDispatch: -1 } } }), /cancelBeforeDispatch/);
  });

  test("a rate picks the same orders every time, and about as many as it says", () => {
    const scenario = mergeScenario(emptyScenario(), { rates: { cancelBeforeDispatch: 0.3 } });
    const ids = Array.from({ length: 400 }, (_, i) => `SO-${i}`);
    const cancelled = (list: string[]) => list.filter((id) => actionsOn(scenario, id, "allocated").length > 0);
    assert.deepEqual(cancelled(ids), cancelled([...ids]));
    assert.ok(Math.abs(cancelled(ids).length - 120) < 40, `${cancelled(ids).length} of 400`);
    assert.deepEqual(ids.flatMap((id) => actionsOn(scenario, id, "packed")), [], "only on the status the rate names");
  });
});

describe("ERP simulator as a driver of Waybill's API", () => {
  test("with cancelBeforeDispatch, an allocated order is cancelled through Waybill after the status was answered, with an Idempotency-Key", async () => {
    const waybill = await startWaybill();
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { cancelBeforeDispatch: 1 } }, ...FAST_RETRY }));
    assert.deepEqual(await reportStatus(url, "SO-10", "released"), { status: 201, body: { ok: true } });
    assert.deepEqual(await reportStatus(url, "SO-10", "allocated"), { status: 201, body: { ok: true } });
    await sim.idle();
    assert.deepEqual(waybill.hits.map((h) => [h.method, h.path, h.headers["idempotency-key"], h.body]), [
      ["POST", "/api/v1/orders/SO-10/cancel", "erp-sim:cancel:SO-10", { reason: "customer cancelled before dispatch" }],
    ]);
    assert.deepEqual(sim.sentFor("SO-10"), ["cancel"]);
    assert.deepEqual([sim.stats().cancellationsSent, sim.stats().cancellationsSentByOrder], [1, { "SO-10": 1 }]);
  });

  test("a 503 from Waybill is retried with the same key and body until Waybill takes the call", async () => {
    const waybill = await startWaybill((n) => (n === 0 ? { status: 503, body: { type: "https://waybill.dev/problems/overloaded" } } : { status: 202 }));
    const { sim, url } = await started(new ErpSimulator({ scenario: { rates: { cancelAfterDispatch: 1 } }, ...FAST_RETRY }));
    sim.setWaybillUrl(waybill.url);
    await reportStatus(url, "SO-11", "out_for_delivery");
    await sim.idle();
    assert.equal(waybill.hits.length, 2);
    const [failed, taken] = waybill.hits;
    assert.deepEqual([taken?.path, taken?.headers["idempotency-key"], taken?.body], [failed?.path, failed?.headers["idempotency-key"], failed?.body]);
    assert.deepEqual(taken?.body, { reason: "customer cancelled after dispatch" });
    const stats = sim.stats();
    assert.deepEqual([stats.waybillCallFailures, stats.cancellationsSent, stats.waybillCallsAbandoned], [1, 1, 0]);
  });

  test("Waybill down (connection refused) is retried, then given up after the last attempt", async () => {
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: "http://127.0.0.1:9", scenario: { rates: { cancelBeforeDispatch: 1 } }, retryDelaysMs: [1], maxAttempts: 3 }));
    await reportStatus(url, "SO-12", "allocated");
    await sim.idle();
    assert.deepEqual([sim.stats().waybillCallFailures, sim.stats().waybillCallsAbandoned, sim.sentFor("SO-12")], [3, 1, []]);
  });

  test("a 404 means Waybill has not saved the order it reported on yet: retried until it has", async () => {
    const waybill = await startWaybill((n) => (n < 2 ? { status: 404, body: { type: "https://waybill.dev/problems/not-found" } } : { status: 202, body: { status: "accepted" } }));
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { cancelBeforeDispatch: 1 } }, ...FAST_RETRY }));
    await reportStatus(url, "SO-12b", "allocated");
    await sim.idle();
    assert.equal(waybill.hits.length, 3);
    assert.deepEqual([sim.stats().waybillCallsRefused, sim.stats().cancellationsSent], [0, 1]);
  });

  test("any other 4xx from Waybill is an answer, not a failure: it is not retried, and counted as refused", async () => {
    const waybill = await startWaybill(() => ({ status: 400, body: { type: "https://waybill.dev/problems/schema-invalid" } }));
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { cancelBeforeDispatch: 1 } }, ...FAST_RETRY }));
    await reportStatus(url, "SO-13", "allocated");
    await sim.idle();
    assert.equal(waybill.hits.length, 1);
    assert.deepEqual([sim.stats().waybillCallsRefused, sim.stats().cancellationsSent], [1, 0]);
  });

  test("an order's script replaces the rates: its change and its cancellation go out on the statuses it names, in order", async () => {
    const waybill = await startWaybill();
    const shipTo = { name: "Ann", line1: "Damrak 2", city: "Amsterdam", postalCode: "1012 LG", country: "NL" };
    const { sim, url } = await started(new ErpSimulator({
      waybillUrl: waybill.url,
      scenario: { rates: { cancelBeforeDispatch: 1 }, orders: { "SO-14": { change: { on: "released", changes: { shipTo } }, cancelOn: "picked" } } },
      ...FAST_RETRY,
    }));
    for (const status of ["released", "allocated", "picked", "packed"]) await reportStatus(url, "SO-14", status);
    await sim.idle();
    assert.deepEqual(waybill.hits.map((h) => [h.method, h.path, h.headers["idempotency-key"], h.body]), [
      ["PATCH", "/api/v1/orders/SO-14", "erp-sim:change:SO-14:released", { shipTo }],
      ["POST", "/api/v1/orders/SO-14/cancel", "erp-sim:cancel:SO-14", { reason: "customer cancelled" }],
    ]);
    assert.deepEqual(sim.sentFor("SO-14"), ["change", "cancel"]);
    assert.deepEqual([sim.stats().changesSent, sim.stats().cancellationsSent], [1, 1]);
  });

  test("addressChange and lateLineChange are derived from the order the ERP released: a neighbour's address, one more of the first line", async () => {
    const waybill = await startWaybill();
    const order = salesOrder("SO-15");
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { addressChange: 1, lateLineChange: 1 } }, ...FAST_RETRY }));
    sim.rememberOrder(order);
    await reportStatus(url, "SO-15", "released");
    await reportStatus(url, "SO-15", "packed");
    await sim.idle();
    const [address, lines] = waybill.hits;
    assert.deepEqual([address?.method, address?.path, address?.body], ["PATCH", "/api/v1/orders/SO-15", { shipTo: { ...order.shipTo, line2: CHANGED_ADDRESS_LINE2 } }]);
    assert.deepEqual(lines?.body.lines.map((l: { qty: number }) => l.qty), [3, 3, 1]);
    assert.deepEqual(lines?.body.lines[0], { ...order.lines[0], qty: 3 });
    assert.deepEqual([address?.headers["idempotency-key"], lines?.headers["idempotency-key"]], ["erp-sim:change:SO-15:released", "erp-sim:change:SO-15:packed"]);
  });

  test("an order the ERP was not told of is read back from Waybill's GET /api/v1/orders/{id} before a change is derived from it, each call with the ERP's API key", async () => {
    const order = salesOrder("SO-16");
    const apiKey = `wb_${"0".repeat(16)}_${"A".repeat(43)}`;
    const waybill = await startWaybill((_n, hit) => (hit.method === "GET" ? { status: 200, body: { orderId: "SO-16", status: "released", order } } : { status: 202 }));
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, apiKey, scenario: { rates: { addressChange: 1 } }, ...FAST_RETRY }));
    await reportStatus(url, "SO-16", "released");
    await sim.idle();
    assert.deepEqual(waybill.hits.map((h) => [h.method, h.path, h.headers.authorization]), [["GET", "/api/v1/orders/SO-16", `Bearer ${apiKey}`], ["PATCH", "/api/v1/orders/SO-16", `Bearer ${apiKey}`]]);
    assert.deepEqual(waybill.hits[1]?.body, { shipTo: { ...order.shipTo, line2: CHANGED_ADDRESS_LINE2 } });
  });

  test("an empty script for an order means its customer does nothing to it, whatever the rates", async () => {
    const waybill = await startWaybill();
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { cancelBeforeDispatch: 1 } }, ...FAST_RETRY }));
    assert.equal((await post(`${url}/_sim/scenario`, { orders: { "SO-17": {} } })).status, 200);
    await reportStatus(url, "SO-17", "allocated");
    await reportStatus(url, "SO-18", "allocated");
    await sim.idle();
    assert.deepEqual(waybill.hits.map((h) => h.path), ["/api/v1/orders/SO-18/cancel"]);
  });

  test("returnAfterDelivery authorises RMA-<orderId> for every line once the order is invoiced", async () => {
    const waybill = await startWaybill();
    const order = salesOrder("SO-19");
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { returnAfterDelivery: 1 } }, ...FAST_RETRY }));
    sim.rememberOrder(order);
    for (const status of ["delivered", "invoiced"]) await reportStatus(url, "SO-19", status);
    await sim.idle();
    assert.deepEqual(waybill.hits.map((h) => [h.method, h.path, h.headers["idempotency-key"], h.body]), [
      ["POST", "/api/v1/orders/SO-19/returns", "erp-sim:return:RMA-SO-19", {
        rma: "RMA-SO-19", reason: "customer returned the goods", lines: order.lines.map(({ lineNo, sku, qty }) => ({ lineNo, sku, qty })),
      }],
    ]);
    assert.deepEqual([sim.stats().returnsSent, sim.stats().returnsSentByOrder], [1, { "SO-19": 1 }]);
  });

  test("the same status reported twice (a new key each time) makes the ERP act once", async () => {
    const waybill = await startWaybill();
    const { sim, url } = await started(new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { cancelBeforeDispatch: 1 } }, ...FAST_RETRY }));
    const at = new Date().toISOString();
    await post(`${url}/api/orders/SO-20/status`, { status: "allocated", at }, "first");
    await post(`${url}/api/orders/SO-20/status`, { status: "allocated", at }, "second");
    await sim.idle();
    assert.deepEqual([waybill.hits.length, sim.statusesFor("SO-20"), sim.sentFor("SO-20")], [1, ["allocated", "allocated"], ["cancel"]]);
  });

  test("stop() drops a call being retried and leaves no timers behind", async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const waybill = await startWaybill(() => ({ status: 503 }));
    const sim = new ErpSimulator({ waybillUrl: waybill.url, scenario: { rates: { cancelBeforeDispatch: 1 } }, retryDelaysMs: [60_000] });
    const { url } = await sim.start();
    await reportStatus(url, "SO-21", "allocated");
    while (waybill.hits.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await sim.stop();
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length, timersBefore);
  });
});
