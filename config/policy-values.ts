import { Duration } from "luxon";

/**
 * Milliseconds of an ISO-8601 duration, or undefined when the text is not one a clock can count.
 * Years and months are refused: they have no fixed length, so "P1M" would silently mean 30 days.
 */
export function durationMs(text: string): number | undefined {
	const d = Duration.fromISO(text);
	if (!d.isValid || d.years !== 0 || d.quarters !== 0 || d.months !== 0) return undefined;
	return d.toMillis();
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A local wall-clock time "HH:MM" (24-hour) as minutes after midnight, or undefined. */
export function clockMinutes(text: string): number | undefined {
	const m = CLOCK.exec(text);
	return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/**
 * True for an IANA zone name. Intl throws on an unknown zone; a bare offset ("+01:00"), which
 * Intl also accepts, is refused because it knows no daylight-saving rules.
 */
export function isTimeZone(text: string): boolean {
	if (!/^[A-Za-z]/.test(text)) return false;
	try {
		new Intl.DateTimeFormat("en", { timeZone: text });
		return true;
	} catch {
		return false;
	}
}

type CustomErrors = Array<{ type: string; actual?: unknown; message: string }>;

/**
 * A fastest-validator string rule with one more check whose message names what was expected.
 * Rules are factories: the validator caches a compiled rule by object identity, and a custom check
 * shared between two fields runs for only the first of them.
 */
function stringRule(type: string, accepts: (text: string) => boolean, expected: string) {
	return () => ({
		type: "string",
		custom: (value: unknown, errors: CustomErrors) => {
			if (typeof value === "string" && !accepts(value)) errors.push({ type, actual: value, message: `must be ${expected}, got '${value}'` });
			return value;
		},
	});
}

export const durationRule = stringRule(
	"policyDuration",
	(text) => (durationMs(text) ?? 0) > 0,
	"a positive ISO-8601 duration in weeks, days, hours, minutes or seconds (PT2H, P2D)",
);

export const clockRule = stringRule("policyClock", (text) => clockMinutes(text) !== undefined, "a local time HH:MM (24-hour)");

export const timeZoneRule = stringRule("policyTimeZone", isTimeZone, "an IANA time zone such as Europe/Amsterdam");

/** A match key: one value, or a list of values any of which matches. */
export const matcherRule = () => ({
	type: "any",
	optional: true,
	custom: (value: unknown, errors: CustomErrors) => {
		const ok = (v: unknown) => typeof v === "string" && v.length > 0;
		if (value !== undefined && !(ok(value) || (Array.isArray(value) && value.length > 0 && value.every(ok)))) {
			errors.push({ type: "policyMatcher", actual: value, message: `must be a non-empty string or a non-empty list of them, got ${JSON.stringify(value)}` });
		}
		return value;
	},
});
