import { hostname } from "node:os";
import type { BrokerOptions } from "moleculer";
import { runtimeSettingsFromEnv } from "./mixins/runtime/runtime-settings.ts";
import { tracingOptionsFromEnv } from "./mixins/runtime/tracing-options.ts";
import { replCommands } from "./bin/repl-commands.ts";
import { waybillLogger } from "./mixins/logging/pino-logger.ts";
import { WAYBILL_PROMETHEUS } from "./mixins/metrics/prometheus-text.ts";
import { natsTransporter } from "./mixins/streams/nats-connection-options.ts";

const env = process.env;
const flag = (name: string) => env[name] === "true" || env[name] === "1";
/**
 * Metrics are collected by default in distributed mode (the gateway answers GET /metrics with its
 * node's); METRICS=true also starts the per-process exporter on METRICS_PORT, the scrape target of
 * every pod (k8s sets it); METRICS=false turns both off.
 */
const metrics = env.METRICS ? flag("METRICS") : Boolean(env.TRANSPORTER);

/**
 * The one broker configuration. Everything comes from the environment, so the same file serves
 * embedded mode (no TRANSPORTER: one process, in-memory streams and store) and distributed mode
 * (TRANSPORTER=nats://..., REDIS_URL=redis://...: any subset of services per process).
 */
const config: BrokerOptions = {
	namespace: env.NAMESPACE || "waybill",
	nodeID: env.NODE_ID || `${hostname()}-${process.pid}`,
	// Same credentials and TLS as the stream bus: NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED, NATS_CREDS_FILE, NATS_TLS*.
	transporter: natsTransporter(env),
	metadata: { waybill: runtimeSettingsFromEnv(env) },
	// pino JSON; personal data redacted; each line logged while a message is handled carries its correlation id, order id and partner.
	logger: waybillLogger({ level: env.LOG_LEVEL }),
	logLevel: (env.LOG_LEVEL as BrokerOptions["logLevel"]) || "info",
	requestTimeout: 10_000,
	retryPolicy: { enabled: false },
	// A node killed without a goodbye (SIGKILL, a lost pod) is dropped after 15 s of silence, not
	// Moleculer's 30 s (measured: calls still balanced to a killed mapper for 50 s with the defaults);
	// meanwhile an endpoint whose calls time out leaves the rotation after a few of them.
	heartbeatInterval: 5,
	heartbeatTimeout: 15,
	circuitBreaker: {
		enabled: true,
		threshold: 0.5,
		minRequestCount: 3,
		windowTime: 15,
		halfOpenTime: 10_000,
		// Only a silent node counts: an answer, even an error, proves the endpoint is alive.
		check: (err: Error & { type?: string }) => err?.type === "REQUEST_TIMEOUT",
	},
	serializer: "JSON",
	metrics: {
		enabled: metrics,
		reporter: flag("METRICS") ? [{ type: WAYBILL_PROMETHEUS as "Prometheus", options: { port: Number(env.METRICS_PORT || 3030), path: "/metrics" } }] : [],
	},
	// TRACING=true, TRACING_EXPORTER=Console|Event|Zipkin|NewRelic|Jaeger|Datadog (comma-separated), TRACING_SAMPLE_RATE.
	tracing: tracingOptionsFromEnv(env),
	replOptions: { customCommands: replCommands as never, delimiter: "waybill $" },
	// `$node.options` would answer this configuration (tracing exporters' keys among it) to any node that asks.
	internalServices: { $node: { actions: { options: false } } },
};

export default config;
