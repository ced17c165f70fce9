import { ConfigurationInvalidError, WAYBILL_FACTS } from "../../canonical/index.ts";
import { DEFAULT_PARTNER_POLICY, type PartnerPolicySettings } from "../../mixins/resilience/partner-policy.ts";
import { secretKey } from "./webhook-signature.ts";
import { assertWebhookUrl } from "./url-policy.ts";

/** HTTP attempts of one delivery before it is failed and dead-lettered. */
export const DEFAULT_MAX_ATTEMPTS = 8;
/**
 * Delay before attempt n+1 (the last repeats), jittered by the stream; a receiver's Retry-After
 * wins, up to the longest step. Minutes, not the spec's days: a delivery being retried holds its
 * partition of the notifications stream (per-subscriber order), see README.md.
 */
export const DEFAULT_BACKOFF_MS = [5_000, 30_000, 120_000, 300_000, 600_000, 1_200_000, 1_800_000];
/** The spec recommends 15 to 30 s for a receiver to answer. */
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_RETENTION_DAYS = 30;

/** The subscription SLA_WEBHOOK_URL configures: every SLA at-risk and breached fact, to the operators' endpoint. */
export const SLA_SUBSCRIPTION_ID = "sub_sla";
const SLA_EVENT_TYPES = [WAYBILL_FACTS.SLA_AT_RISK, WAYBILL_FACTS.SLA_BREACHED];

export interface ConfiguredSubscription {
	id: string;
	url: string;
	secret: string;
	eventTypes: string[];
	description: string;
}

export interface NotifierSettings {
	allowPrivateUrls: boolean;
	maxAttempts: number;
	backoffMs: number[];
	retentionMs: number;
	/** Per subscriber host: timeout per attempt, breaker, bulkhead; never retries (the stream does). */
	policy: PartnerPolicySettings;
	sla?: ConfiguredSubscription;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value <= 0) throw new ConfigurationInvalidError(name, `expected a positive integer, got '${raw}'`);
	return value;
}

function steps(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const values = raw.split(",").map((s) => Number(s.trim()));
	if (values.some((v) => !Number.isInteger(v) || v < 0)) throw new ConfigurationInvalidError(name, `expected comma-separated milliseconds, got '${raw}'`);
	return values;
}

function slaSubscription(env: NodeJS.ProcessEnv): ConfiguredSubscription | undefined {
	const url = env.SLA_WEBHOOK_URL;
	if (!url) return undefined;
	const secret = env.SLA_WEBHOOK_SECRET ?? "";
	const check = (setting: string, run: () => unknown) => {
		try {
			run();
		} catch (e: unknown) {
			throw new ConfigurationInvalidError(setting, (e as Error).message);
		}
	};
	// The operators' own endpoint: it may well be inside the cluster, so private hosts are allowed.
	check("SLA_WEBHOOK_URL", () => assertWebhookUrl(url, true));
	check("SLA_WEBHOOK_SECRET", () => secretKey(secret));
	return { id: SLA_SUBSCRIPTION_ID, url, secret, eventTypes: SLA_EVENT_TYPES, description: "SLA at-risk and breached alerts (SLA_WEBHOOK_URL)" };
}

/** Read when the service is created, so a test or a restarted process sees the current environment. */
export function notifierSettings(env: NodeJS.ProcessEnv = process.env): NotifierSettings {
	return {
		allowPrivateUrls: env.NOTIFIER_ALLOW_PRIVATE_URLS === "true",
		maxAttempts: positive(env, "NOTIFIER_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
		backoffMs: steps(env, "NOTIFIER_BACKOFF_MS", DEFAULT_BACKOFF_MS),
		retentionMs: positive(env, "NOTIFIER_RETENTION_DAYS", DEFAULT_RETENTION_DAYS) * 86_400_000,
		policy: {
			...DEFAULT_PARTNER_POLICY,
			timeoutMs: positive(env, "NOTIFIER_TIMEOUT_MS", DEFAULT_TIMEOUT_MS),
			retryAttempts: 0,
			breakerThreshold: 5,
			breakerHalfOpenAfterMs: 30_000,
			bulkheadLimit: 8,
			bulkheadQueue: 256,
		},
		sla: slaSubscription(env),
	};
}
