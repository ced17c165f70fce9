import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadPolicies } from "../../config/policy-registry.ts";
import { atRiskAt, dispatchDeadline } from "../../services/saga/sla/dispatch-deadline.ts";

const amsterdam = { timeZone: "Europe/Amsterdam", cutoff: "15:00", dispatch: { sameDayBy: "20:00" } };
const newYork = { ...amsterdam, timeZone: "America/New_York" };
const within4h = { timeZone: "Europe/Amsterdam", dispatch: { withinMs: 4 * 3600_000 } };

/** [when released (UTC), when due (UTC)] */
type Case = [string, string];
const expectDeadlines = (sla: typeof amsterdam, cases: Case[]) =>
	assert.deepEqual(
		cases.map(([released]) => [released, dispatchDeadline(released, sla)]),
		cases,
	);

describe("the dispatch deadline of a same-day service level", () => {
	it("is that local day at sameDayBy when released before the cut-off", () => {
		expectDeadlines(amsterdam, [
			["2026-01-13T10:00:00.000Z", "2026-01-13T19:00:00.000Z"],
			["2026-01-13T13:59:59.999Z", "2026-01-13T19:00:00.000Z"],
		]);
	});

	it("is the next day at sameDayBy when released at or after the cut-off", () => {
		expectDeadlines(amsterdam, [
			["2026-01-13T14:00:00.000Z", "2026-01-14T19:00:00.000Z"],
			["2026-01-13T22:59:00.000Z", "2026-01-14T19:00:00.000Z"],
		]);
	});

	it("counts the day and the cut-off in the policy's zone, not in UTC", () => {
		// 23:30 UTC on the 13th is 00:30 on the 14th in Amsterdam: a new day, well before its cut-off.
		expectDeadlines(amsterdam, [["2026-01-13T23:30:00.000Z", "2026-01-14T19:00:00.000Z"]]);
	});

	it("skips the weekend when the order is due the next day", () => {
		expectDeadlines(amsterdam, [
			["2026-01-16T15:00:00.000Z", "2026-01-19T19:00:00.000Z"], // Friday 16:00 → Monday
			["2026-01-17T15:00:00.000Z", "2026-01-19T19:00:00.000Z"], // Saturday 16:00 → Monday
			["2026-01-15T15:00:00.000Z", "2026-01-16T19:00:00.000Z"], // Thursday 16:00 → Friday
		]);
	});

	it("keeps an order released on a weekend before the cut-off due that same day", () => {
		expectDeadlines(amsterdam, [["2026-01-18T09:00:00.000Z", "2026-01-18T19:00:00.000Z"]]);
	});

	it("stays at 20:00 Amsterdam time across the spring DST switch of 2026-03-29", () => {
		expectDeadlines(amsterdam, [
			["2026-03-28T13:00:00.000Z", "2026-03-28T19:00:00.000Z"], // Saturday 14:00 CET → 20:00 CET
			["2026-03-28T15:00:00.000Z", "2026-03-30T18:00:00.000Z"], // Saturday 16:00 CET → Monday 20:00 CEST
			["2026-03-29T00:30:00.000Z", "2026-03-29T18:00:00.000Z"], // 01:30 CET, before the switch → 20:00 CEST
			["2026-03-29T08:00:00.000Z", "2026-03-29T18:00:00.000Z"], // 10:00 CEST → 20:00 CEST
		]);
	});

	it("stays at 20:00 Amsterdam time across the autumn DST switch of 2026-10-25, including the repeated hour", () => {
		expectDeadlines(amsterdam, [
			["2026-10-24T12:00:00.000Z", "2026-10-24T18:00:00.000Z"], // Saturday 14:00 CEST → 20:00 CEST
			["2026-10-24T14:00:00.000Z", "2026-10-26T19:00:00.000Z"], // Saturday 16:00 CEST → Monday 20:00 CET
			["2026-10-25T00:30:00.000Z", "2026-10-25T19:00:00.000Z"], // the first 02:30 (CEST)
			["2026-10-25T01:30:00.000Z", "2026-10-25T19:00:00.000Z"], // the second 02:30 (CET)
		]);
	});

	it("follows another zone's clock and DST: America/New_York", () => {
		expectDeadlines(newYork, [
			["2026-03-05T19:00:00.000Z", "2026-03-06T01:00:00.000Z"], // Thursday 14:00 EST → 20:00 EST, the next UTC day
			["2026-03-06T03:00:00.000Z", "2026-03-07T01:00:00.000Z"], // Thursday 22:00 EST → Friday 20:00 EST
			["2026-03-06T21:00:00.000Z", "2026-03-10T00:00:00.000Z"], // Friday 16:00 EST → Monday 20:00 EDT (DST began Sunday)
		]);
		assert.equal(dispatchDeadline("2026-03-06T03:00:00.000Z", amsterdam), "2026-03-06T19:00:00.000Z", "the same instant is Friday morning in Amsterdam");
	});

	it("reads a release time written with an offset, or without one as UTC", () => {
		assert.equal(dispatchDeadline("2026-01-13T16:30:00+01:00", amsterdam), "2026-01-14T19:00:00.000Z");
		assert.equal(dispatchDeadline("2026-01-13T13:00:00", amsterdam), "2026-01-13T19:00:00.000Z");
	});

	it("refuses a release time that is not an instant", () => {
		assert.throws(() => dispatchDeadline("yesterday", amsterdam), /'yesterday' is not an ISO-8601 instant/);
	});
});

describe("the dispatch deadline of a within service level", () => {
	it("is the release plus the duration, in elapsed time even across a DST switch", () => {
		assert.equal(dispatchDeadline("2026-01-13T10:00:00.000Z", within4h), "2026-01-13T14:00:00.000Z");
		assert.equal(dispatchDeadline("2026-03-29T00:30:00.000Z", within4h), "2026-03-29T04:30:00.000Z");
		assert.equal(dispatchDeadline("2026-10-25T00:30:00.000Z", within4h), "2026-10-25T04:30:00.000Z");
	});

	it("ignores cut-offs and weekends", () => {
		assert.equal(dispatchDeadline("2026-01-16T22:00:00.000Z", within4h), "2026-01-17T02:00:00.000Z");
	});
});

describe("the at-risk moment", () => {
	it("is the policy's lead before the deadline, in elapsed time", () => {
		assert.equal(atRiskAt("2026-01-13T19:00:00.000Z", { atRiskLeadMs: 2 * 3600_000 }), "2026-01-13T17:00:00.000Z");
		assert.equal(atRiskAt("2026-03-29T18:00:00.000Z", { atRiskLeadMs: 2 * 3600_000 }), "2026-03-29T16:00:00.000Z");
	});

	it("follows the loaded policies for standard and express orders", () => {
		const policies = loadPolicies();
		const standard = policies.sla({ serviceLevel: "standard", country: "NL" });
		const express = policies.sla({ serviceLevel: "express", country: "NL" });
		const released = "2026-01-13T10:00:00.000Z";
		assert.deepEqual(
			[standard, express].map((sla) => {
				const deadline = dispatchDeadline(released, sla);
				return [deadline, atRiskAt(deadline, sla)];
			}),
			[
				["2026-01-13T19:00:00.000Z", "2026-01-13T17:00:00.000Z"],
				["2026-01-13T14:00:00.000Z", "2026-01-13T13:00:00.000Z"],
			],
		);
	});
});
