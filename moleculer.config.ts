import { hostname } from "node:os";
import type { BrokerOptions } from "moleculer";
import { runtimeSettingsFromEnv } from "./mixins/runtime/runtime-settings.ts";
import { replCommands } from "./bin/repl-commands.ts";

const env = process.env;
const flag = (name: string) => env[name] === "true" || env[name] === "1";

/**
 * The one broker configuration. Everything comes from the environment, so the same file serves
 * embedded mode (no TRANSPORTER: one process, in-memory streams and store) and distributed mode
 * (TRANSPORTER=nats://..., REDIS_URL=redis://...: any subset of services per process).
 */
const config: BrokerOptions = {
	namespace: env.NAMESPACE || "waybill",
	nodeID: env.NODE_ID || `${hostname()}-${process.pid}`,
	transporter: (env.TRANSPORTER || null) as BrokerOptions["transporter"],
	metadata: { waybill: runtimeSettingsFromEnv(env) },
	logger: {
		type: "Pino",
		options: {
			level: env.LOG_LEVEL || "info",
			pino: {
				options: {
					// Personal data never reaches the logs, whatever a handler passes in.
					redact: { paths: ["*.shipTo", "*.customer", "*.recipients", "*.address", "*.email", "*.phone", "*.name", "*.authorization", "*.password"], censor: "[redacted]" },
				},
			},
		},
	},
	logLevel: (env.LOG_LEVEL as BrokerOptions["logLevel"]) || "info",
	requestTimeout: 10_000,
	retryPolicy: { enabled: false },
	serializer: "JSON",
	metrics: {
		enabled: flag("METRICS"),
		reporter: [{ type: "Prometheus", options: { port: Number(env.METRICS_PORT || 3030), path: "/metrics" } }],
	},
	tracing: {
		enabled: flag("TRACING"),
		exporter: [{ type: (env.TRACING_EXPORTER || "Console") as "Console", options: {} }],
	},
	replOptions: { customCommands: replCommands as never, delimiter: "waybill $" },
};

export default config;
