import { randomUUID } from "node:crypto";
import { badRequest, checkFields, isRecord } from "./body-checks.ts";
import { bookingProblem, newBooking, type Booking } from "./lastmile-booking.ts";
import { ONFLEET_TRIGGERS, TASK_STATE, newTask, onfleetId, type OnfleetTask, type OnfleetTrigger, type TaskInput } from "./lastmile-task.ts";
import type { SimReply, SimRequest } from "./sim-server.ts";
import { signOnfleet } from "./signatures.ts";
import type { Delivery, WebhookSimOptions } from "./webhook-sender.ts";
import { WebhookSimulator, type WebhookSimulatorStats } from "./webhook-simulator.ts";

export const LASTMILE_PARTNER_ID = "onfleet";
/** The ETA the driver's app reports when it starts the route. */
const ETA_SECONDS = 600;

export interface LastMileOptions extends WebhookSimOptions {
  /** Every delivery attempt fails (nobody home) instead of completing. */
  failDeliveries?: boolean;
}

export interface LastMileStats extends WebhookSimulatorStats {
  tasks: number;
  bookings: number;
  tasksByOrder: Record<string, number>;
}

/**
 * Onfleet API v2 as Waybill meets it: task creation and deletion, then the task lifecycle pushed
 * as Onfleet-shaped webhooks signed with Onfleet's HMAC-SHA512 scheme. It also books carrier
 * labels, EasyPost style, for flows that only need a label and no webhooks.
 */
export class LastMileSimulator extends WebhookSimulator {
  readonly partnerId = LASTMILE_PARTNER_ID;
  private readonly tasks = new Map<string, OnfleetTask>();
  private readonly countsByOrder = new Map<string, number>();
  private readonly bookings = new Map<string, Booking>();
  private readonly ids = { organization: onfleetId(), admin: onfleetId(), worker: onfleetId() };

  constructor(private readonly options: LastMileOptions) {
    super(options, (self) => {
      const me = self as LastMileSimulator;
      return [
        { method: "POST", pattern: "/api/v2/tasks", handle: (req) => me.create(req) },
        { method: "GET", pattern: "/api/v2/tasks/:id", handle: (req) => me.show(req) },
        { method: "DELETE", pattern: "/api/v2/tasks/:id", handle: (req) => me.remove(req) },
        { method: "POST", pattern: "/api/v2/shipments", handle: (req) => me.book(req) },
        { method: "GET", pattern: "/api/v2/shipments/:id", handle: (req) => me.showBooking(req) },
      ];
    });
  }

  override stats(): LastMileStats {
    return {
      tasks: this.tasks.size,
      bookings: this.bookings.size,
      ...this.webhookStats(),
      tasksByOrder: Object.fromEntries(this.countsByOrder),
    };
  }

  tasksFor(orderId: string): number {
    return this.countsByOrder.get(orderId) ?? 0;
  }

  private create(req: SimRequest): SimReply {
    const problem = checkFields(req.body, { destination: "object", metadata: "array" }) ?? checkFields((req.body as { destination: unknown }).destination, { address: "object" }, "body.destination");
    if (problem !== undefined) return badRequest(problem);
    const input = req.body as TaskInput;
    if (typeof input.destination.address.unparsed !== "string") return badRequest("body.destination.address.unparsed must be a string");
    if (input.recipients !== undefined && !Array.isArray(input.recipients)) return badRequest("body.recipients must be an array");
    const orderId = input.metadata.find((m) => isRecord(m) && m.name === "orderId")?.value;
    if (typeof orderId !== "string" || orderId === "") return badRequest("metadata orderId is required");

    const task = newTask(input, this.ids, this.server.url ?? "");
    this.tasks.set(task.id, task);
    this.countsByOrder.set(orderId, this.tasksFor(orderId) + 1);
    const outcome: OnfleetTrigger = this.options.failDeliveries ? "taskFailed" : "taskCompleted";
    const triggers: OnfleetTrigger[] = ["taskAssigned", "taskStarted", "taskEta", "taskArrival", outcome];
    this.sender.sequence(task.id, triggers.map((trigger) => () => this.step(task, trigger)));
    return { status: 201, body: task };
  }

  /** Moves the task to where the trigger leaves it, then signs Onfleet's webhook payload. */
  private step(task: OnfleetTask, trigger: OnfleetTrigger): Delivery {
    const now = Date.now();
    this.advance(task, trigger, now);
    const payload: Record<string, unknown> = {
      taskId: task.id,
      time: now,
      triggerId: ONFLEET_TRIGGERS[trigger],
      triggerName: trigger,
      workerId: this.ids.worker,
      adminId: null,
      actionContext: { type: "WORKER", id: this.ids.worker },
      data: { task },
    };
    if (trigger === "taskEta") payload["etaSeconds"] = ETA_SECONDS;
    const body = JSON.stringify(payload);
    return {
      id: randomUUID(),
      body,
      headers: { "content-type": "application/json", "x-onfleet-signature": signOnfleet(body, this.options.secret) },
    };
  }

  private advance(task: OnfleetTask, trigger: OnfleetTrigger, now: number): void {
    task.timeLastModified = now;
    if (trigger === "taskAssigned") {
      task.state = TASK_STATE.assigned;
      task.worker = this.ids.worker;
      task.container = { type: "WORKER", worker: this.ids.worker };
    } else if (trigger === "taskStarted") {
      task.state = TASK_STATE.active;
    } else if (trigger === "taskEta") {
      task.estimatedArrivalTime = now + ETA_SECONDS * 1000;
      task.eta = task.estimatedArrivalTime;
    } else if (trigger === "taskCompleted" || trigger === "taskFailed") {
      task.state = TASK_STATE.completed;
      task.completionDetails = this.completionDetails(task, trigger === "taskCompleted", now);
    }
  }

  private completionDetails(task: OnfleetTask, success: boolean, now: number): Record<string, unknown> {
    const recipientName = task.recipients[0]?.["name"];
    return {
      ...task.completionDetails,
      success,
      time: now,
      notes: "",
      ...(success
        ? { signatureUploadId: onfleetId(), photoUploadIds: [onfleetId()], ...(typeof recipientName === "string" ? { recipientName } : {}) }
        : { failureReason: "NOBODY", failureNotes: "Nobody answered the door" }),
      firstLocation: task.destination.location,
      lastLocation: task.destination.location,
    };
  }

  private show(req: SimRequest): SimReply {
    const task = this.tasks.get(req.params["id"] ?? "");
    return task === undefined ? { status: 404, body: { error: "task not found" } } : { status: 200, body: task };
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

  /** Deleting stops the remaining webhooks; a completed task is history and stays. */
  private remove(req: SimRequest): SimReply {
    const task = this.tasks.get(req.params["id"] ?? "");
    if (task === undefined) return { status: 404, body: { error: "task not found" } };
    if (task.state === TASK_STATE.completed) return { status: 409, body: { error: "task already completed", id: task.id } };
    this.sender.cancel(task.id);
    return { status: 200, body: { id: task.id, deleted: true } };
  }
}
