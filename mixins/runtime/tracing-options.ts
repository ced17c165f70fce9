import { createRequire } from "node:module";
import type { BrokerOptions } from "moleculer";
import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";

type TracingOptions = NonNullable<Exclude<BrokerOptions["tracing"], boolean>>;

/**
 * Moleculer's trace exporters, as TRACING_EXPORTER names them (comma-separated, any case), with
 * the options each takes from the environment and the package it needs beyond Moleculer.
 */
const EXPORTERS: Record<string, { type: string; needs?: string; options(env: NodeJS.ProcessEnv): Record<string, unknown> }> = {
	// Plain text: the lines sit between pino's JSON lines, so no colours.
	console: { type: "Console", options: () => ({ colors: false }) },
	// Spans as Moleculer events (`$tracing.spans`), for a service of your own to forward.
	event: { type: "Event", options: () => ({}) },
	// Zipkin's v2 JSON API (also what Jaeger's and Tempo's Zipkin receivers take).
	zipkin: { type: "Zipkin", options: (env) => ({ baseURL: env.ZIPKIN_URL || "http://localhost:9411" }) },
	newrelic: { type: "NewRelic", options: (env) => ({ insertKey: required(env, "NEW_RELIC_INSERT_KEY", "NewRelic"), ...(env.NEW_RELIC_TRACE_API_URL ? { baseURL: env.NEW_RELIC_TRACE_API_URL } : {}) }) },
	jaeger: { type: "Jaeger", needs: "jaeger-client", options: (env) => ({ ...(env.JAEGER_ENDPOINT ? { endpoint: env.JAEGER_ENDPOINT } : {}), host: env.JAEGER_HOST || "127.0.0.1", port: Number(env.JAEGER_PORT || 6832) }) },
	datadog: { type: "Datadog", needs: "dd-trace", options: (env) => ({ agentUrl: env.DD_AGENT_URL || "http://localhost:8126" }) },
};

function required(env: NodeJS.ProcessEnv, name: string, exporter: string): string {
	const value = env[name];
	if (!value) throw new ConfigurationInvalidError(name, `the ${exporter} trace exporter needs it`);
	return value;
}

const installed = (pkg: string): boolean => {
	try {
		createRequire(import.meta.url).resolve(pkg);
		return true;
	} catch {
		return false;
	}
};

/**
 * TRACING=true turns Moleculer tracing on: a span per action call and, with the same trace id as
 * the order's `traceparent`, per message handled and per request taken in. TRACING_EXPORTER picks
 * where spans go (Console by default), TRACING_SAMPLE_RATE (0 to 1, default 1) how many new traces
 * are kept. A name that is not an exporter, or one whose package is missing, refuses to start.
 */
export function tracingOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TracingOptions {
	const enabled = env.TRACING === "true" || env.TRACING === "1";
	if (!enabled) return { enabled: false };
	const names = (env.TRACING_EXPORTER || "Console").split(",").map((n) => n.trim().toLowerCase()).filter(Boolean);
	const exporter = names.map((name) => {
		const known = EXPORTERS[name];
		if (!known) throw new ConfigurationInvalidError("TRACING_EXPORTER", `'${name}' is not one of ${Object.values(EXPORTERS).map((e) => e.type).join(", ")}`);
		if (known.needs && !installed(known.needs)) throw new ConfigurationInvalidError("TRACING_EXPORTER", `the ${known.type} exporter needs the '${known.needs}' package: npm install ${known.needs}`);
		return { type: known.type, options: known.options(env) };
	});
	const rate = env.TRACING_SAMPLE_RATE === undefined || env.TRACING_SAMPLE_RATE === "" ? 1 : Number(env.TRACING_SAMPLE_RATE);
	if (!(rate >= 0 && rate <= 1)) throw new ConfigurationInvalidError("TRACING_SAMPLE_RATE", `expected a number from 0 to 1, got '${env.TRACING_SAMPLE_RATE}'`);
	return { enabled: true, exporter: exporter as TracingOptions["exporter"], sampling: { rate } };
}
