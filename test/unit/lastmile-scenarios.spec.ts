import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LastMileSimulator, type LastMileOptions } from "../../simulators/index.ts";
import type { LastMileOrderStats } from "../../simulators/lastmile-stats.ts";
import type { Hit } from "../helpers/sim-scope.ts";
import { simulatorScope } from "../helpers/sim-scope.ts";

const { startReceiver, started } = simulatorScope();

const ONFLEET_SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const STEP_MS = 5;
const LIFECYCLE = ["taskAssigned", "taskStarted", "taskEta", "taskArrival"];
const DELIVERED = [...LIFECYCLE, "taskCompleted"];
const FAILED = [...LIFECYCLE, "taskFailed"];
const DEFAULT_SCENARIO = { rates: {}, failureReasons: ["NOBODY"], orders: {} };

interface Answer {
  status: number;
  body: any;
}

async function call(url: string, method: string, body?: unknown, key?: string): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

function task(orderId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    destination: { address: { unparsed: "Damrak 1, 1012 LG Amsterdam, NL" } },
    recipients: [{ name: "Ann de Vries", phone: "+31612345678" }],
    completeAfter: 1_740_988_800_000,
    completeBefore: 1_741_003_200_000,
    metadata: [
      { name: "orderId", type: "string", value: orderId, visibility: ["api"] },
      { name: "deliveryJobId", type: "string", value: `DJ-${orderId}`, visibility: ["api"] },
    ],
    ...extra,
  };
}

function pickup(orderId: string, rma: string): Record<string, unknown> {
  return task(orderId, {
    pickupTask: true,
    metadata: [
      { name: "orderId", type: "string", value: orderId, visibility: ["api"] },
      { name: "rma", type: "string", value: rma, visibility: ["api"] },
      { name: "deliveryJobId", type: "string", value: `RJ-${rma}`, visibility: ["api"] },
    ],
  });
}

function counts(partial: Partial<LastMileOrderStats>): LastMileOrderStats {
  return { deliveryTasks: 0, attempts: 0, failedAttempts: 0, clones: 0, cancellations: 0, updates: 0, returnPickups: 0, ...partial };
}

/** Every webhook carries Onfleet's signature: hex HMAC-SHA512 over the raw body, keyed with the hex-decoded secret. */
function assertSigned(hits: Hit[]): void {
  const key = Buffer.from(ONFLEET_SECRET, "hex");
  for (const hit of hits) assert.equal(hit.headers["x-onfleet-signature"], createHmac("sha512", key).update(hit.raw).digest("hex"));
}

/** The triggers each task was reported through, and how its attempt ended, in the order tasks were first reported. */
function byTask(hits: Hit[]): { taskId: string; triggers: string[]; outcome: { success: boolean; failureReason: string; failureNotes: string } }[] {
  const tasks = new Map<string, Hit[]>();
  for (const hit of hits) tasks.set(hit.body.taskId, [...(tasks.get(hit.body.taskId) ?? []), hit]);
  return [...tasks].map(([taskId, own]) => {
    const done = own.at(-1)?.body.data.task.completionDetails;
    return { taskId, triggers: own.map((h) => h.body.triggerName), outcome: { success: done.success, failureReason: done.failureReason, failureNotes: done.failureNotes } };
  });
}

async function scenarioSim(options: Partial<LastMileOptions> = {}) {
  const receiver = await startReceiver();
  const { sim, url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS, ...options }));
  /** Creates the order's task, then clones each task after its lifecycle ended, as Waybill schedules re-attempts. */
  async function attempts(orderId: string, n: number): Promise<string[]> {
    const ids = [(await call(`${url}/api/v2/tasks`, "POST", task(orderId), `task-${orderId}`)).body.id as string];
    await sim.idle();
    for (let attempt = 2; attempt <= n; attempt++) {
      const clone = await call(`${url}/api/v2/tasks/${ids.at(-1)}/clone`, "POST", { options: { includeMetadata: true } }, `clone-${orderId}-${attempt}`);
      assert.equal(clone.status, 201);
      ids.push(clone.body.id);
      await sim.idle();
    }
    return ids;
  }
  return { sim, url, receiver, attempts };
}

describe("last-mile scenario controls", () => {
  test("GET /_sim/scenario shows the defaults: no rates, NOBODY as the failure reason, no scripts", async () => {
    const { url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    assert.deepEqual(await call(`${url}/_sim/scenario`, "GET"), { status: 200, body: DEFAULT_SCENARIO });
  });

  test("POST /_sim/scenario merges rates by name, scripts by order and field, and replaces the failure reasons", async () => {
    const { sim, url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    await call(`${url}/_sim/scenario`, "POST", { rates: { failedDelivery: 0.5 }, orders: { "SO-1": { failAttempts: 2 } } });
    const merged = await call(`${url}/_sim/scenario`, "POST", {
      rates: { failedAgain: 0.25 },
      failureReasons: ["INCORRECT_ADDRESS", "REFUSED"],
      orders: { "SO-1": { failureReason: "REFUSED" }, "SO-2": { failAttempts: 0 } },
    });
    const expected = {
      rates: { failedDelivery: 0.5, failedAgain: 0.25 },
      failureReasons: ["INCORRECT_ADDRESS", "REFUSED"],
      orders: { "SO-1": { failAttempts: 2, failureReason: "REFUSED" }, "SO-2": { failAttempts: 0 } },
    };
    assert.deepEqual(merged, { status: 200, body: expected });
    assert.deepEqual((await call(`${url}/_sim/scenario`, "GET")).body, expected);
    assert.deepEqual(sim.scenario(), expected);
  });

  test("an invalid scenario is refused with 400 naming the problem, and changes nothing", async () => {
    const { url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    const refusals: [unknown, RegExp][] = [
      [{ rates: { failedPickup: 1 } }, /unknown rate 'failedPickup'/],
      [{ rates: { failedDelivery: 1.5 } }, /rate 'failedDelivery' must be a number from 0 to 1/],
      [{ failureReasons: [] }, /failureReasons must be a non-empty array/],
      [{ failureReasons: ["nobody"] }, /failureReasons\[0\] must be an upper-case failure code/],
      [{ failureReasons: ["NONE"] }, /cannot be NONE/],
      [{ orders: { "SO-1": { failAttempts: -1 } } }, /orders\.SO-1\.failAttempts must be an integer/],
      [{ orders: { "SO-1": { failAttempts: 1.5 } } }, /orders\.SO-1\.failAttempts must be an integer/],
      [{ orders: { "SO-1": { cancelOn: "allocated" } } }, /unknown field 'cancelOn' in orders\.SO-1/],
      [{ orders: ["SO-1"] }, /orders must be an object/],
      [{ rates: { failedDelivery: 1 }, retries: 3 }, /unknown scenario field 'retries'/],
      [[], /scenario must be a JSON object/],
    ];
    for (const [body, message] of refusals) {
      const answer = await call(`${url}/_sim/scenario`, "POST", body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.error, message);
    }
    assert.deepEqual(await call(`${url}/_sim/scenario`, "POST", "{not json"), { status: 400, body: { error: "body is not JSON" } });
    assert.equal((await fetch(`${url}/_sim/scenario`, { method: "POST" })).status, 400, "an empty body is no scenario");
    assert.deepEqual((await call(`${url}/_sim/scenario`, "GET")).body, DEFAULT_SCENARIO);
  });

  test("the scenario option takes the same shape, and an invalid one stops construction", async () => {
    const scenario = { rates: { failedDelivery: 1 }, failureReasons: ["REFUSED"], orders: { "SO-1": { failAttempts: 0 } } };
    const { url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET, scenario }));
    assert.deepEqual((await call(`${url}/_sim/scenario`, "GET")).body, scenario);
    assert.throws(() => new LastMileSimulator({ secret: ONFLEET_SECRET, scenario: { rates: { failedDelivery: 2 } } }), /must be a number from 0 to 1/);
  });

  test("scenario calls are neither recorded as partner requests nor met by API faults", async () => {
    const { sim, url } = await started(new LastMileSimulator({ secret: ONFLEET_SECRET }));
    sim.setFaults({ mode: "error500" });
    assert.equal((await call(`${url}/_sim/scenario`, "POST", { rates: { failedDelivery: 1 } })).status, 200);
    assert.deepEqual(sim.received(), []);
    assert.equal(sim.stats().faultsServed, 0);
  });
});

describe("last-mile delivery attempts", () => {
  test("without a scenario the first attempt delivers, and the stats count one task and one attempt", async () => {
    const { sim, url, receiver, attempts } = await scenarioSim();
    const [id] = await attempts("SO-1", 1);
    assertSigned(receiver.hits);
    assert.deepEqual(byTask(receiver.hits), [{ taskId: id, triggers: DELIVERED, outcome: { success: true, failureReason: "NONE", failureNotes: "" } }]);
    assert.deepEqual(receiver.hits.map((h) => h.body.triggerId), [9, 0, 1, 2, 3]);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 1 }));
    const stats = (await call(`${url}/_sim/stats`, "GET")).body;
    assert.deepEqual([stats.tasks, stats.tasksByOrder, stats.byOrder], [1, { "SO-1": 1 }, { "SO-1": counts({ deliveryTasks: 1, attempts: 1 }) }]);
  });

  test("a script of two failed attempts fails the task and its first clone with the scripted reason, and the second clone delivers", async () => {
    const { sim, receiver, attempts } = await scenarioSim({ scenario: { orders: { "SO-1": { failAttempts: 2, failureReason: "REFUSED" } } } });
    const ids = await attempts("SO-1", 3);
    assertSigned(receiver.hits);
    const refused = { success: false, failureReason: "REFUSED", failureNotes: "The recipient refused the parcel" };
    assert.deepEqual(byTask(receiver.hits), [
      { taskId: ids[0], triggers: FAILED, outcome: refused },
      { taskId: ids[1], triggers: FAILED, outcome: refused },
      { taskId: ids[2], triggers: DELIVERED, outcome: { success: true, failureReason: "NONE", failureNotes: "" } },
    ]);
    assert.deepEqual(receiver.hits.map((h) => h.body.triggerId), [9, 0, 1, 2, 4, 9, 0, 1, 2, 4, 9, 0, 1, 2, 3]);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 3, failedAttempts: 2, clones: 2 }));
    assert.deepEqual(sim.stats().tasksByOrder, { "SO-1": 1 }, "clones are re-attempts, not duplicate tasks");
  });

  test("at rate failedDelivery 1 the first attempt fails with NOBODY and the re-attempt delivers", async () => {
    const { sim, receiver, attempts } = await scenarioSim({ scenario: { rates: { failedDelivery: 1 } } });
    await attempts("SO-1", 2);
    assert.deepEqual(byTask(receiver.hits).map((t) => [t.triggers.at(-1), t.outcome.failureReason]), [["taskFailed", "NOBODY"], ["taskCompleted", "NONE"]]);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 2, failedAttempts: 1, clones: 1 }));
  });

  test("at rate failedAgain 1 the re-attempt fails too and the third attempt delivers", async () => {
    const { sim, receiver, attempts } = await scenarioSim({ scenario: { rates: { failedDelivery: 1, failedAgain: 1 } } });
    await attempts("SO-1", 3);
    assert.deepEqual(byTask(receiver.hits).map((t) => t.triggers.at(-1)), ["taskFailed", "taskFailed", "taskCompleted"]);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 3, failedAttempts: 2, clones: 2 }));
  });

  test("failedAgain alone fails nothing: it only applies to orders whose first attempt failed", async () => {
    const { receiver, attempts } = await scenarioSim({ scenario: { rates: { failedAgain: 1 } } });
    await attempts("SO-1", 1);
    assert.deepEqual(byTask(receiver.hits).map((t) => t.triggers.at(-1)), ["taskCompleted"]);
  });

  test("a failing attempt draws its reason from failureReasons, the same one for the same order and attempt in every run", async () => {
    const reasons = ["NOBODY", "INCORRECT_ADDRESS", "REFUSED"];
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const { receiver, attempts } = await scenarioSim({ scenario: { rates: { failedDelivery: 1, failedAgain: 1 }, failureReasons: reasons } });
      for (const orderId of ["SO-1", "SO-2", "SO-3", "SO-4"]) await attempts(orderId, 2);
      runs.push(byTask(receiver.hits).map((t) => t.outcome.failureReason));
    }
    assert.deepEqual(runs[1], runs[0]);
    assert.equal(runs[0]?.length, 8);
    assert.ok(runs[0]?.every((reason) => reasons.includes(reason)), runs[0]?.join(", "));
  });

  test("rates pick the same orders in every simulator, and a rate of one half picks some orders but not all", async () => {
    const orders = Array.from({ length: 20 }, (_, i) => `SO-${i + 1}`);
    const failed: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const { receiver, url, sim } = await scenarioSim({ scenario: { rates: { failedDelivery: 0.5 } } });
      for (const orderId of orders) await call(`${url}/api/v2/tasks`, "POST", task(orderId), `task-${orderId}`);
      await sim.idle();
      failed.push(receiver.hits.filter((h) => h.body.triggerName === "taskFailed").map((h) => h.body.data.task.metadata[0].value).sort());
    }
    assert.deepEqual(failed[1], failed[0]);
    assert.ok(failed[0]!.length > 0 && failed[0]!.length < orders.length, `failed: ${failed[0]?.join(", ")}`);
  });

  test("a per-order script overrides the rates and failDeliveries, for that order only", async () => {
    const { sim, url, receiver } = await scenarioSim({ failDeliveries: true, scenario: { rates: { failedDelivery: 1 } } });
    await call(`${url}/_sim/scenario`, "POST", { orders: { "SO-1": { failAttempts: 0 } } });
    await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1");
    await call(`${url}/api/v2/tasks`, "POST", task("SO-2"), "task-SO-2");
    await sim.idle();
    const outcome = (orderId: string) => receiver.hits.filter((h) => h.body.data.task.metadata[0].value === orderId).at(-1)?.body.triggerName;
    assert.deepEqual([outcome("SO-1"), outcome("SO-2")], ["taskCompleted", "taskFailed"]);
  });

  test("with failDeliveries every attempt fails, re-attempts included", async () => {
    const { sim, receiver, attempts } = await scenarioSim({ failDeliveries: true });
    await attempts("SO-1", 3);
    assert.deepEqual(byTask(receiver.hits).map((t) => [t.triggers.at(-1), t.outcome.failureReason]), [["taskFailed", "NOBODY"], ["taskFailed", "NOBODY"], ["taskFailed", "NOBODY"]]);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 3, failedAttempts: 3, clones: 2 }));
  });

  test("a scenario set while a task runs decides its outcome, as the attempt is counted when it ends", async () => {
    const { sim, url, receiver } = await scenarioSim({ stepDelayMs: 40 });
    await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1");
    sim.setScenario({ orders: { "SO-1": { failAttempts: 1, failureReason: "INCORRECT_ADDRESS" } } });
    await sim.idle();
    assert.deepEqual(byTask(receiver.hits)[0]?.outcome, { success: false, failureReason: "INCORRECT_ADDRESS", failureNotes: "The address could not be found" });
  });
});

describe("last-mile re-attempt by clone", () => {
  test("a clone is a new unassigned task naming its source, with metadata copied, overridden by name, and the new window", async () => {
    const { url } = await scenarioSim({ stepDelayMs: 600_000 });
    const source = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    const overrides = { completeAfter: 1_741_075_200_000, completeBefore: 1_741_089_600_000, metadata: [{ name: "attempt", type: "number", value: 2, visibility: ["api"] }] };
    const clone = await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", { options: { includeMetadata: true, overrides } }, "clone-1");
    assert.equal(clone.status, 201);
    const { id, shortId, trackingURL, state, sourceTaskId, metadata, completeAfter, completeBefore, destination, recipients, pickupTask, worker } = clone.body;
    assert.match(id, /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(id, source.id);
    assert.notEqual(shortId, source.shortId);
    assert.equal(trackingURL, `${url}/track/${shortId}`);
    assert.deepEqual([state, sourceTaskId, pickupTask, worker], [0, source.id, false, null]);
    assert.deepEqual(metadata, [...source.metadata, ...overrides.metadata]);
    assert.deepEqual([completeAfter, completeBefore], [overrides.completeAfter, overrides.completeBefore]);
    assert.deepEqual([destination.address, destination.location, recipients], [source.destination.address, source.destination.location, source.recipients]);
    assert.deepEqual((await call(`${url}/api/v2/tasks/${id}`, "GET")).body, clone.body);
  });

  test("an overriding metadata entry replaces the copied one of the same name; without includeMetadata only the overrides remain", async () => {
    const { url } = await scenarioSim({ stepDelayMs: 600_000 });
    const source = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    const job = { name: "deliveryJobId", type: "string", value: "DJ-SO-1-b", visibility: ["api"] };
    const replaced = await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", { options: { includeMetadata: true, overrides: { metadata: [job] } } }, "clone-1");
    assert.deepEqual(replaced.body.metadata, [source.metadata[0], job]);
    const bare = await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", undefined, "clone-2");
    assert.deepEqual([bare.status, bare.body.metadata, bare.body.completeAfter], [201, [], source.completeAfter]);
  });

  test("a replayed clone answers with the same task and starts no second attempt", async () => {
    const { sim, url, receiver } = await scenarioSim();
    const source = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    await sim.idle();
    const first = await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", { options: { includeMetadata: true } }, "clone-SO-1-2");
    const again = await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", { options: { includeMetadata: true } }, "clone-SO-1-2");
    await sim.idle();
    assert.deepEqual([first.status, again.status, again.body.id], [201, 200, first.body.id]);
    assert.equal(receiver.hits.length, 10);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 2, clones: 1 }));
  });

  test("cloning an unknown or deleted task is 404, a bad body 400, and neither clones anything", async () => {
    const { sim, url } = await scenarioSim({ stepDelayMs: 600_000 });
    const source = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    const bad: [unknown, string][] = [
      [{ options: "all" }, "body.options must be an object"],
      [{ options: { includeMetadata: "yes" } }, "body.options.includeMetadata must be a boolean"],
      [{ options: { overrides: { completeAfter: "tomorrow" } } }, "body.options.overrides.completeAfter must be epoch milliseconds"],
      [{ options: { overrides: { metadata: {} } } }, "body.options.overrides.metadata must be an array"],
      [{ options: { overrides: { metadata: [{ name: "attempt" }] } } }, "body.options.overrides.metadata[0] needs a name, a type and a value"],
      [{ options: { overrides: { completeAfter: 2_000_000_000_000, completeBefore: 1_000_000_000_000 } } }, "completeAfter must be before completeBefore"],
    ];
    for (const [i, [body, error]] of bad.entries()) assert.deepEqual(await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", body, `bad-${i}`), { status: 400, body: { error } });
    assert.deepEqual(await call(`${url}/api/v2/tasks/nosuchtask/clone`, "POST", {}, "unknown"), { status: 404, body: { error: "task not found" } });
    await call(`${url}/api/v2/tasks/${source.id}`, "DELETE");
    assert.equal((await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", {}, "deleted")).status, 404);
    assert.equal((await call(`${url}/api/v2/tasks/${source.id}/clone`, "POST", {})).status, 400, "a clone needs an Idempotency-Key");
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, cancellations: 1 }));
    assert.equal(sim.stats().tasks, 1);
  });
});

describe("last-mile cancellation", () => {
  test("deleting an open task answers 200, again 200 when repeated, counts one cancellation and sends nothing more", async () => {
    const { sim, url, receiver } = await scenarioSim({ stepDelayMs: 600_000 });
    const created = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    const first = await call(`${url}/api/v2/tasks/${created.id}`, "DELETE");
    const again = await call(`${url}/api/v2/tasks/${created.id}`, "DELETE");
    assert.deepEqual([first, again], [{ status: 200, body: { id: created.id, deleted: true } }, { status: 200, body: { id: created.id, deleted: true } }]);
    assert.equal((await call(`${url}/api/v2/tasks/${created.id}`, "GET")).status, 404, "a deleted task is gone");
    await sim.idle();
    assert.deepEqual(receiver.hits, []);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, cancellations: 1 }));
  });

  test("deleting a completed task is 409, and an unknown one 404", async () => {
    const { sim, url } = await scenarioSim();
    const created = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    await sim.idle();
    assert.deepEqual(await call(`${url}/api/v2/tasks/${created.id}`, "DELETE"), { status: 409, body: { error: "task already completed", id: created.id } });
    assert.deepEqual(await call(`${url}/api/v2/tasks/nosuchtask`, "DELETE"), { status: 404, body: { error: "task not found" } });
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 1 }));
  });
});

describe("last-mile task update", () => {
  const change = { destination: { address: { unparsed: "Prinsengracht 263, 1016 GV Amsterdam, NL" } }, completeAfter: 1_741_075_200_000, completeBefore: 1_741_089_600_000 };

  test("an unassigned task takes a new address and window, answers 200 with the task, and its webhooks then carry them", async () => {
    const { sim, url, receiver } = await scenarioSim({ stepDelayMs: 100 });
    const created = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    const updated = await call(`${url}/api/v2/tasks/${created.id}`, "PUT", change);
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body.destination.address, change.destination.address);
    assert.notDeepEqual(updated.body.destination.location, created.destination.location, "the new address is geocoded again");
    assert.deepEqual([updated.body.completeAfter, updated.body.completeBefore, updated.body.id], [change.completeAfter, change.completeBefore, created.id]);
    await sim.idle();
    assertSigned(receiver.hits);
    assert.deepEqual(receiver.hits.map((h) => h.body.triggerName), DELIVERED);
    assert.ok(receiver.hits.every((h) => h.body.data.task.destination.address.unparsed === change.destination.address.unparsed));
    assert.deepEqual(receiver.hits.at(-1)?.body.data.task.completionDetails.lastLocation, updated.body.destination.location);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, attempts: 1, updates: 1 }));
  });

  test("an update is 409 once the driver started, and once the task completed, and neither counts", async () => {
    // The receiver takes assigned and started, then refuses: the task stays active while its ETA is retried.
    const receiver = await startReceiver((n) => (n < 2 ? 200 : 503));
    const { sim, url } = await started(new LastMileSimulator({ callbackUrl: receiver.url, secret: ONFLEET_SECRET, stepDelayMs: STEP_MS, retryDelaysMs: [60_000] }));
    const active = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    while (receiver.hits.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(await call(`${url}/api/v2/tasks/${active.id}`, "PUT", change), { status: 409, body: { error: "task already started", id: active.id } });

    const done = await scenarioSim();
    const completed = (await call(`${done.url}/api/v2/tasks`, "POST", task("SO-2"), "task-SO-2")).body;
    await done.sim.idle();
    assert.deepEqual(await call(`${done.url}/api/v2/tasks/${completed.id}`, "PUT", change), { status: 409, body: { error: "task already completed", id: completed.id } });
    assert.deepEqual([sim.orderStats("SO-1").updates, done.sim.orderStats("SO-2").updates], [0, 0]);
  });

  test("a bad update is 400, an unknown or deleted task 404, and neither counts", async () => {
    const { sim, url } = await scenarioSim({ stepDelayMs: 600_000 });
    const created = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    const bad: [unknown, string][] = [
      [{ destination: { address: {} } }, "body.destination.address.unparsed must be a non-empty string"],
      [{ completeBefore: "tonight" }, "body.completeBefore must be epoch milliseconds"],
      [{ completeAfter: created.completeBefore }, "completeAfter must be before completeBefore"],
      [{ notes: 7 }, "body.notes must be a string"],
      [[change], "body must be a JSON object"],
    ];
    for (const [body, error] of bad) assert.deepEqual(await call(`${url}/api/v2/tasks/${created.id}`, "PUT", body), { status: 400, body: { error } });
    assert.equal((await call(`${url}/api/v2/tasks/nosuchtask`, "PUT", change)).status, 404);
    await call(`${url}/api/v2/tasks/${created.id}`, "DELETE");
    assert.equal((await call(`${url}/api/v2/tasks/${created.id}`, "PUT", change)).status, 404);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ deliveryTasks: 1, cancellations: 1 }));
  });
});

describe("last-mile return pickups", () => {
  test("a pickup task runs the lifecycle to a successful completion, even when every delivery fails, and counts as a return pickup", async () => {
    const { sim, url, receiver } = await scenarioSim({ failDeliveries: true, scenario: { rates: { failedDelivery: 1 }, orders: { "SO-1": { failAttempts: 3 } } } });
    const created = await call(`${url}/api/v2/tasks`, "POST", pickup("SO-1", "RMA-SO-1"), "pickup-RMA-SO-1");
    assert.deepEqual([created.status, created.body.pickupTask, created.body.state], [201, true, 0]);
    await sim.idle();
    assertSigned(receiver.hits);
    assert.deepEqual(byTask(receiver.hits), [{ taskId: created.body.id, triggers: DELIVERED, outcome: { success: true, failureReason: "NONE", failureNotes: "" } }]);
    assert.ok(receiver.hits.every((h) => h.body.data.task.pickupTask === true));
    assert.deepEqual(receiver.hits.at(-1)?.body.data.task.metadata.map((m: { name: string; value: string }) => [m.name, m.value]), [["orderId", "SO-1"], ["rma", "RMA-SO-1"], ["deliveryJobId", "RJ-RMA-SO-1"]]);
    assert.deepEqual(sim.orderStats("SO-1"), counts({ returnPickups: 1 }));
    assert.deepEqual(sim.stats().tasksByOrder, {}, "a pickup is no delivery task");
  });

  test("a pickupTask that is not a boolean is refused with 400", async () => {
    const { sim, url } = await scenarioSim();
    assert.deepEqual(await call(`${url}/api/v2/tasks`, "POST", task("SO-1", { pickupTask: "yes" }), "t1"), { status: 400, body: { error: "body.pickupTask must be a boolean" } });
    assert.equal(sim.stats().tasks, 0);
  });
});

describe("last-mile stats per order", () => {
  test("/_sim/stats reports every count of every order after a mixed run", async () => {
    // Slow enough that SO-2 sent nothing yet when it is updated and deleted, even on a busy machine.
    const { sim, url } = await scenarioSim({ stepDelayMs: 150, scenario: { orders: { "SO-1": { failAttempts: 1 } } } });
    const first = (await call(`${url}/api/v2/tasks`, "POST", task("SO-1"), "task-SO-1")).body;
    const second = (await call(`${url}/api/v2/tasks`, "POST", task("SO-2"), "task-SO-2")).body;
    assert.equal((await call(`${url}/api/v2/tasks/${second.id}`, "PUT", { completeBefore: 1_741_010_000_000 })).status, 200);
    assert.equal((await call(`${url}/api/v2/tasks/${second.id}`, "DELETE")).status, 200);
    await sim.idle();
    await call(`${url}/api/v2/tasks/${first.id}/clone`, "POST", { options: { includeMetadata: true } }, "clone-SO-1");
    await call(`${url}/api/v2/tasks`, "POST", pickup("SO-3", "RMA-SO-3"), "pickup-SO-3");
    await sim.idle();
    const stats = (await call(`${url}/_sim/stats`, "GET")).body;
    assert.deepEqual(stats.byOrder, {
      "SO-1": counts({ deliveryTasks: 1, attempts: 2, failedAttempts: 1, clones: 1 }),
      "SO-2": counts({ deliveryTasks: 1, updates: 1, cancellations: 1 }),
      "SO-3": counts({ returnPickups: 1 }),
    });
    assert.deepEqual([stats.tasks, stats.tasksByOrder, stats.webhooksSent], [4, { "SO-1": 1, "SO-2": 1 }, 15]);
  });
});
