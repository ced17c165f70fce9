import { badRequest, checkEach, checkFields, type FieldKind } from "./body-checks.ts";
import type { SimReply } from "./sim-server.ts";

export interface MasterDataStats {
  /** Bulk requests taken (a replayed Idempotency-Key is not one). */
  batches: number;
  /** Records taken, repeats included. */
  records: number;
  /** Distinct keys (SKUs, customer ids). */
  unique: number;
  /** Records whose key an earlier request had already brought. */
  repeats: number;
}

/**
 * A partner's bulk master-data endpoint (a WMS item master, a dispatch platform's recipients):
 * generous, it takes every well-formed record and counts it by key, so a test can prove each
 * record arrived exactly once.
 */
export class MasterDataBook {
  private readonly byKey = new Map<string, number>();
  private batches = 0;
  private records = 0;

  constructor(
    private readonly listField: string,
    private readonly fields: Record<string, FieldKind>,
    private readonly keyOf: (record: Record<string, unknown>) => string,
  ) {}

  take(body: unknown, answer: (taken: number, batch: number) => unknown): SimReply {
    const problem = checkFields(body, { [this.listField]: "array" }) ?? checkEach((body as Record<string, unknown>)[this.listField], this.fields, `body.${this.listField}`);
    if (problem !== undefined) return badRequest(problem);
    const list = (body as Record<string, Array<Record<string, unknown>>>)[this.listField]!;
    for (const record of list) {
      const key = this.keyOf(record);
      this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    }
    this.batches += 1;
    this.records += list.length;
    return { status: 201, body: answer(list.length, this.batches) };
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  stats(): MasterDataStats {
    let repeats = 0;
    for (const n of this.byKey.values()) repeats += n - 1;
    return { batches: this.batches, records: this.records, unique: this.byKey.size, repeats };
  }
}
