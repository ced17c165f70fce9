import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiFaults, type Fault } from "./api-faults.ts";
import { parseFaultRequest, type ApiFaultState, type FaultRequest, type WebhookChaos } from "./fault-settings.ts";
import { IdempotencyStore } from "./idempotency-store.ts";

/** One request as a simulator saw it; tests assert on the list of these. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Header names are lower-case; repeated headers are joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when the body is not JSON ("" when empty). */
  body: unknown;
  at: string;
  /** Set when the request met an injected fault and so reached no partner logic. */
  faulted?: true;
}

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** Query string parameters; a repeated one keeps its last value. */
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON, or undefined when the body was empty; the raw text on a `rawBody` route. */
  body: unknown;
}

export interface SimReply {
  status: number;
  body: unknown;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path with `:name` segments, e.g. `/api/orders/:orderId/status`. */
  pattern: string;
  /**
   * For partners that do not speak JSON (X12): the request body reaches the handler as raw text,
   * and a string reply body goes out as-is with this content type (other bodies stay JSON).
   */
  rawBody?: { contentType: string };
  handle(req: SimRequest): SimReply;
}

/** How a simulator that sends webhooks lets `/_sim/faults` read and change its webhook chaos. */
export interface WebhookChaosControl {
  get(): WebhookChaos;
  set(change: Partial<WebhookChaos>): void;
}

export interface SimServerOptions {
  routes: Route[];
  stats: () => object;
  webhookChaos?: WebhookChaosControl;
}

/** The faults as `/_sim/faults` shows them; the webhook part only on simulators that send webhooks. */
export type FaultsState = ApiFaultState & Partial<WebhookChaos>;

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const CONTROL_PREFIX = "/_sim/";
const FAULT_BODY = { error: "injected fault" };

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

/**
 * The HTTP shell every simulator shares: JSON in and out, recording, the `/_sim/*` control
 * endpoints, Idempotency-Key handling and injected faults, so each simulator only writes its
 * partner's logic.
 */
export class SimServer {
  private readonly routes: CompiledRoute[];
  private readonly recorded: RecordedRequest[] = [];
  private readonly idempotency = new IdempotencyStore();
  private readonly apiFaults = new ApiFaults();
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(private readonly options: SimServerOptions) {
    this.routes = options.routes.map(compile);
  }

  get replays(): number {
    return this.idempotency.replays;
  }

  get faultsServed(): number {
    return this.apiFaults.faultsServed;
  }

  get url(): string | undefined {
    return this.baseUrl;
  }

  received(): RecordedRequest[] {
    return [...this.recorded];
  }

  reset(): void {
    this.recorded.length = 0;
  }

  faults(): FaultsState {
    return { ...this.apiFaults.state(), ...this.options.webhookChaos?.get() };
  }

  /** Changes the faults as `POST /_sim/faults` does; throws on a change that endpoint would refuse. */
  setFaults(change: FaultRequest): FaultsState {
    const checked = parseFaultRequest(change, this.options.webhookChaos !== undefined);
    if (typeof checked === "string") throw new Error(checked);
    return this.applyFaults(checked);
  }

  private applyFaults(checked: FaultRequest): FaultsState {
    const { mode, durationMs, probability, retryAfterSeconds, holdMs, duplicateWebhooks, outOfOrderProbability } = checked;
    if (mode !== undefined) {
      this.apiFaults.set({ mode, ...defined({ durationMs, probability, retryAfterSeconds, holdMs }) });
    }
    const chaos = defined({ duplicateWebhooks, outOfOrderProbability });
    if (Object.keys(chaos).length > 0) this.options.webhookChaos?.set(chaos);
    return this.faults();
  }

  async start(port = 0): Promise<{ url: string }> {
    if (this.baseUrl !== undefined) return { url: this.baseUrl };
    const server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => reply(res, 500, { error: String(err) }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url: this.baseUrl };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.baseUrl = undefined;
    // Held requests would keep their sockets, and close() with them, busy for holdMs.
    this.apiFaults.clear();
    // Keep-alive sockets would hold close() open, and the process with it.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const queryAt = path.indexOf("?");
    const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
    const search = queryAt === -1 ? "" : path.slice(queryAt + 1);
    const headers = flattenHeaders(req);
    const raw = await readBody(req);
    const parsed = parseJson(raw);

    if (pathname.startsWith(CONTROL_PREFIX)) return this.control(method, pathname, raw, parsed, res);
    const match = this.match(method, pathname);
    // Faults hit before any partner logic, as an overloaded gateway in front of the API would.
    const fault = match === undefined ? undefined : this.apiFaults.pick();
    this.recorded.push({
      method,
      path,
      headers,
      body: parsed.ok ? parsed.value : raw,
      at: new Date().toISOString(),
      ...(fault === undefined ? {} : { faulted: true as const }),
    });

    if (match === undefined) return reply(res, 404, { error: `no route for ${method} ${pathname}` });
    if (fault !== undefined) return this.serveFault(fault, res);
    const key = headers["idempotency-key"];
    if (method === "POST" && !key) return reply(res, 400, { error: "missing Idempotency-Key" });
    const rawBody = match.route.rawBody;
    if (rawBody === undefined && raw !== "" && !parsed.ok) return reply(res, 400, { error: "body is not JSON" });

    const scope = `${method} ${pathname}`;
    const replayed = key ? this.idempotency.replay(scope, key) : undefined;
    if (replayed !== undefined) return replyAs(res, replayed, rawBody);

    const query = Object.fromEntries(new URLSearchParams(search));
    const body = rawBody === undefined ? parsed.value : raw;
    const answer = match.route.handle({ method, path: pathname, params: match.params, query, headers, body });
    if (key) this.idempotency.remember(scope, key, answer);
    replyAs(res, answer, rawBody);
  }

  private serveFault(fault: Fault, res: ServerResponse): void {
    if (fault.mode === "error500") return reply(res, 500, FAULT_BODY);
    if (fault.mode === "rate-limit") return reply(res, 429, FAULT_BODY, { "retry-after": String(fault.retryAfterSeconds) });
    this.apiFaults.hold(res, fault.holdMs, () => reply(res, 504, FAULT_BODY));
  }

  private control(method: string, pathname: string, raw: string, parsed: { ok: boolean; value: unknown }, res: ServerResponse): void {
    const action = `${method} ${pathname.slice(CONTROL_PREFIX.length)}`;
    if (action === "GET health") return reply(res, 200, { ok: true });
    if (action === "GET received") return reply(res, 200, this.received());
    if (action === "GET stats") return reply(res, 200, this.options.stats());
    if (action === "GET faults") return reply(res, 200, this.faults());
    if (action === "POST faults") {
      if (raw !== "" && !parsed.ok) return reply(res, 400, { error: "body is not JSON" });
      const checked = parseFaultRequest(parsed.value, this.options.webhookChaos !== undefined);
      if (typeof checked === "string") return reply(res, 400, { error: checked });
      return reply(res, 200, this.applyFaults(checked));
    }
    if (action === "POST reset") {
      this.reset();
      return reply(res, 200, { ok: true });
    }
    // A simulator's own controls (its scenario): routes under /_sim/, neither recorded nor faulted.
    const own = this.match(method, pathname);
    if (own !== undefined) {
      if (raw !== "" && !parsed.ok) return reply(res, 400, { error: "body is not JSON" });
      const answer = own.route.handle({ method, path: pathname, params: own.params, query: {}, headers: {}, body: parsed.value });
      return reply(res, answer.status, answer.body);
    }
    reply(res, 404, { error: `no control endpoint ${method} ${pathname}` });
  }

  private match(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(pathname);
      if (m === null) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? "")));
      return { route, params };
    }
    return undefined;
  }
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { ...route, regex: new RegExp(`^${source}/?$`), names };
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(raw: string): { ok: boolean; value: unknown } {
  if (raw === "") return { ok: false, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A raw route's text answer goes out as it is; everything else, errors included, as JSON. */
function replyAs(res: ServerResponse, answer: SimReply, rawBody: Route["rawBody"]): void {
  if (rawBody === undefined || typeof answer.body !== "string") return reply(res, answer.status, answer.body);
  res.writeHead(answer.status, { "content-type": rawBody.contentType, "content-length": Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/** The fields that were given, so an optional setting left out is not passed on as undefined. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
