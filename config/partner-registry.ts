import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertMatches } from "../canonical/validation.ts";
import { ConfigurationInvalidError, PartnerUnknownError } from "../canonical/errors/index.ts";
import type { PartnerSystem } from "../canonical/channels.ts";
import { DEFAULT_PARTNER_POLICY, type PartnerPolicySettings } from "../mixins/resilience/partner-policy.ts";

export interface WebhookVerification {
	scheme: "hmac-sha256-hex" | "onfleet-hmac-sha512" | "easypost-hmac-sha256" | "shopify-hmac-sha256-base64" | "frappe-hmac-sha256-base64" | "standard-webhooks";
	signatureHeader: string;
	signaturePrefix?: string;
	deliveryIdHeader?: string;
	secretEnv: string;
	/** JSONata over the verified body naming the order, so one order's messages share a partition. */
	orderKey?: string;
	/**
	 * An EDI partner's webhooks carry interchanges: their identity is the sender and control
	 * reference (X12 ISA06 and ISA13, EDIFACT UNB sender and 0020), their order read from the body.
	 */
	format?: "json" | "x12" | "edifact";
	/** JSONata over the verified body giving the partner's own event id: the deduplication identity. */
	eventId?: string;
	/** How long a seen event id is remembered: at least the partner's retry horizon. Default 7 days. */
	dedupHorizonHours?: number;
	/** Requests per second this partner may send; above it, 429 with Retry-After. Default WEBHOOK_RATE_LIMIT_PER_SECOND. */
	rateLimitPerSecond?: number;
	/**
	 * The partner signs a timestamp with the body (`<timestamp>.<body>`): requests signed longer ago
	 * (or further ahead) than `toleranceSeconds` are refused, so a captured request cannot be replayed later.
	 */
	timestamp?: { header: string; toleranceSeconds: number };
}

export interface PartnerEntry {
	system: PartnerSystem;
	partner: string;
	/** The mapping profile in mappings/<system>/<profile>/. */
	profile: string;
	urlEnv?: string;
	default?: boolean;
	warehouses?: string[];
	/** False for a WMS that answers no inventory queries. */
	inventory?: boolean;
	webhook?: WebhookVerification;
	/** X12 partners: how long they have to send the 997 for an interchange Waybill sent (default one hour). */
	edi?: { ackWithinMs?: number };
	policy: PartnerPolicySettings;
}

const registrySchema = {
	$$root: true,
	type: "array",
	min: 1,
	items: {
		type: "object",
		props: {
			system: { type: "enum", values: ["erp", "wms", "lastmile"] },
			partner: { type: "string", pattern: /^[a-z0-9-]+$/ },
			profile: { type: "string", pattern: /^[a-z0-9-]+$/ },
			urlEnv: { type: "string", optional: true, pattern: /^[A-Z0-9_]+$/ },
			default: { type: "boolean", optional: true },
			warehouses: { type: "array", optional: true, items: "string" },
			inventory: { type: "boolean", optional: true },
			webhook: {
				type: "object",
				optional: true,
				props: {
					scheme: { type: "enum", values: ["hmac-sha256-hex", "onfleet-hmac-sha512", "easypost-hmac-sha256", "shopify-hmac-sha256-base64", "frappe-hmac-sha256-base64", "standard-webhooks"] },
					signatureHeader: "string|lowercase",
					signaturePrefix: "string|optional",
					deliveryIdHeader: "string|optional|lowercase",
					secretEnv: { type: "string", pattern: /^[A-Z0-9_]+$/ },
					orderKey: "string|optional",
					eventId: "string|optional",
					format: { type: "enum", values: ["json", "x12", "edifact"], optional: true },
					dedupHorizonHours: { type: "number", optional: true, positive: true },
					rateLimitPerSecond: { type: "number", optional: true, integer: true, positive: true },
					timestamp: {
						type: "object",
						optional: true,
						strict: true,
						props: { header: "string|lowercase", toleranceSeconds: { type: "number", integer: true, positive: true, max: 86_400 } },
					},
				},
			},
			edi: { type: "object", optional: true, props: { ackWithinMs: { type: "number", integer: true, positive: true, optional: true } } },
			policy: { type: "object", optional: true, props: {}, $$strict: false },
		},
	},
} as const;

const DEFAULT_FILE = fileURLToPath(new URL("./partners.json", import.meta.url));

/** Loads and validates the partner registry once; PARTNERS_FILE points at another (a ConfigMap). */
export function loadPartnerRegistry(file = process.env.PARTNERS_FILE || DEFAULT_FILE): PartnerRegistry {
	let raw: { partners?: unknown };
	try {
		raw = JSON.parse(readFileSync(file, "utf8"));
	} catch (e: unknown) {
		throw new ConfigurationInvalidError("PARTNERS_FILE", `cannot read ${file}: ${(e as Error).message}`);
	}
	const entries = assertMatches<Array<Omit<PartnerEntry, "policy"> & { policy?: Partial<PartnerPolicySettings> }>>(
		"partner registry",
		registrySchema,
		raw.partners,
	);
	return new PartnerRegistry(entries.map((e) => ({ ...e, policy: { ...DEFAULT_PARTNER_POLICY, ...e.policy } })));
}

export class PartnerRegistry {
	constructor(readonly entries: PartnerEntry[]) {}

	find(system: string, partner: string): PartnerEntry {
		const entry = this.entries.find((e) => e.system === system && e.partner === partner);
		if (!entry) throw new PartnerUnknownError(system, partner);
		return entry;
	}

	/** The partner a system's commands go to when the message names none. */
	defaultFor(system: PartnerSystem): PartnerEntry {
		const entry = this.entries.find((e) => e.system === system && e.default) ?? this.entries.find((e) => e.system === system);
		if (!entry) throw new PartnerUnknownError(system, "(default)");
		return entry;
	}

	/** The WMS partner that runs a warehouse (the routing rule), else the default WMS. */
	wmsForWarehouse(warehouse: string | undefined): PartnerEntry {
		const entry = warehouse ? this.entries.find((e) => e.system === "wms" && e.warehouses?.includes(warehouse)) : undefined;
		return entry ?? this.defaultFor("wms");
	}

	defaultWarehouse(): string {
		return this.defaultFor("wms").warehouses?.[0] ?? "WH1";
	}

	baseUrl(entry: PartnerEntry, env: NodeJS.ProcessEnv = process.env): string {
		const url = entry.urlEnv ? env[entry.urlEnv] : undefined;
		if (!url) throw new ConfigurationInvalidError(entry.urlEnv ?? entry.partner, `no URL configured for partner '${entry.partner}'`);
		return url;
	}

	/**
	 * Each partner's webhook credential is its own: were two partners to share a secret, one could
	 * post as the other. Refuses to start naming both partners (never the secret).
	 */
	assertOwnWebhookSecrets(env: NodeJS.ProcessEnv = process.env): void {
		const owner = new Map<string, PartnerEntry>();
		for (const entry of this.entries) {
			for (const secret of this.webhookSecrets(entry, env)) {
				const other = owner.get(secret);
				if (other && other !== entry) {
					throw new ConfigurationInvalidError(entry.webhook!.secretEnv, `partners '${other.system}/${other.partner}' and '${entry.system}/${entry.partner}' share a webhook secret; each partner needs its own`);
				}
				owner.set(secret, entry);
			}
		}
	}

	webhookSecrets(entry: PartnerEntry, env: NodeJS.ProcessEnv = process.env): string[] {
		if (!entry.webhook) return [];
		// Two secrets may be active during a rotation: "new,old".
		return (env[entry.webhook.secretEnv] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
	}
}
