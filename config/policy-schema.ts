import { clockRule, durationRule, matcherRule, timeZoneRule } from "./policy-values.ts";

/** What an order is matched on. Every section matches on these; warehouseExceptions also on `code`. */
export const CONTEXT_KEYS = ["region", "country", "serviceLevel", "partner"] as const;

export type Matcher = string | string[];
export type RuleMatch = Partial<Record<(typeof CONTEXT_KEYS)[number] | "code", Matcher>>;
export type Rule<V> = V & { match: RuleMatch; $comment?: string };

/** The file as written: durations and clock times still text. */
export interface PolicyFile {
	routing: Rule<{ warehouses: string[]; lastmile: string }>[];
	reattempt: Rule<{ maxAttempts: number; window: string }>[];
	shortage: Rule<{ action: "backorder" | "cancel"; reallocate: boolean }>[];
	sla: Rule<{
		timeZone: string;
		cutoff?: string;
		dispatch: { sameDayBy?: string; within?: string };
		atRiskLead: string;
		freshness: string;
		exceptionResolution: string;
	}>[];
	warehouseExceptions: Rule<{ action: "short" | "delay" | "hold"; severity: "info" | "warning" | "critical" }>[];
	returns: Rule<{ credit: "on-receipt" | "none" }>[];
}

export const SECTIONS = ["routing", "reattempt", "shortage", "sla", "warehouseExceptions", "returns"] as const;

/**
 * The keys a rule matches on, each with its values. The validator writes back every declared match
 * key, so an absent one shows up as undefined and must not count.
 */
export function matchEntries(match: RuleMatch): Array<[string, string[]]> {
	return Object.entries(match).flatMap(([key, value]) => (value === undefined ? [] : [[key, [value].flat()] as [string, string[]]]));
}

function rules(values: Record<string, unknown>, matchKeys: readonly string[] = CONTEXT_KEYS) {
	return {
		type: "array",
		min: 1,
		items: {
			type: "object",
			strict: true,
			props: {
				$comment: "string|optional",
				match: { type: "object", strict: true, props: Object.fromEntries(matchKeys.map((k) => [k, matcherRule()])) },
				...values,
			},
		},
	};
}

/** Shape and value checks; unknown keys are refused at every level, so a misspelt key cannot be ignored. */
export const policyFileSchema = {
	$$root: true,
	type: "object",
	strict: true,
	props: {
		$comment: "string|optional",
		routing: rules({
			warehouses: { type: "array", min: 1, unique: true, items: "string|empty:false" },
			lastmile: "string|empty:false",
		}),
		reattempt: rules({ maxAttempts: "number|integer|min:1", window: durationRule() }),
		shortage: rules({ action: { type: "enum", values: ["backorder", "cancel"] }, reallocate: "boolean" }),
		sla: rules({
			timeZone: timeZoneRule(),
			cutoff: { ...clockRule(), optional: true },
			dispatch: {
				type: "object",
				strict: true,
				props: { sameDayBy: { ...clockRule(), optional: true }, within: { ...durationRule(), optional: true } },
			},
			atRiskLead: durationRule(),
			freshness: durationRule(),
			exceptionResolution: durationRule(),
		}),
		warehouseExceptions: rules(
			{ action: { type: "enum", values: ["short", "delay", "hold"] }, severity: { type: "enum", values: ["info", "warning", "critical"] } },
			[...CONTEXT_KEYS, "code"],
		),
		returns: rules({ credit: { type: "enum", values: ["on-receipt", "none"] } }),
	},
} as const;
