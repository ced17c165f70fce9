import { randomUUID } from "node:crypto";
import { ONFLEET_TRIGGERS, TASK_STATE, onfleetId, type OnfleetTask, type OnfleetTrigger } from "./lastmile-task.ts";
import { signOnfleet } from "./signatures.ts";
import type { Delivery } from "./webhook-sender.ts";

/** The ETA the driver's app reports when it starts the route. */
export const ETA_SECONDS = 600;

/** What a driver reports before the outcome, in the order Onfleet sends it. */
export const PROGRESS_TRIGGERS: readonly OnfleetTrigger[] = ["taskAssigned", "taskStarted", "taskEta", "taskArrival"];

/** What the driver types in the app for each failure code. */
const FAILURE_NOTES: Record<string, string> = {
  NOBODY: "Nobody answered the door",
  INCORRECT_ADDRESS: "The address could not be found",
  REFUSED: "The recipient refused the parcel",
};

export interface WebhookContext {
  worker: string;
  secret: string;
}

/** Moves the task to where the trigger leaves it, then signs Onfleet's webhook payload for it. */
export function taskWebhook(task: OnfleetTask, trigger: OnfleetTrigger, context: WebhookContext, failureReason?: string): Delivery {
  const now = Date.now();
  advance(task, trigger, context.worker, now, failureReason);
  const payload: Record<string, unknown> = {
    taskId: task.id,
    time: now,
    triggerId: ONFLEET_TRIGGERS[trigger],
    triggerName: trigger,
    workerId: context.worker,
    adminId: null,
    actionContext: { type: "WORKER", id: context.worker },
    data: { task },
  };
  if (trigger === "taskEta") payload["etaSeconds"] = ETA_SECONDS;
  const body = JSON.stringify(payload);
  return {
    id: randomUUID(),
    body,
    headers: { "content-type": "application/json", "x-onfleet-signature": signOnfleet(body, context.secret) },
  };
}

function advance(task: OnfleetTask, trigger: OnfleetTrigger, worker: string, now: number, failureReason: string | undefined): void {
  task.timeLastModified = now;
  if (trigger === "taskAssigned") {
    task.state = TASK_STATE.assigned;
    task.worker = worker;
    task.container = { type: "WORKER", worker };
  } else if (trigger === "taskStarted") {
    task.state = TASK_STATE.active;
  } else if (trigger === "taskEta") {
    task.estimatedArrivalTime = now + ETA_SECONDS * 1000;
    task.eta = task.estimatedArrivalTime;
  } else if (trigger === "taskCompleted" || trigger === "taskFailed") {
    task.state = TASK_STATE.completed;
    task.completionDetails = completionDetails(task, trigger === "taskCompleted" ? undefined : (failureReason ?? "NOBODY"), now);
  }
}

function completionDetails(task: OnfleetTask, failureReason: string | undefined, now: number): Record<string, unknown> {
  const recipientName = task.recipients[0]?.["name"];
  return {
    ...task.completionDetails,
    success: failureReason === undefined,
    time: now,
    notes: "",
    ...(failureReason === undefined
      ? { signatureUploadId: onfleetId(), photoUploadIds: [onfleetId()], ...(typeof recipientName === "string" ? { recipientName } : {}) }
      : { failureReason, failureNotes: FAILURE_NOTES[failureReason] ?? `Delivery failed: ${failureReason}` }),
    firstLocation: task.destination.location,
    lastLocation: task.destination.location,
  };
}
