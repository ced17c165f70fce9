import { CHANNELS, GROUPS } from "../../canonical/channels.ts";
import type { BackpressureSettings } from "./backpressure.ts";
import type { RateLimitSettings } from "./auth/rate-limits.ts";

/** Bodies above this many bytes go to the payload store, and the inbound message carries a reference (claim check). */
export const DEFAULT_PAYLOAD_INLINE_MAX_BYTES = 256 * 1024;

function positive(name: string, fallback: number): number {
	const value = Number(process.env[name] ?? fallback);
	return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Gateway settings from the environment, read once when the service is created. */
export function gatewaySettings() {
	const backpressure: BackpressureSettings = {
		limit: positive("BACKLOG_LIMIT", 20_000),
		refreshMs: positive("BACKLOG_REFRESH_MS", 1_000),
		watched: [
			{ channel: CHANNELS.INBOUND, group: GROUPS.MAPPER },
			{ channel: CHANNELS.EVENTS, group: GROUPS.SAGA },
		],
	};
	const rateLimits: RateLimitSettings = {
		apiPerSecond: Math.floor(positive("API_RATE_LIMIT_PER_SECOND", 200)),
		webhookPerSecond: Math.floor(positive("WEBHOOK_RATE_LIMIT_PER_SECOND", 500)),
		anonymousPerSecond: Math.floor(positive("ANONYMOUS_RATE_LIMIT_PER_SECOND", 20)),
	};
	return {
		rateLimits,
		port: Number(process.env.PORT ?? 3000),
		ip: process.env.HOST ?? "0.0.0.0",
		backpressure,
		defaultDedupHorizonMs: positive("INBOUND_DEDUP_HORIZON_HOURS", 168) * 3_600_000,
		payloadInlineMaxBytes: Math.floor(positive("PAYLOAD_INLINE_MAX_BYTES", DEFAULT_PAYLOAD_INLINE_MAX_BYTES)),
	};
}
