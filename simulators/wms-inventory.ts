import { createHash } from "node:crypto";
import type { WmsLine } from "./wms-events.ts";

export const DEFAULT_WAREHOUSES: readonly string[] = ["WH1", "WH2"];
const MIN_ON_HAND = 100;
const ON_HAND_SPREAD = 400;

export interface InventoryLevel {
  sku: string;
  warehouse: string;
  onHand: number;
  allocated: number;
  /** onHand less allocated; it goes below 0 when orders oversell, as that is what a checker wants to see. */
  available: number;
  asOf: string;
}

/**
 * Stock per sku and warehouse. On-hand is derived from the names alone, so every run and every
 * process sees the same figures; allocations are what the simulator's own orders reserved.
 */
export class WmsInventory {
  private readonly allocations = new Map<string, number>();
  /** Changes to on-hand the simulator made: stock counts and returns put back on the shelf. */
  private readonly corrections = new Map<string, number>();

  constructor(private readonly warehouses: readonly string[]) {}

  /** The level now, or undefined for a warehouse this WMS does not run. */
  level(sku: string, warehouse: string): InventoryLevel | undefined {
    return this.warehouses.includes(warehouse) ? this.position(sku, warehouse) : undefined;
  }

  /** The level in any warehouse, for events about the simulator's own orders, wherever they were sent. */
  position(sku: string, warehouse: string): InventoryLevel {
    const onHand = onHandFor(sku, warehouse) + (this.corrections.get(keyOf(sku, warehouse)) ?? 0);
    const allocated = this.allocations.get(keyOf(sku, warehouse)) ?? 0;
    return { sku, warehouse, onHand, allocated, available: onHand - allocated, asOf: new Date().toISOString() };
  }

  allocate(warehouse: string, lines: readonly WmsLine[]): void {
    this.reserve(warehouse, lines, 1);
  }

  /** A cancelled order gives its stock back. */
  release(warehouse: string, lines: readonly WmsLine[]): void {
    this.reserve(warehouse, lines, -1);
  }

  /** On-hand changes by `delta`: a stock count found less, a return went back on the shelf. */
  correct(warehouse: string, sku: string, delta: number): void {
    const key = keyOf(sku, warehouse);
    this.corrections.set(key, (this.corrections.get(key) ?? 0) + delta);
  }

  private reserve(warehouse: string, lines: readonly WmsLine[], sign: 1 | -1): void {
    for (const { sku, qty } of lines) {
      const key = keyOf(sku, warehouse);
      this.allocations.set(key, (this.allocations.get(key) ?? 0) + sign * qty);
    }
  }
}

function keyOf(sku: string, warehouse: string): string {
  return `${warehouse}\u0000${sku}`;
}

function onHandFor(sku: string, warehouse: string): number {
  const hash = createHash("sha256").update(keyOf(sku, warehouse)).digest().readUInt32BE(0);
  return MIN_ON_HAND + (hash % ON_HAND_SPREAD);
}
