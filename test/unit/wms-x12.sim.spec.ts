import { createHmac } from "node:crypto";
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ancestorOf, parseInterchange, read856, read945, readFunctionalAck, writeInterchange, type Segment, type X12Transaction,
} from "../../services/mapper/formats/x12/index.ts";
import { WmsX12Simulator } from "../../simulators/index.ts";
import { simulatorScope } from "../helpers/sim-scope.ts";

const { startReceiver, started } = simulatorScope();

const SECRET = "edi-test-secret";
const STEP_MS = 5;
const ORDER_ID = "ord_7f3a";

async function startSim(callbackUrl: string): Promise<{ sim: WmsX12Simulator; url: string }> {
  const sim = new WmsX12Simulator({ callbackUrl, secret: SECRET, stepDelayMs: STEP_MS, retryDelaysMs: [5] });
  return started(sim);
}

/** A 940 as Waybill writes it: W05 with the order id, a ship-to, one LX/W01 per line. */
function order940(controlNumber: number): string {
  const segments: Segment[] = [
    ["W05", "N", ORDER_ID, "PO-77"],
    ["N1", "ST", "Ann de Vries", "ZZ", "CUST-1"],
    ["N3", "Damrak 1"],
    ["N4", "Amsterdam", "", "1012 LG", "NL"],
    ["LX", "1"],
    ["W01", "2", "EA", "", "VN", "SKU-1"],
    ["LX", "2"],
    ["W01", "3", "EA", "", "VN", "SKU-2"],
    ["LX", "3"],
    ["W01", "1", "EA", "", "VN", "SKU-3"],
  ];
  return writeInterchange({ senderId: "WAYBILL", receiverId: "EDI3PL", controlNumber, functionalId: "OW", version: "004010", transactions: [{ code: "940", segments }] });
}

/** Waybill's cancel: a 940 with W0501 "F" naming the order (W0502) and its fulfillment order (W0503), no lines. */
function cancel940(controlNumber: number, orderId = ORDER_ID, purchaseOrder = "PO-77"): string {
  const segments: Segment[] = [["W05", "F", orderId, purchaseOrder], ["NTE", "WHI", "customer cancelled"], ["W76", "0"]];
  return writeInterchange({ senderId: "WAYBILL", receiverId: "EDI3PL", controlNumber, functionalId: "OW", version: "004010", transactions: [{ code: "940", segments }] });
}

async function postEdi(url: string, body: string, key: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${url}/edi`, { method: "POST", headers: { "content-type": "application/edi-x12", "idempotency-key": key }, body });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

function only(raw: string): X12Transaction {
  const tx = parseInterchange(raw).groups[0]?.transactions[0];
  assert.ok(tx, "the interchange carries a transaction");
  return tx;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("WMS X12 simulator (edi-3pl)", () => {
  test("a 940 gets an accepting 997, then a signed 945 and 856 that read back", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim(receiver.url);

    const answer = await postEdi(url, order940(41), "k-1");
    assert.equal(answer.status, 200);
    assert.equal(answer.type, "application/edi-x12");
    const [group] = readFunctionalAck(parseInterchange(answer.text));
    assert.equal(group?.verdict, "accepted");
    assert.deepEqual(group?.transactions.map((t) => [t.code, t.accepted]), [["940", true]]);

    await waitFor(() => receiver.hits.length >= 2, "two webhooks");
    await sim.idle();
    assert.equal(receiver.hits.length, 2);
    for (const hit of receiver.hits) {
      assert.equal(hit.headers["content-type"], "application/edi-x12");
      assert.match(String(hit.headers["x-edi-delivery"]), /^[0-9a-f-]{36}$/);
      const expected = `sha256=${createHmac("sha256", Buffer.from(SECRET, "utf8")).update(hit.raw, "utf8").digest("hex")}`;
      assert.equal(hit.headers["x-edi-signature"], expected);
    }
    const [first, second] = receiver.hits.map((h) => only(h.raw));
    assert.deepEqual([first?.st[1], second?.st[1]], ["945", "856"]);
    const isas = receiver.hits.map((h) => parseInterchange(h.raw).isa);
    assert.ok(Number(isas[1]?.[13]) > Number(isas[0]?.[13]), "each document has its own, increasing, control number");
    assert.equal(isas[0]?.[6]?.trim(), "EDI3PL");
    assert.equal(isas[0]?.[8]?.trim(), "WAYBILL");

    const advice = read945(first!);
    assert.equal(advice.depositorOrderNumber, ORDER_ID);
    assert.deepEqual(advice.lines.map((l) => [l.productId, l.orderedQty, l.shippedQty]), [["SKU-1", 2, 2], ["SKU-2", 3, 3], ["SKU-3", 1, 1]]);
    assert.equal(advice.parties.find((p) => p.code === "ST")?.city, "Amsterdam");
    assert.equal(advice.carrier?.routing, "WAYBILL-LASTMILE");
    const tracking = advice.references.find((r) => r.qualifier === "CN")?.value ?? "";
    assert.match(tracking, /^WBLM\d{12}$/);
    assert.equal(advice.totals?.units, 6);
    const ssccs945 = advice.lines.map((l) => l.cartons[0]?.sscc);
    for (const sscc of ssccs945) assert.match(sscc ?? "", /^\d{18}$/);

    const notice = read856(second!);
    assert.equal(notice.shipmentId, advice.shipmentId);
    const shipment = notice.levels.find((l) => l.levelCode === "S");
    assert.equal(shipment?.carrier?.routing, "WAYBILL-LASTMILE");
    assert.equal(shipment?.references.find((r) => r.qualifier === "CN")?.value, tracking);
    assert.equal(notice.levels.find((l) => l.levelCode === "O")?.purchaseOrder, ORDER_ID);
    const items = notice.levels.filter((l) => l.levelCode === "I");
    const perSku = items.map((i) => [i.item?.ids[0]?.value, i.item?.shippedQty, ancestorOf(notice, i.id, "P")?.cartons[0]?.sscc]);
    assert.deepEqual(perSku, [["SKU-1", 2, ssccs945[0]], ["SKU-2", 3, ssccs945[1]], ["SKU-3", 1, ssccs945[2]]]);

    assert.equal(sim.fulfillmentOrdersFor(ORDER_ID), 1);
    assert.equal(sim.stats().webhooksSent, 2);
  });

  test("a repeated Idempotency-Key replays the 997 and creates nothing", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim(receiver.url);
    const body = order940(42);
    const first = await postEdi(url, body, "k-same");
    const again = await postEdi(url, body, "k-same");
    assert.equal(again.status, 200);
    assert.equal(again.type, "application/edi-x12");
    assert.equal(again.text, first.text);
    await sim.idle();
    const stats = sim.stats();
    assert.equal(stats.fulfillmentOrders, 1);
    assert.deepEqual(stats.fulfillmentOrdersByOrder, { [ORDER_ID]: 1 });
    assert.equal(stats.replays, 1);
    assert.equal(receiver.hits.length, 2);
  });

  test("a body that is not X12 is refused with a JSON 400", async () => {
    const { sim, url } = await startSim("http://127.0.0.1:9/unused");
    const answer = await postEdi(url, "hello, not an interchange", "k-bad");
    assert.equal(answer.status, 400);
    assert.match(answer.type, /application\/json/);
    assert.match((JSON.parse(answer.text) as { error: string }).error, /not an X12 interchange/);
    assert.equal(sim.stats().fulfillmentOrders, 0);
  });

  test("a 940 the reader refuses is rejected in the 997 and ships nothing", async () => {
    const { sim, url } = await startSim("http://127.0.0.1:9/unused");
    const body = writeInterchange({ senderId: "WAYBILL", receiverId: "EDI3PL", controlNumber: 43, functionalId: "OW", version: "004010", transactions: [{ code: "940", segments: [["W05", "N", "", "PO-1"], ["LX", "1"], ["W01", "1", "EA", "", "VN", "SKU-1"]] }] });
    const answer = await postEdi(url, body, "k-refused");
    assert.equal(answer.status, 200);
    const [group] = readFunctionalAck(parseInterchange(answer.text));
    assert.equal(group?.verdict, "rejected");
    assert.equal(sim.stats().fulfillmentOrders, 0);
  });

  test("a 940 with W0501 F is acknowledged and stops that order's pending 945 and 856, while other orders still ship", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new WmsX12Simulator({ callbackUrl: receiver.url, secret: SECRET, stepDelayMs: 200, retryDelaysMs: [5] }));
    assert.equal((await postEdi(url, order940(51), "k-order")).status, 200);
    const other = order940(52).replace(`W05*N*${ORDER_ID}*`, "W05*N*ord_other*");
    assert.equal((await postEdi(url, other, "k-other")).status, 200);

    const answer = await postEdi(url, cancel940(53), "k-cancel");
    assert.equal(answer.status, 200);
    const [group] = readFunctionalAck(parseInterchange(answer.text));
    assert.deepEqual([group?.verdict, group?.transactions.map((t) => [t.code, t.accepted])], ["accepted", [["940", true]]]);
    await sim.idle();
    assert.deepEqual(receiver.hits.map((h) => [only(h.raw).st[1], read945or856Order(h.raw)]), [["945", "ord_other"], ["856", "ord_other"]]);
    const stats = sim.stats();
    assert.deepEqual([stats.cancellations, stats.cancellationsByOrder, stats.fulfillmentOrders], [1, { [ORDER_ID]: 1 }, 2]);
  });

  test("a cancel once the 945 went out is too late: the 856 still follows and nothing counts as cancelled", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await startSim(receiver.url);
    await postEdi(url, order940(61), "k-order");
    await waitFor(() => receiver.hits.length >= 1, "the 945");
    assert.equal((await postEdi(url, cancel940(62), "k-cancel")).status, 200);
    await sim.idle();
    assert.deepEqual(receiver.hits.map((h) => only(h.raw).st[1]), ["945", "856"]);
    assert.deepEqual([sim.stats().cancellations, sim.stats().cancellationsByOrder], [0, {}]);
  });

  test("a cancel naming another purchase order of the same order leaves this one shipping", async () => {
    const receiver = await startReceiver();
    const { sim, url } = await started(new WmsX12Simulator({ callbackUrl: receiver.url, secret: SECRET, stepDelayMs: 200, retryDelaysMs: [5] }));
    await postEdi(url, order940(71), "k-order");
    await postEdi(url, cancel940(72, ORDER_ID, "PO-OTHER"), "k-cancel");
    assert.equal(receiver.hits.length, 0, "the cancel came before the 945");
    await sim.idle();
    assert.equal(receiver.hits.length, 2);
    assert.equal(sim.stats().cancellations, 0);
  });

  test("a cancelling 940 without W0502 is rejected in the 997 and cancels nothing", async () => {
    const { sim, url } = await started(new WmsX12Simulator({ secret: SECRET, stepDelayMs: 600_000 }));
    await postEdi(url, order940(81), "k-order");
    const answer = await postEdi(url, cancel940(82, ""), "k-cancel");
    const [group] = readFunctionalAck(parseInterchange(answer.text));
    assert.equal(group?.verdict, "rejected");
    assert.equal(sim.stats().cancellations, 0);
  });
});

/** The order a 945 (W0602) or 856 (PRF01) is about. */
function read945or856Order(raw: string): string | undefined {
  const tx = only(raw);
  return tx.st[1] === "945" ? read945(tx).depositorOrderNumber : read856(tx).levels.find((l) => l.levelCode === "O")?.purchaseOrder;
}
