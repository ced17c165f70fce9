import { createHash, randomBytes } from "node:crypto";

/** Onfleet webhook trigger ids, as in Onfleet's API v2 documentation. */
export const ONFLEET_TRIGGERS = {
  taskStarted: 0,
  taskEta: 1,
  taskArrival: 2,
  taskCompleted: 3,
  taskFailed: 4,
  workerDuty: 5,
  taskCreated: 6,
  taskUpdated: 7,
  taskDeleted: 8,
  taskAssigned: 9,
  taskUnassigned: 10,
} as const;
export type OnfleetTrigger = keyof typeof ONFLEET_TRIGGERS;

/** Onfleet task states. */
export const TASK_STATE = { unassigned: 0, assigned: 1, active: 2, completed: 3 } as const;

export interface OnfleetMetadata {
  name: string;
  type: string;
  value: unknown;
  visibility?: string[];
}

/** The subset of Onfleet's task object that Waybill reads, with Onfleet's field names. */
export interface OnfleetTask {
  id: string;
  timeCreated: number;
  timeLastModified: number;
  organization: string;
  shortId: string;
  trackingURL: string;
  worker: string | null;
  merchant: string;
  executor: string;
  creator: string;
  dependencies: string[];
  state: number;
  completeAfter: number | null;
  completeBefore: number | null;
  pickupTask: boolean;
  notes: string;
  completionDetails: Record<string, unknown>;
  metadata: OnfleetMetadata[];
  quantity: number;
  serviceTime: number;
  container: Record<string, unknown>;
  recipients: Record<string, unknown>[];
  destination: { id: string; location: [number, number]; address: Record<string, unknown>; notes: string; metadata: unknown[] };
  estimatedArrivalTime: number | null;
  estimatedCompletionTime: number | null;
  eta: number | null;
  trackingViewed: boolean;
  /** Set on a clone only: the task it was cloned from. */
  sourceTaskId?: string;
}

export interface TaskInput {
  destination: { address: { unparsed: string } } & Record<string, unknown>;
  recipients?: { name?: string; phone?: string; notes?: string }[];
  completeAfter?: number;
  completeBefore?: number;
  notes?: string;
  quantity?: number;
  /** A pickup (a return collected from the customer) rather than a drop-off. */
  pickupTask?: boolean;
  metadata: OnfleetMetadata[];
}

/** Onfleet ids are 24 URL-safe characters. */
export function onfleetId(): string {
  return randomBytes(18).toString("base64url");
}

export function emptyCompletionDetails(): Record<string, unknown> {
  return {
    success: false,
    time: null,
    notes: "",
    failureReason: "NONE",
    failureNotes: "",
    events: [],
    actions: [],
    firstLocation: [],
    lastLocation: [],
    unavailableAttachments: [],
    photoUploadId: null,
    photoUploadIds: [],
    signatureUploadId: null,
    signatureText: null,
  };
}

export function newTask(input: TaskInput, ids: { organization: string; admin: string }, baseUrl: string): OnfleetTask {
  const now = Date.now();
  const shortId = randomBytes(4).toString("hex");
  return {
    id: onfleetId(),
    timeCreated: now,
    timeLastModified: now,
    organization: ids.organization,
    shortId,
    trackingURL: `${baseUrl}/track/${shortId}`,
    worker: null,
    merchant: ids.organization,
    executor: ids.organization,
    creator: ids.admin,
    dependencies: [],
    state: TASK_STATE.unassigned,
    completeAfter: input.completeAfter ?? null,
    completeBefore: input.completeBefore ?? null,
    pickupTask: input.pickupTask ?? false,
    notes: input.notes ?? "",
    completionDetails: emptyCompletionDetails(),
    metadata: input.metadata,
    quantity: input.quantity ?? 0,
    serviceTime: 0,
    container: { type: "ORGANIZATION", organization: ids.organization },
    recipients: (input.recipients ?? []).map((r) => ({ id: onfleetId(), organization: ids.organization, timeCreated: now, notes: "", skipSMSNotifications: false, metadata: [], ...r })),
    destination: {
      id: onfleetId(),
      location: geocode(input.destination.address.unparsed),
      address: { ...input.destination.address },
      notes: typeof input.destination["notes"] === "string" ? input.destination["notes"] : "",
      metadata: [],
    },
    estimatedArrivalTime: null,
    estimatedCompletionTime: null,
    eta: null,
    trackingViewed: false,
  };
}

/** Onfleet geocodes the unparsed address; a stable fake point near Amsterdam stands in for that. */
export function geocode(address: string): [number, number] {
  const digest = createHash("sha256").update(address).digest();
  const jitter = (byte: number): number => (byte - 128) / 2560;
  return [round(4.9 + jitter(digest[0] ?? 128)), round(52.37 + jitter(digest[1] ?? 128))];
}

function round(degrees: number): number {
  return Math.round(degrees * 1e6) / 1e6;
}
