import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { ScenarioName } from "./scenario-mix.ts";

const DEMO_POLICIES = fileURLToPath(new URL("../../config/policies.demo.json", import.meta.url));

export interface DemoOptions {
	orders: number;
	json: boolean;
	distributed: boolean;
	concurrency: number;
	stepDelayMs: number;
	timeoutMs: number;
	stuckAfterMs: number;
	transporter: string;
	redisUrl: string;
	keep: boolean;
	x12: boolean;
	/** Keep the platform (and the control tower) running after the summary, until Ctrl-C. */
	serve: boolean;
	/** The gateway's port; a free one when absent. */
	port?: number;
	scenario: ScenarioName;
	/** The demo's own policies (SLA targets a short run can meet and miss), unless POLICIES_FILE names others. */
	policiesFile: string;
}

const USAGE = `usage: npm run demo -- [--orders N] [--json] [--distributed] [--concurrency N] [--step-delay-ms N] [--timeout-ms N] [--serve] [--port N]
  --orders N          orders to push through (default 50)
  --json              print the summary as one JSON object, as the last line
  --distributed       one process per service over NATS JetStream and Redis (TRANSPORTER, REDIS_URL)
  --concurrency N     orders released in parallel (default 16)
  --step-delay-ms N   simulated partner delay between execution events (default 20)
  --timeout-ms N      give up waiting after this long (default 180000)
  --x12               send every other order to warehouse WH2, whose 3PL speaks ASC X12 (940 out, 945/856 back)
  --scenario NAME     realistic (default): short picks, splits, stock adjustments, warehouse exceptions, failed
                      deliveries, cancellations, changes and returns mixed in; happy: none of them
  --keep              distributed: leave streams and keys in place for inspection
  --serve             keep everything running after the summary, with the control tower at
                      http://127.0.0.1:<port>/control-tower, until Ctrl-C
  --port N            the gateway's port (default: a free one)`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
	if (raw === undefined) return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got '${raw}'\n${USAGE}`);
	return value;
}

export function parseDemoOptions(argv: string[]): DemoOptions {
	const { values } = parseArgs({
		args: argv,
		options: {
			orders: { type: "string" },
			json: { type: "boolean", default: false },
			distributed: { type: "boolean", default: false },
			concurrency: { type: "string" },
			"step-delay-ms": { type: "string" },
			"timeout-ms": { type: "string" },
			keep: { type: "boolean", default: false },
			x12: { type: "boolean", default: false },
			serve: { type: "boolean", default: false },
			port: { type: "string" },
			scenario: { type: "string", default: "realistic" },
			help: { type: "boolean", default: false },
		},
	});
	if (values.help) {
		console.log(USAGE);
		process.exit(0);
	}
	if (values.scenario !== "realistic" && values.scenario !== "happy") throw new Error(`--scenario must be realistic or happy, got '${values.scenario}'\n${USAGE}`);
	return {
		scenario: values.scenario,
		policiesFile: process.env.POLICIES_FILE || DEMO_POLICIES,
		orders: positiveInt("orders", values.orders, 50),
		json: values.json,
		distributed: values.distributed,
		concurrency: Math.max(1, positiveInt("concurrency", values.concurrency, 16)),
		stepDelayMs: positiveInt("step-delay-ms", values["step-delay-ms"], 20),
		timeoutMs: positiveInt("timeout-ms", values["timeout-ms"], 180_000),
		stuckAfterMs: 15_000,
		transporter: process.env.TRANSPORTER || "nats://127.0.0.1:4222",
		redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379",
		keep: values.keep,
		x12: values.x12,
		serve: values.serve,
		...(values.port !== undefined ? { port: positiveInt("port", values.port, 0) } : {}),
	};
}
