import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";
import { DEFAULT_DEDUP_WINDOW_MS, DEFAULT_PARTITIONS } from "../streams/stream-bus.ts";
import { DEFAULT_MAX_AGE_MS } from "../streams/jetstream.bus.ts";
import { DAY_MS, DEFAULT_PAYLOAD_TTL_MS } from "../payloads/payload-store.ts";
import { redactUrl } from "../logging/redact-url.ts";

/**
 * A payload must outlive every message that references it: a put leaves it at least half its TTL
 * to live, and a message (inbound, then maybe a dead letter hours later) lives up to the streams'
 * max age. Half the TTL must cover that, with a day to spare.
 */
export const MIN_PAYLOAD_TTL_MS = 2 * (DEFAULT_MAX_AGE_MS + DAY_MS / 2);

/**
 * How this process reaches its streams and store. Parsed once from the environment by
 * moleculer.config.ts and carried in the broker's metadata, so tests can start brokers with
 * settings of their own without touching process.env.
 */
export interface RuntimeSettings {
	/** Distributed when streams live in NATS JetStream; embedded otherwise. */
	mode: "embedded" | "distributed";
	natsUrl?: string;
	redisUrl?: string;
	partitions: number;
	replicas: number;
	dedupWindowMs: number;
	/** How long claim-checked payloads are kept (PAYLOAD_TTL_DAYS); 0 keeps them until deleted. */
	payloadTtlMs?: number;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value <= 0) throw new ConfigurationInvalidError(name, `expected a positive integer, got '${raw}'`);
	return value;
}

function payloadTtlFrom(env: NodeJS.ProcessEnv): number {
	const raw = env.PAYLOAD_TTL_DAYS;
	if (raw === undefined || raw === "") return DEFAULT_PAYLOAD_TTL_MS;
	const days = Number(raw);
	if (days === 0) return 0;
	if (!Number.isFinite(days) || days * DAY_MS < MIN_PAYLOAD_TTL_MS) {
		throw new ConfigurationInvalidError("PAYLOAD_TTL_DAYS", `expected 0 (keep until deleted) or at least ${MIN_PAYLOAD_TTL_MS / DAY_MS} days (twice the streams' retention and a day), got '${raw}'`);
	}
	return Math.round(days * DAY_MS);
}

/**
 * Broker metadata travels to every node in INFO packets, and `$node.options` answers it to any
 * caller: serialised, the settings show their URLs with the passwords masked. The broker itself
 * reads the object, not its JSON, and so still connects with them.
 */
function withoutPasswordsInJson(settings: RuntimeSettings): RuntimeSettings {
	const redacted = (url?: string) => (url ? redactUrl(url) : undefined);
	Object.defineProperty(settings, "toJSON", {
		enumerable: false,
		value: () => ({ ...settings, natsUrl: redacted(settings.natsUrl), redisUrl: redacted(settings.redisUrl) }),
	});
	return settings;
}

export function runtimeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
	const transporter = env.TRANSPORTER;
	const natsUrl = env.NATS_URL || (transporter?.startsWith("nats://") ? transporter : undefined);
	const redisUrl = env.REDIS_URL || undefined;
	const mode = natsUrl ? "distributed" : "embedded";
	if (mode === "distributed" && !redisUrl) {
		throw new ConfigurationInvalidError("REDIS_URL", "distributed mode (NATS) needs a shared store; an in-memory store would split state between processes");
	}
	return withoutPasswordsInJson({
		mode,
		natsUrl,
		redisUrl: mode === "distributed" ? redisUrl : undefined,
		partitions: intFrom(env, "STREAM_PARTITIONS", DEFAULT_PARTITIONS),
		replicas: intFrom(env, "STREAM_REPLICAS", 1),
		dedupWindowMs: intFrom(env, "STREAM_DEDUP_WINDOW_MS", DEFAULT_DEDUP_WINDOW_MS),
		payloadTtlMs: payloadTtlFrom(env),
	});
}

export const EMBEDDED_SETTINGS: RuntimeSettings = {
	mode: "embedded",
	partitions: DEFAULT_PARTITIONS,
	replicas: 1,
	dedupWindowMs: DEFAULT_DEDUP_WINDOW_MS,
};
