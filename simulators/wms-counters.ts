import type { WmsScenarioName } from "./wms-scenario.ts";

/**
 * What happened to one order beyond its fulfillment orders: the side effects of Waybill's
 * commands (each counted once, however often it was repeated) and the exceptions that fired.
 */
export interface WmsOrderCounts extends Record<WmsScenarioName, number> {
  cancellations: number;
  updates: number;
  returnsExpected: number;
  returnsReceived: number;
}

export type WmsCountName = keyof WmsOrderCounts;

const ZERO: WmsOrderCounts = {
  cancellations: 0,
  updates: 0,
  returnsExpected: 0,
  returnsReceived: 0,
  allocationShort: 0,
  shortPick: 0,
  splitShipment: 0,
  inventoryAdjustment: 0,
  warehouseException: 0,
};

export class WmsCounters {
  private readonly byOrder = new Map<string, WmsOrderCounts>();

  add(orderRef: string, name: WmsCountName): void {
    const counts = this.byOrder.get(orderRef) ?? { ...ZERO };
    counts[name] += 1;
    this.byOrder.set(orderRef, counts);
  }

  for(orderRef: string): WmsOrderCounts {
    return { ...(this.byOrder.get(orderRef) ?? ZERO) };
  }

  /**
   * Totals and per-order counts, only once anything was counted: a run without exceptions
   * reports what it did before they existed.
   */
  stats(): { exceptionFlows?: WmsOrderCounts; exceptionFlowsByOrder?: Record<string, WmsOrderCounts> } {
    if (this.byOrder.size === 0) return {};
    const totals = { ...ZERO };
    for (const counts of this.byOrder.values()) {
      for (const name of Object.keys(totals) as WmsCountName[]) totals[name] += counts[name];
    }
    return { exceptionFlows: totals, exceptionFlowsByOrder: Object.fromEntries([...this.byOrder].map(([ref, c]) => [ref, { ...c }])) };
  }
}
