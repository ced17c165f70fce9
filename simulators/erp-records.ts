/** The kinds of request the ERP receives from Waybill, as `receivedFor` lists them. */
export const ERP_REQUEST_KINDS = ["status", "shipment", "invoice", "backorder", "invoicing-hold", "invoicing-release", "credit-note", "cs-case", "change-refusal"] as const;
export type ErpRequestKind = (typeof ERP_REQUEST_KINDS)[number];

/** One request the ERP accepted, as its books keep it. */
export interface ErpRecord {
  kind: ErpRequestKind;
  body: unknown;
  at: string;
}

/**
 * What the ERP accepted, per order, in arrival order. Only created resources are recorded: a
 * replayed or refused request is not, so counts prove what Waybill made the ERP do.
 */
export class ErpRecords {
  private readonly byOrder = new Map<string, ErpRecord[]>();
  private readonly totals = new Map<ErpRequestKind, number>();

  /** Records a request and returns how many of its kind there are now (the ERP's document number). */
  add(orderId: string, kind: ErpRequestKind, body: unknown): number {
    const list = this.byOrder.get(orderId) ?? [];
    list.push({ kind, body: structuredClone(body), at: new Date().toISOString() });
    this.byOrder.set(orderId, list);
    const total = this.total(kind) + 1;
    this.totals.set(kind, total);
    return total;
  }

  total(kind: ErpRequestKind): number {
    return this.totals.get(kind) ?? 0;
  }

  countFor(orderId: string, kind: ErpRequestKind): number {
    return this.of(orderId, kind).length;
  }

  /** Per order, how many requests of the kind it got; orders with none are left out. */
  countsByOrder(kind: ErpRequestKind): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const orderId of this.byOrder.keys()) {
      const n = this.countFor(orderId, kind);
      if (n > 0) counts[orderId] = n;
    }
    return counts;
  }

  recordsFor(orderId: string): ErpRecord[] {
    return structuredClone(this.byOrder.get(orderId) ?? []);
  }

  /** The bodies of one kind for an order, in arrival order. */
  of(orderId: string, kind: ErpRequestKind): unknown[] {
    return (this.byOrder.get(orderId) ?? []).filter((r) => r.kind === kind).map((r) => r.body);
  }
}
