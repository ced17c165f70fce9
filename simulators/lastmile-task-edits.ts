import { randomBytes } from "node:crypto";
import { isRecord } from "./body-checks.ts";
import { TASK_STATE, emptyCompletionDetails, geocode, onfleetId, type OnfleetMetadata, type OnfleetTask } from "./lastmile-task.ts";

/** What `POST /api/v2/tasks/:id/clone` may change in the copy, with Onfleet's field names. */
export interface CloneOptions {
  includeMetadata: boolean;
  overrides: { completeAfter?: number; completeBefore?: number; notes?: string; metadata?: OnfleetMetadata[] };
}

/** What `PUT /api/v2/tasks/:id` may change. */
export interface TaskChange {
  destination?: { address: { unparsed: string } };
  completeAfter?: number;
  completeBefore?: number;
  notes?: string;
}

/** The clone body's options, or the problem as a message for a 400 answer. The body may be left out. */
export function cloneOptions(body: unknown): CloneOptions | string {
  if (body === undefined) return { includeMetadata: false, overrides: {} };
  if (!isRecord(body)) return "body must be a JSON object";
  const options = body["options"] ?? {};
  if (!isRecord(options)) return "body.options must be an object";
  const { includeMetadata = false, overrides = {} } = options;
  if (typeof includeMetadata !== "boolean") return "body.options.includeMetadata must be a boolean";
  if (!isRecord(overrides)) return "body.options.overrides must be an object";
  const problem = timeProblem(overrides, "body.options.overrides") ?? metadataProblem(overrides["metadata"]);
  if (problem !== undefined) return problem;
  if (overrides["notes"] !== undefined && typeof overrides["notes"] !== "string") return "body.options.overrides.notes must be a string";
  return { includeMetadata, overrides: overrides as CloneOptions["overrides"] };
}

/** The update body, or the problem as a message for a 400 answer. */
export function taskChange(body: unknown): TaskChange | string {
  if (!isRecord(body)) return "body must be a JSON object";
  const destination = body["destination"];
  if (destination !== undefined && !(isRecord(destination) && isRecord(destination["address"]) && typeof destination["address"]["unparsed"] === "string" && destination["address"]["unparsed"] !== "")) {
    return "body.destination.address.unparsed must be a non-empty string";
  }
  if (body["notes"] !== undefined && typeof body["notes"] !== "string") return "body.notes must be a string";
  return timeProblem(body, "body") ?? (body as TaskChange);
}

/** A window that ends before it starts is refused, as Onfleet refuses it. */
export function windowProblem(task: OnfleetTask, change: { completeAfter?: number; completeBefore?: number }): string | undefined {
  const after = change.completeAfter ?? task.completeAfter;
  const before = change.completeBefore ?? task.completeBefore;
  return after !== null && before !== null && after >= before ? "completeAfter must be before completeBefore" : undefined;
}

/**
 * Onfleet's clone: a new unassigned task at the same destination for the same recipients, its
 * metadata copied only when asked, then overridden by name; `sourceTaskId` names the original.
 */
export function cloneTask(source: OnfleetTask, options: CloneOptions, ids: { organization: string; admin: string }, baseUrl: string): OnfleetTask {
  const now = Date.now();
  const shortId = randomBytes(4).toString("hex");
  const { completeAfter, completeBefore, notes, metadata = [] } = options.overrides;
  const copied = options.includeMetadata ? source.metadata.filter((m) => !metadata.some((o) => o.name === m.name)) : [];
  return {
    ...structuredClone(source),
    id: onfleetId(),
    timeCreated: now,
    timeLastModified: now,
    shortId,
    trackingURL: `${baseUrl}/track/${shortId}`,
    worker: null,
    creator: ids.admin,
    dependencies: [],
    state: TASK_STATE.unassigned,
    completeAfter: completeAfter ?? source.completeAfter,
    completeBefore: completeBefore ?? source.completeBefore,
    notes: notes ?? source.notes,
    completionDetails: emptyCompletionDetails(),
    metadata: [...structuredClone(copied), ...structuredClone(metadata)],
    container: { type: "ORGANIZATION", organization: ids.organization },
    destination: { ...structuredClone(source.destination), id: onfleetId() },
    estimatedArrivalTime: null,
    estimatedCompletionTime: null,
    eta: null,
    trackingViewed: false,
    sourceTaskId: source.id,
  };
}

/** Applies an accepted update; a new address is geocoded again. */
export function applyChange(task: OnfleetTask, change: TaskChange): void {
  task.timeLastModified = Date.now();
  if (change.destination !== undefined) {
    const unparsed = change.destination.address.unparsed;
    task.destination = { ...task.destination, address: { unparsed }, location: geocode(unparsed) };
  }
  if (change.completeAfter !== undefined) task.completeAfter = change.completeAfter;
  if (change.completeBefore !== undefined) task.completeBefore = change.completeBefore;
  if (change.notes !== undefined) task.notes = change.notes;
}

function timeProblem(fields: Record<string, unknown>, where: string): string | undefined {
  for (const name of ["completeAfter", "completeBefore"]) {
    const value = fields[name];
    if (value !== undefined && !(typeof value === "number" && Number.isInteger(value) && value >= 0)) return `${where}.${name} must be epoch milliseconds`;
  }
  return undefined;
}

function metadataProblem(metadata: unknown): string | undefined {
  if (metadata === undefined) return undefined;
  if (!Array.isArray(metadata)) return "body.options.overrides.metadata must be an array";
  const bad = metadata.findIndex((m) => !isRecord(m) || typeof m["name"] !== "string" || m["name"] === "" || typeof m["type"] !== "string" || !("value" in m));
  return bad === -1 ? undefined : `body.options.overrides.metadata[${bad}] needs a name, a type and a value`;
}
