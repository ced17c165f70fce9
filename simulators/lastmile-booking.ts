import { badRequest, checkEach, checkFields, isRecord } from "./body-checks.ts";
import { CARRIER, trackingNumber } from "./carrier.ts";
import type { SimReply } from "./sim-server.ts";

/** A label bought from the carrier, EasyPost style: booked once, then only looked at. */
export interface Booking {
  id: string;
  reference: string;
  trackingCode: string;
  labelUrl: string;
  carrier: string;
  status: "booked";
  createdAt: string;
  serviceLevel?: string;
}

/** The body's problem as a 400 answer, or undefined when it can be booked. */
export function bookingProblem(body: unknown): SimReply | undefined {
  const problem =
    checkFields(body, { reference: "string", to: "object", parcels: "array" }) ??
    checkEach((body as { parcels: unknown }).parcels, { weightKg: "number" }, "body.parcels");
  if (problem !== undefined) return badRequest(problem);
  const { from, serviceLevel } = body as { from?: unknown; serviceLevel?: unknown };
  if (from !== undefined && !isRecord(from)) return badRequest("body.from must be an object");
  if (serviceLevel !== undefined && typeof serviceLevel !== "string") return badRequest("body.serviceLevel must be a string");
  return undefined;
}

export function newBooking(seq: number, body: { reference: string; serviceLevel?: string }, baseUrl: string): Booking {
  const id = `shp_${seq}`;
  return {
    id,
    reference: body.reference,
    trackingCode: trackingNumber(),
    labelUrl: `${baseUrl}/labels/${id}.pdf`,
    carrier: CARRIER,
    status: "booked",
    createdAt: new Date().toISOString(),
    ...(body.serviceLevel === undefined ? {} : { serviceLevel: body.serviceLevel }),
  };
}
