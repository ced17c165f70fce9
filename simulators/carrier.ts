import { randomInt } from "node:crypto";

/** The last-mile carrier: the WMS manifests onto it and the last-mile simulator books with it. */
export const CARRIER = "WAYBILL-LASTMILE";

export function trackingNumber(): string {
  return `WBLM${String(randomInt(0, 1e9)).padStart(9, "0")}${String(randomInt(0, 1e3)).padStart(3, "0")}`;
}
