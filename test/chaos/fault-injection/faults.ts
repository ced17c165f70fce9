import type { Cluster } from "./cluster.ts";
import { SERVICES } from "./cluster.ts";
import type { ChaosOptions, FaultKind } from "./options.ts";
import { injectStreamPoison, injectWebhookPoison, type Poison, type WebhookPoisonResult } from "./poison.ts";
import { say, sleep } from "./log.ts";

export interface FaultRecord {
	n: number;
	kind: FaultKind;
	what: string;
	at: string;
	/** Set when the fault could not be injected (e.g. a simulator without fault modes). */
	skipped?: string;
}

interface Fault {
	kind: FaultKind;
	what: string;
	/** Resolves once the fault is over and the system is back (restarted processes answer); a string means skipped. */
	inject(): Promise<void | string>;
}

/** The last-mile API faults: the sim answers 500s, then hangs past the adapter's timeout, then 429s with Retry-After. */
const LASTMILE_FAULTS = [
	{ mode: "error500", durationMs: 8_000 },
	{ mode: "timeout", durationMs: 8_000, holdMs: 6_000 },
	{ mode: "rate-limit", durationMs: 8_000, retryAfterSeconds: 2 },
];

/**
 * The fault schedule, run while orders flow: kill -9 each service alone, then three together,
 * restart NATS, restart Redis, break the last-mile API three ways, and inject poison. Faults run
 * one after the other, each once the previous one is over and the gap has passed, so a failure
 * can be pinned on one of them; the kinds are interleaved so each meets a different mix of work.
 */
export class FaultSchedule {
	readonly records: FaultRecord[] = [];
	readonly poison: Poison[] = [];
	webhookPoison: WebhookPoisonResult = { poison: [], refused: [], ignoredIds: [] };

	constructor(
		private readonly cluster: Cluster,
		private readonly options: ChaosOptions,
		private readonly runId: string,
		private readonly random: () => number,
	) {}

	get injected(): number {
		return this.records.filter((r) => !r.skipped).length;
	}

	/** Waits for `ready()` (a tenth of the orders released), then injects every fault of the plan in turn. */
	async run(ready: () => boolean): Promise<void> {
		const plan = this.plan();
		if (plan.length === 0) return;
		while (!ready()) await sleep(200);
		for (const fault of plan) {
			const n = this.records.length + 1;
			say(`fault #${n} [${fault.kind}] ${fault.what}`);
			const record: FaultRecord = { n, kind: fault.kind, what: fault.what, at: new Date().toISOString() };
			this.records.push(record);
			const outcome = await fault.inject();
			if (typeof outcome === "string") {
				record.skipped = outcome;
				say(`fault #${n} skipped: ${outcome}`);
			} else {
				say(`fault #${n} over; system back`);
			}
			await sleep(this.options.faultGapMs);
		}
	}

	private plan(): Fault[] {
		const kill = (name: string): Fault => ({ kind: "kill", what: `kill -9 ${name}, restart after 1-3 s`, inject: () => this.killAndRestart([name]) });
		const lastmile = (i: number): Fault => ({ kind: "lastmile-api", what: `last-mile API ${JSON.stringify(LASTMILE_FAULTS[i])}`, inject: () => this.lastmileFault(LASTMILE_FAULTS[i]!) });
		const many = this.pick(3, SERVICES);
		const all: Fault[] = [
			kill("gateway"),
			kill("erp"),
			lastmile(0),
			kill("wms"),
			{ kind: "poison", what: "5 malformed and poison messages straight onto the events stream", inject: () => this.streamPoison() },
			kill("lastmile"),
			kill("mapper"),
			lastmile(1),
			kill("saga"),
			{ kind: "nats", what: "kill -9 nats-server, up again after 2 s", inject: () => this.restartNats() },
			kill("ledger"),
			{ kind: "poison", what: "3 malformed webhooks with valid signatures", inject: () => this.webhookPoisons() },
			lastmile(2),
			{ kind: "kill-many", what: `kill -9 ${many.join(", ")} together, restart after 1-3 s`, inject: () => this.killAndRestart(many) },
			{ kind: "redis", what: "kill -9 redis-server, up again after 2 s", inject: () => this.restartRedis() },
		];
		return all.filter((f) => this.options.faults.includes(f.kind));
	}

	private pick<T>(count: number, from: readonly T[]): T[] {
		const pool = [...from];
		return Array.from({ length: count }, () => pool.splice(Math.floor(this.random() * pool.length), 1)[0]!);
	}

	private async killAndRestart(services: string[]): Promise<void> {
		const pids = await Promise.all(services.map((s) => this.cluster.kill(s)));
		say(`  killed ${services.map((s, i) => `${s} (pid ${pids[i]})`).join(", ")}`);
		await this.cluster.restartAfter(services, 1_000 + Math.round(this.random() * 2_000));
	}

	private async restartNats(): Promise<void> {
		await this.cluster.nats.kill();
		await sleep(2_000);
		await this.cluster.nats.up();
		for (const service of SERVICES) await this.cluster.waitReady(service);
	}

	private async restartRedis(): Promise<void> {
		await this.cluster.redis.kill();
		await sleep(2_000);
		await this.cluster.redis.up();
		for (const service of SERVICES) await this.cluster.waitReady(service);
	}

	/** The simulator keeps the fault for `durationMs`; the schedule waits it out before the next fault. */
	private async lastmileFault(fault: { mode: string; durationMs: number }): Promise<void | string> {
		const response = await fetch(`${this.cluster.simUrls.lastmile}/_sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
		if (!response.ok) return `the last-mile simulator answered ${response.status} to POST /_sim/faults`;
		await sleep(fault.durationMs);
	}

	private async streamPoison(): Promise<void> {
		const poison = await injectStreamPoison(this.cluster.nats.url, this.cluster.namespace, this.runId);
		this.poison.push(...poison);
		say(`  published ${poison.map((p) => `${p.label} (${p.ids.join(" / ")})`).join("; ")}`);
	}

	private async webhookPoisons(): Promise<void> {
		this.webhookPoison = await injectWebhookPoison(this.cluster.gatewayUrl, this.cluster.secrets.wms, this.runId);
		this.poison.push(...this.webhookPoison.poison);
		say(`  stored ${this.webhookPoison.poison.map((p) => `${p.label} (${p.ids[0]})`).join("; ")}; ignored ${this.webhookPoison.ignoredIds.length}; refused ${JSON.stringify(this.webhookPoison.refused)}`);
	}
}
