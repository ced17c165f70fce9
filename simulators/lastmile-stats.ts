/** What the last-mile simulator did for one order; tests assert these exact side effects. */
export interface LastMileOrderStats {
  /** Delivery tasks created with `POST /api/v2/tasks` (clones and pickups are counted apart). */
  deliveryTasks: number;
  /** Delivery attempts that reached an outcome (taskCompleted or taskFailed), clones included. */
  attempts: number;
  failedAttempts: number;
  /** Re-attempts: tasks cloned with `POST /api/v2/tasks/:id/clone`. */
  clones: number;
  /** Tasks deleted while still open; a repeated DELETE counts once. */
  cancellations: number;
  /** Accepted `PUT /api/v2/tasks/:id` changes; refused ones (409) are not counted. */
  updates: number;
  /** Pickup tasks (`pickupTask: true`) created for returns. */
  returnPickups: number;
}

export type LastMileCount = keyof LastMileOrderStats;

function zero(): LastMileOrderStats {
  return { deliveryTasks: 0, attempts: 0, failedAttempts: 0, clones: 0, cancellations: 0, updates: 0, returnPickups: 0 };
}

/** Per-order counters, kept in the order orders were first seen. */
export class OrderCounters {
  private readonly byOrder = new Map<string, LastMileOrderStats>();

  /** Adds one and returns the new count. */
  add(orderId: string, what: LastMileCount): number {
    const counts = this.byOrder.get(orderId) ?? zero();
    counts[what] += 1;
    this.byOrder.set(orderId, counts);
    return counts[what];
  }

  of(orderId: string): LastMileOrderStats {
    return { ...(this.byOrder.get(orderId) ?? zero()) };
  }

  all(): Record<string, LastMileOrderStats> {
    return Object.fromEntries([...this.byOrder].map(([orderId, counts]) => [orderId, { ...counts }]));
  }

  /** One count for every order that has some, as `tasksByOrder` always reported delivery tasks. */
  only(what: LastMileCount): Record<string, number> {
    return Object.fromEntries([...this.byOrder].filter(([, counts]) => counts[what] > 0).map(([orderId, counts]) => [orderId, counts[what]]));
  }
}
