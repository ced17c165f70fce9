import { badRequest, checkFields, isRecord } from "./body-checks.ts";
import { bookingProblem, newBooking, type Booking } from "./lastmile-booking.ts";
import { LastMileScenarioControl, type LastMileScenario } from "./lastmile-scenario.ts";
import { OrderCounters, type LastMileOrderStats } from "./lastmile-stats.ts";
import { TASK_STATE, newTask, onfleetId, type OnfleetTask, type TaskInput } from "./lastmile-task.ts";
import { applyChange, cloneOptions, cloneTask, taskChange, windowProblem } from "./lastmile-task-edits.ts";
import { PROGRESS_TRIGGERS, taskWebhook } from "./lastmile-webhooks.ts";
import type { SimReply, SimRequest } from "./sim-server.ts";
import type { Delivery, WebhookSimOptions } from "./webhook-sender.ts";
import { WebhookSimulator, type WebhookSimulatorStats } from "./webhook-simulator.ts";
import { MasterDataBook, type MasterDataStats } from "./master-data-book.ts";

export const LASTMILE_PARTNER_ID = "onfleet";

export interface LastMileOptions extends WebhookSimOptions {
  /** Every delivery attempt fails (nobody home) instead of completing, unless a per-order script says otherwise. */
  failDeliveries?: boolean;
  /** The exceptions to play, as `POST /_sim/scenario` takes them; checked at construction. */
  scenario?: LastMileScenario;
  /** Which courier this is: several couriers run their dispatch on Onfleet, each its own account. */
  partnerId?: string;
}

export interface LastMileStats extends WebhookSimulatorStats {
  /** Every task: delivery tasks, clones and pickups. */
  tasks: number;
  bookings: number;
  /** Delivery tasks created per order (no clones, no pickups): more than one is a duplicate. */
  tasksByOrder: Record<string, number>;
  byOrder: Record<string, LastMileOrderStats>;
  /** Recipients the ERP's customers were synchronised into; present once any arrived. */
  recipients?: MasterDataStats;
}

const NOT_FOUND: SimReply = { status: 404, body: { error: "task not found" } };

/**
 * Onfleet API v2 as Waybill meets it: tasks created, cloned for a re-attempt, updated and deleted,
 * pickups for returns, and each task's lifecycle pushed as Onfleet-shaped webhooks signed with
 * Onfleet's HMAC-SHA512 scheme. Whether a delivery attempt fails follows the scenario and the
 * order's attempt number. It also books carrier labels, EasyPost style, for flows that only need a
 * label and no webhooks.
 */
export class LastMileSimulator extends WebhookSimulator {
  readonly partnerId: string;
  /** Every task with the order it serves, read from its metadata once (a clone's may lack it). */
  private readonly tasks = new Map<string, { task: OnfleetTask; orderId: string }>();
  private readonly deleted = new Set<string>();
  private readonly counters = new OrderCounters();
  private readonly bookings = new Map<string, Booking>();
  private readonly scenarioControl: LastMileScenarioControl;
  /** Recipients, taken in bulk and keyed by the customer id in their metadata. */
  private readonly recipients = new MasterDataBook("recipients", { name: "string", metadata: "array" }, (r) => customerIdOf(r));
  private readonly ids = { organization: onfleetId(), admin: onfleetId(), worker: onfleetId() };

  constructor(private readonly options: LastMileOptions) {
    super(options, (self) => {
      const me = self as LastMileSimulator;
      return [
        { method: "POST", pattern: "/api/v2/tasks", handle: (req) => me.create(req) },
        { method: "POST", pattern: "/api/v2/tasks/:id/clone", handle: (req) => me.clone(req) },
        { method: "GET", pattern: "/api/v2/tasks/:id", handle: (req) => me.show(req) },
        { method: "PUT", pattern: "/api/v2/tasks/:id", handle: (req) => me.update(req) },
        { method: "DELETE", pattern: "/api/v2/tasks/:id", handle: (req) => me.remove(req) },
        { method: "POST", pattern: "/api/v2/shipments", handle: (req) => me.book(req) },
        { method: "GET", pattern: "/api/v2/shipments/:id", handle: (req) => me.showBooking(req) },
        { method: "POST", pattern: "/api/v2/recipients/batch", handle: (req) => me.recipients.take(req.body, (created) => ({ created })) },
        { method: "GET", pattern: "/_sim/scenario", handle: () => ({ status: 200, body: me.scenario() }) },
        { method: "POST", pattern: "/_sim/scenario", handle: (req) => me.changeScenario(req.body) },
      ];
    });
    this.scenarioControl = new LastMileScenarioControl(options.scenario, options.failDeliveries ?? false);
    this.partnerId = options.partnerId ?? LASTMILE_PARTNER_ID;
  }

  override stats(): LastMileStats {
    return {
      tasks: this.tasks.size,
      bookings: this.bookings.size,
      ...this.webhookStats(),
      tasksByOrder: this.counters.only("deliveryTasks"),
      byOrder: this.counters.all(),
      ...(this.recipients.stats().batches > 0 ? { recipients: this.recipients.stats() } : {}),
    };
  }

  /** Delivery tasks created for the order, clones and pickups left out. */
  tasksFor(orderId: string): number {
    return this.counters.of(orderId).deliveryTasks;
  }

  orderStats(orderId: string): LastMileOrderStats {
    return this.counters.of(orderId);
  }

  scenario(): Required<LastMileScenario> {
    return this.scenarioControl.get();
  }

  /** Merges a change into the scenario, as `POST /_sim/scenario` does; throws on what it would refuse. */
  setScenario(change: LastMileScenario): Required<LastMileScenario> {
    return this.scenarioControl.set(change);
  }

  private changeScenario(body: unknown): SimReply {
    try {
      return { status: 200, body: this.scenarioControl.set(body) };
    } catch (err: unknown) {
      return badRequest(err instanceof Error ? err.message : String(err));
    }
  }

  private create(req: SimRequest): SimReply {
    const problem = checkFields(req.body, { destination: "object", metadata: "array" }) ?? checkFields((req.body as { destination: unknown }).destination, { address: "object" }, "body.destination");
    if (problem !== undefined) return badRequest(problem);
    const input = req.body as TaskInput;
    if (typeof input.destination.address.unparsed !== "string") return badRequest("body.destination.address.unparsed must be a string");
    if (input.recipients !== undefined && !Array.isArray(input.recipients)) return badRequest("body.recipients must be an array");
    if (input.pickupTask !== undefined && typeof input.pickupTask !== "boolean") return badRequest("body.pickupTask must be a boolean");
    const orderId = input.metadata.find((m) => isRecord(m) && m.name === "orderId")?.value;
    if (typeof orderId !== "string" || orderId === "") return badRequest("metadata orderId is required");

    const task = newTask(input, this.ids, this.server.url ?? "");
    this.counters.add(orderId, task.pickupTask ? "returnPickups" : "deliveryTasks");
    this.run(task, orderId);
    return { status: 201, body: task };
  }

  /** A re-attempt: a fresh task from an earlier one, whose outcome the order's next attempt number decides. */
  private clone(req: SimRequest): SimReply {
    const source = this.live(req.params["id"]);
    if (source === undefined) return NOT_FOUND;
    const options = cloneOptions(req.body);
    if (typeof options === "string") return badRequest(options);
    const problem = windowProblem(source.task, options.overrides);
    if (problem !== undefined) return badRequest(problem);
    const task = cloneTask(source.task, options, this.ids, this.server.url ?? "");
    this.counters.add(source.orderId, "clones");
    this.run(task, source.orderId);
    return { status: 201, body: task };
  }

  private show(req: SimRequest): SimReply {
    const found = this.live(req.params["id"]);
    return found === undefined ? NOT_FOUND : { status: 200, body: found.task };
  }

  /** A new address or window, taken only while no driver is on the way. */
  private update(req: SimRequest): SimReply {
    const found = this.live(req.params["id"]);
    if (found === undefined) return NOT_FOUND;
    const { task, orderId } = found;
    const change = taskChange(req.body);
    if (typeof change === "string") return badRequest(change);
    const problem = windowProblem(task, change);
    if (problem !== undefined) return badRequest(problem);
    if (task.state === TASK_STATE.active) return { status: 409, body: { error: "task already started", id: task.id } };
    if (task.state === TASK_STATE.completed) return { status: 409, body: { error: "task already completed", id: task.id } };
    applyChange(task, change);
    this.counters.add(orderId, "updates");
    return { status: 200, body: task };
  }

  /** Deleting stops the remaining webhooks and may be repeated; a completed task is history and stays. */
  private remove(req: SimRequest): SimReply {
    const id = req.params["id"] ?? "";
    const found = this.tasks.get(id);
    if (found === undefined) return NOT_FOUND;
    if (this.deleted.has(id)) return { status: 200, body: { id, deleted: true } };
    if (found.task.state === TASK_STATE.completed) return { status: 409, body: { error: "task already completed", id } };
    this.sender.cancel(id);
    this.deleted.add(id);
    this.counters.add(found.orderId, "cancellations");
    return { status: 200, body: { id, deleted: true } };
  }

  private book(req: SimRequest): SimReply {
    const problem = bookingProblem(req.body);
    if (problem !== undefined) return problem;
    const booking = newBooking(this.bookings.size + 1, req.body as { reference: string; serviceLevel?: string }, this.server.url ?? "");
    this.bookings.set(booking.id, booking);
    return { status: 201, body: booking };
  }

  private showBooking(req: SimRequest): SimReply {
    const booking = this.bookings.get(req.params["id"] ?? "");
    return booking === undefined ? { status: 404, body: { error: "shipment not found" } } : { status: 200, body: booking };
  }

  private live(id: string | undefined): { task: OnfleetTask; orderId: string } | undefined {
    return id === undefined || this.deleted.has(id) ? undefined : this.tasks.get(id);
  }

  /** Registers the task and queues its lifecycle; the outcome is decided when its turn comes. */
  private run(task: OnfleetTask, orderId: string): void {
    this.tasks.set(task.id, { task, orderId });
    const progress = PROGRESS_TRIGGERS.map((trigger) => () => this.webhook(task, trigger));
    this.sender.sequence(task.id, [...progress, () => this.finish(task, orderId)]);
  }

  /** A pickup is always collected; a delivery attempt fails or succeeds as the scenario says for its number. */
  private finish(task: OnfleetTask, orderId: string): Delivery {
    if (task.pickupTask) return this.webhook(task, "taskCompleted");
    const outcome = this.scenarioControl.outcome(orderId, this.counters.add(orderId, "attempts"));
    if (outcome.success) return this.webhook(task, "taskCompleted");
    this.counters.add(orderId, "failedAttempts");
    return this.webhook(task, "taskFailed", outcome.reason);
  }

  private webhook(task: OnfleetTask, trigger: Parameters<typeof taskWebhook>[1], failureReason?: string): Delivery {
    return taskWebhook(task, trigger, { worker: this.ids.worker, secret: this.options.secret }, failureReason);
  }
}

/** Onfleet keeps a caller's own ids in metadata: the ERP's customer id names the recipient. */
function customerIdOf(recipient: Record<string, unknown>): string {
  const metadata = Array.isArray(recipient.metadata) ? (recipient.metadata as Array<{ name?: unknown; value?: unknown }>) : [];
  return String(metadata.find((m) => m?.name === "customerId")?.value ?? recipient.name);
}
