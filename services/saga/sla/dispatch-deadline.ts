import { DateTime } from "luxon";
import type { SlaPolicy } from "../../../config/policy-registry.ts";

/**
 * When a released order must be dispatched, as an ISO UTC instant.
 *
 * `within`: elapsed time from the release, so a DST change neither adds nor takes an hour.
 * `sameDayBy`: wall-clock time in the policy's zone. Released before the cut-off, the order is due
 * that local day; at or after it, the next weekday (a Friday-evening order is due Monday). Only the
 * next-day case skips the weekend: an order released on a Saturday morning was accepted for that
 * day by the warehouse's own cut-off. Calendar arithmetic in the zone keeps 20:00 at 20:00 local on
 * both sides of a DST switch.
 */
export function dispatchDeadline(releasedAt: string, sla: Pick<SlaPolicy, "timeZone" | "cutoff" | "dispatch">): string {
	const released = instant(releasedAt);
	if ("withinMs" in sla.dispatch) return iso(released.plus({ milliseconds: sla.dispatch.withinMs }));
	if (sla.cutoff === undefined) throw new RangeError("a sameDayBy dispatch policy needs a cut-off");
	const local = released.setZone(sla.timeZone);
	if (!local.isValid) throw new RangeError(`unknown time zone '${sla.timeZone}'`);
	let day = local.startOf("day");
	if (local >= at(day, sla.cutoff)) {
		do {
			day = day.plus({ days: 1 });
		} while (day.weekday > 5);
	}
	return iso(at(day, sla.dispatch.sameDayBy));
}

/** When the order turns at-risk if the warehouse has not packed: the lead before the deadline (possibly already past at release). */
export function atRiskAt(deadline: string, sla: Pick<SlaPolicy, "atRiskLeadMs">): string {
	return iso(instant(deadline).minus({ milliseconds: sla.atRiskLeadMs }));
}

/** An ISO instant; one written without an offset is taken as UTC, never as the host's zone. */
function instant(text: string): DateTime {
	const dt = DateTime.fromISO(text, { zone: "utc" });
	if (!dt.isValid) throw new RangeError(`'${text}' is not an ISO-8601 instant: ${dt.invalidExplanation ?? dt.invalidReason}`);
	return dt;
}

/** The local day at "HH:MM"; a time inside a spring-forward gap moves forward, as clocks do. */
function at(day: DateTime, clock: string): DateTime {
	const [hour, minute] = clock.split(":").map(Number);
	return day.set({ hour, minute, second: 0, millisecond: 0 });
}

/** The same shape as Date#toISOString, which the rest of Waybill writes. */
function iso(dt: DateTime): string {
	return dt.toJSDate().toISOString();
}
