import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertMatches } from "../canonical/validation.ts";
import { ConfigurationInvalidError, isSchemaInvalid, type SchemaProblem } from "../canonical/errors/index.ts";
import type { PartnerRegistry } from "./partner-registry.ts";
import { consistencyProblems } from "./policy-consistency.ts";
import { matchEntries, policyFileSchema, type PolicyFile, type Rule } from "./policy-schema.ts";
import { durationMs } from "./policy-values.ts";

/** What a policy is chosen by: the order's region, ship-to country, service level and partner. */
export interface PolicyContext {
	region?: string;
	country?: string;
	serviceLevel?: string;
	partner?: string;
}

export interface RoutingPolicy {
	/** In preference order: a shortage re-allocates to the next one. */
	warehouses: readonly string[];
	lastmile: string;
}
export interface ReattemptPolicy {
	maxAttempts: number;
	/** How long after the first failed attempt a re-attempt may still be scheduled. */
	windowMs: number;
}
export interface ShortagePolicy {
	action: "backorder" | "cancel";
	/** Offer the quantity to the next warehouse of the routing rule before the action applies. */
	reallocate: boolean;
}
export type DispatchTarget = { sameDayBy: string } | { withinMs: number };
export interface SlaPolicy {
	timeZone: string;
	/** Local "HH:MM"; present exactly when dispatch is sameDayBy. */
	cutoff?: string;
	dispatch: DispatchTarget;
	atRiskLeadMs: number;
	freshnessMs: number;
	exceptionResolutionMs: number;
}
export interface WarehouseExceptionPolicy {
	action: "short" | "delay" | "hold";
	severity: "info" | "warning" | "critical";
}
export interface ReturnsPolicy {
	credit: "on-receipt" | "none";
}

/** POLICIES_FILE points at another file (a ConfigMap); else the defaults next to this module. */
export function policiesFile(env: NodeJS.ProcessEnv = process.env): string {
	return env.POLICIES_FILE || fileURLToPath(new URL("./policies.json", import.meta.url));
}

/** The first 12 hex of the sha256 of the file's bytes: what a log line or status page quotes. */
export function policiesVersion(bytes: Buffer): string {
	return createHash("sha256").update(bytes).digest("hex").slice(0, 12);
}

/** Loads and validates the policies once. */
export function loadPolicies(file = policiesFile(), partners?: PartnerRegistry): PolicyRegistry {
	let bytes: Buffer;
	try {
		bytes = readFileSync(file);
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(file, `cannot read the policies: ${(e as Error).message}`);
	}
	return parsePolicies(bytes, file, partners);
}

/**
 * Validates policy bytes read elsewhere (the reloader digests and parses the same bytes, so the
 * version always describes what is live). With `partners`, routing may only name known partners.
 */
export function parsePolicies(bytes: Buffer, file: string, partners?: PartnerRegistry): PolicyRegistry {
	let raw: unknown;
	try {
		raw = JSON.parse(bytes.toString("utf8"));
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(file, `not JSON: ${(e as Error).message}`);
	}
	let policies: PolicyFile;
	try {
		policies = assertMatches<PolicyFile>("policies", policyFileSchema, raw);
	} catch (e: unknown) {
		if (!isSchemaInvalid(e)) throw e;
		throw invalid(file, (e.data as { problems: SchemaProblem[] }).problems);
	}
	const problems = consistencyProblems(policies, partners);
	if (problems.length > 0) throw invalid(file, problems);
	return new PolicyRegistry(policies, policiesVersion(bytes), file);
}

/** One error naming the file, and every problem by its place: section[rule].field. */
function invalid(file: string, problems: SchemaProblem[]): ConfigurationInvalidError {
	return new ConfigurationInvalidError(file, problems.map((p) => `${p.field || "(top level)"}: ${plainly(p)}`).join("; "));
}

/** fastest-validator's message without its "The 'x' field" preamble, which the place already says. */
function plainly(p: SchemaProblem): string {
	const quoted = /'([^']*)'\s*(?:does not match|\.?$)/.exec(p.message)?.[1] ?? "?";
	if (p.type === "objectStrict") return `unknown key${quoted.includes(", ") ? "s" : ""} '${quoted}'`;
	if (p.type === "enumValue") return `must be one of ${quoted}`;
	return p.message.replace(`The '${p.field}' field `, "").replace(/\.$/, "");
}

interface Compiled<V> {
	match: Array<[string, Set<string>]>;
	value: V;
}

/** Rules with their match values lower-cased, so "nl" and "NL" are the same country. */
function compile<R extends Rule<object>, V>(rules: R[], toValue: (rule: R) => V): Compiled<V>[] {
	return rules.map((rule) => ({
		match: matchEntries(rule.match).map(([key, values]) => [key, new Set(values.map((v) => v.toLowerCase()))]),
		value: Object.freeze(toValue(rule)),
	}));
}

type MatchContext = PolicyContext & { code?: string };

/** A rule matches when every key it names has one of its values in the context; a key the context lacks does not match. */
function first<V>(rules: Compiled<V>[], ctx: MatchContext): V {
	const hit = rules.find((r) =>
		r.match.every(([key, values]) => {
			const actual = ctx[key as keyof MatchContext];
			return actual !== undefined && values.has(actual.toLowerCase());
		}),
	);
	// Validation guarantees a catch-all last, so this fallback is never taken.
	return (hit ?? rules[rules.length - 1]!).value;
}

const ms = (iso: string) => durationMs(iso)!;

/** Validated policies, immutable; each lookup returns the first rule that matches the order. */
export class PolicyRegistry {
	readonly loadedAt = new Date().toISOString();
	private readonly routing;
	private readonly reattempts;
	private readonly shortages;
	private readonly slas;
	private readonly exceptions;
	private readonly returnRules;

	constructor(policies: PolicyFile, readonly version: string, readonly file: string) {
		this.routing = compile(policies.routing, (r): RoutingPolicy => ({ warehouses: Object.freeze([...r.warehouses]), lastmile: r.lastmile }));
		this.reattempts = compile(policies.reattempt, (r): ReattemptPolicy => ({ maxAttempts: r.maxAttempts, windowMs: ms(r.window) }));
		this.shortages = compile(policies.shortage, (r): ShortagePolicy => ({ action: r.action, reallocate: r.reallocate }));
		this.slas = compile(policies.sla, (r): SlaPolicy => ({
			timeZone: r.timeZone,
			...(r.cutoff === undefined ? {} : { cutoff: r.cutoff }),
			dispatch: Object.freeze(r.dispatch.within === undefined ? { sameDayBy: r.dispatch.sameDayBy! } : { withinMs: ms(r.dispatch.within) }),
			atRiskLeadMs: ms(r.atRiskLead),
			freshnessMs: ms(r.freshness),
			exceptionResolutionMs: ms(r.exceptionResolution),
		}));
		this.exceptions = compile(policies.warehouseExceptions, (r): WarehouseExceptionPolicy => ({ action: r.action, severity: r.severity }));
		this.returnRules = compile(policies.returns, (r): ReturnsPolicy => ({ credit: r.credit }));
	}

	route(ctx: PolicyContext = {}): RoutingPolicy {
		return first(this.routing, ctx);
	}

	reattempt(ctx: PolicyContext = {}): ReattemptPolicy {
		return first(this.reattempts, ctx);
	}

	shortage(ctx: PolicyContext = {}): ShortagePolicy {
		return first(this.shortages, ctx);
	}

	sla(ctx: PolicyContext = {}): SlaPolicy {
		return first(this.slas, ctx);
	}

	/** What to do about a warehouse exception: matched on its code as well as the order. */
	warehouseException(code: string, ctx: PolicyContext = {}): WarehouseExceptionPolicy {
		return first(this.exceptions, { ...ctx, code });
	}

	returns(ctx: PolicyContext = {}): ReturnsPolicy {
		return first(this.returnRules, ctx);
	}
}
