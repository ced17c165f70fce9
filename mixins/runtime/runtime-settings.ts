import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";
import { DEFAULT_DEDUP_WINDOW_MS, DEFAULT_PARTITIONS } from "../streams/stream-bus.ts";

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
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value <= 0) throw new ConfigurationInvalidError(name, `expected a positive integer, got '${raw}'`);
	return value;
}

export function runtimeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
	const transporter = env.TRANSPORTER;
	const natsUrl = env.NATS_URL || (transporter?.startsWith("nats://") ? transporter : undefined);
	const redisUrl = env.REDIS_URL || undefined;
	const mode = natsUrl ? "distributed" : "embedded";
	if (mode === "distributed" && !redisUrl) {
		throw new ConfigurationInvalidError("REDIS_URL", "distributed mode (NATS) needs a shared store; an in-memory store would split state between processes");
	}
	return {
		mode,
		natsUrl,
		redisUrl: mode === "distributed" ? redisUrl : undefined,
		partitions: intFrom(env, "STREAM_PARTITIONS", DEFAULT_PARTITIONS),
		replicas: intFrom(env, "STREAM_REPLICAS", 1),
		dedupWindowMs: intFrom(env, "STREAM_DEDUP_WINDOW_MS", DEFAULT_DEDUP_WINDOW_MS),
	};
}

export const EMBEDDED_SETTINGS: RuntimeSettings = {
	mode: "embedded",
	partitions: DEFAULT_PARTITIONS,
	replicas: 1,
	dedupWindowMs: DEFAULT_DEDUP_WINDOW_MS,
};
