import { parseArgs } from "node:util";
import { ErpSimulator, LastMileSimulator, WmsSimulator, WmsX12Simulator } from "./index.ts";

/**
 * Runs one simulator as its own process:
 *   node --import tsx simulators/run.ts <erp|wms|wms-x12|lastmile> [--port N]
 * Env: SIM_PORT, SIM_CALLBACK_URL, SIM_SECRET, SIM_STEP_DELAY_MS, and for the simulators that send
 * webhooks SIM_MAX_ATTEMPTS (attempts per delivery), SIM_DUPLICATES (copies of each delivery)
 * and SIM_OUT_OF_ORDER (chance per order of two events swapped); for the ERP, SIM_WAYBILL_URL (where
 * its driver sends cancellations, changes and returns); for the JSON WMS, SIM_EXCEPTION_DELAY_MS (how long a
 * blocked wave or a carrier no-show holds an order); for last-mile, SIM_PARTNER_ID (which courier on Onfleet it plays). Scenarios are set with POST /_sim/scenario.
 * Stdout carries exactly one JSON line, `{"sim":..,"url":..}`, which the demo parses; logs go to stderr.
 */

const SIM_KINDS = ["erp", "wms", "wms-x12", "lastmile"] as const;
type SimKind = (typeof SIM_KINDS)[number];
/** Development secrets; Onfleet's must be hex because Onfleet signs with the decoded bytes. */
const DEFAULT_SECRETS: Record<SimKind, string> = { erp: "", wms: "waybill-dev-secret", "wms-x12": "waybill-dev-secret", lastmile: "77617962696c6c2d6465762d736563726574" };
/** After a stop the process should end by itself; this only guards against a leak hanging the demo. */
const FORCED_EXIT_MS = 5000;

interface Simulator {
  start(port?: number): Promise<{ url: string }>;
  stop(): Promise<void>;
}

function log(line: string): void {
  process.stderr.write(`[sim] ${line}\n`);
}

function isSimKind(value: string | undefined): value is SimKind {
  return SIM_KINDS.some((kind) => kind === value);
}

/** A numeric setting from the environment, as an option only when set; a typo stops the run. */
function envNumber<K extends string>(env: NodeJS.ProcessEnv, name: string, option: K, valid: (n: number) => boolean): Partial<Record<K, number>> {
  const raw = env[name];
  if (raw === undefined || raw === "") return {};
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) throw new Error(`invalid ${name}=${raw}`);
  return { [option]: value } as Partial<Record<K, number>>;
}

function create(kind: SimKind, env: NodeJS.ProcessEnv): Simulator {
  if (kind === "erp") return new ErpSimulator({ ...(env["SIM_WAYBILL_URL"] ? { waybillUrl: env["SIM_WAYBILL_URL"] } : {}), ...(env["SIM_WAYBILL_API_KEY"] ? { apiKey: env["SIM_WAYBILL_API_KEY"] } : {}), log: (line: string) => log(`erp: ${line}`) });
  const options = {
    secret: env["SIM_SECRET"] ?? DEFAULT_SECRETS[kind],
    ...(env["SIM_CALLBACK_URL"] ? { callbackUrl: env["SIM_CALLBACK_URL"] } : {}),
    ...(env["SIM_STEP_DELAY_MS"] ? { stepDelayMs: Number(env["SIM_STEP_DELAY_MS"]) } : {}),
    ...envNumber(env, "SIM_MAX_ATTEMPTS", "maxAttempts", (n) => Number.isInteger(n) && n >= 1),
    ...envNumber(env, "SIM_DUPLICATES", "duplicateWebhooks", (n) => Number.isInteger(n) && n >= 1),
    ...envNumber(env, "SIM_OUT_OF_ORDER", "outOfOrderProbability", (n) => n >= 0 && n <= 1),
    ...envNumber(env, "SIM_EXCEPTION_DELAY_MS", "exceptionDelayMs", (n) => Number.isInteger(n) && n >= 0),
    ...(env["SIM_PARTNER_ID"] ? { partnerId: env["SIM_PARTNER_ID"] } : {}),
    log: (line: string) => log(`${kind}: ${line}`),
  };
  if (kind === "wms") return new WmsSimulator(options);
  return kind === "wms-x12" ? new WmsX12Simulator(options) : new LastMileSimulator(options);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { port: { type: "string" } }, allowPositionals: true });
  const kind = positionals[0];
  if (!isSimKind(kind)) {
    log(`usage: run.ts <${SIM_KINDS.join("|")}> [--port N]`);
    process.exitCode = 2;
    return;
  }
  const port = Number(values.port ?? process.env["SIM_PORT"] ?? 0);
  if (!Number.isInteger(port) || port < 0) throw new Error(`invalid port ${String(values.port ?? process.env["SIM_PORT"])}`);

  const sim = create(kind, process.env);
  const { url } = await sim.start(port);
  process.stdout.write(`${JSON.stringify({ sim: kind, url })}\n`);
  log(`${kind} listening on ${url}`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${kind} stopping on ${signal}`);
    setTimeout(() => {
      log(`${kind} still busy ${FORCED_EXIT_MS} ms after stop; forcing exit`);
      process.exit(0);
    }, FORCED_EXIT_MS).unref();
    sim.stop().then(
      () => (process.exitCode = 0),
      (err: unknown) => {
        log(`${kind} stop failed: ${String(err)}`);
        process.exitCode = 1;
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
