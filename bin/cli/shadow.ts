import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ServiceBroker } from "moleculer";
import config from "../../moleculer.config.ts";
import type { ShadowReport } from "../../services/mapper/shadow-replay.ts";
import { UsageError } from "./convert-document.ts";
import { parseArgs } from "./commands.ts";

/** A profile folder's files, as the mapper's shadow action takes them. */
function candidateFiles(dir: string): Record<string, string> {
	const files: Record<string, string> = {};
	for (const name of readdirSync(dir)) {
		if (!name.startsWith(".") && statSync(join(dir, name)).isFile()) files[name] = readFileSync(join(dir, name), "utf8");
	}
	if (!files["profile.json"]) throw new UsageError(`${dir} has no profile.json`);
	return files;
}

/** Over the gateway with an operator's key (WAYBILL_API_KEY, scope ops:write). */
async function overHttp(url: string, body: unknown): Promise<ShadowReport> {
	const response = await fetch(`${url.replace(/\/$/, "")}/ops/mappings/shadow`, { method: "POST", headers: { "content-type": "application/json", ...(process.env.WAYBILL_API_KEY ? { authorization: `Bearer ${process.env.WAYBILL_API_KEY}` } : {}) }, body: JSON.stringify(body) });
	const answer = (await response.json()) as ShadowReport & { detail?: string };
	if (!response.ok) throw new Error(`shadow replay refused (${response.status}): ${answer.detail ?? JSON.stringify(answer)}`);
	return answer;
}

/** Joins the running cluster (TRANSPORTER, NAMESPACE) as a service-less node, as `ledger verify` does. */
async function overBroker(body: Record<string, unknown>): Promise<ShadowReport> {
	const broker = new ServiceBroker({ ...config, nodeID: `waybill-cli-${process.pid}`, logger: false });
	await broker.start();
	try {
		await broker.waitForServices(["mapper"], 15_000);
		return await broker.call<ShadowReport, Record<string, unknown>>("mapper.shadow", body);
	} finally {
		await broker.stop();
	}
}

const show = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));

/**
 * `shadow --candidate <dir> --system <s> --partner <p> [--limit N] [--url <gateway>] [--json]`:
 * the candidate profile over the partner's recorded messages beside the live one; one block per
 * message whose facts differ, field by field, and a summary. Exit 0 once it ran.
 */
export async function shadow(args: string[]): Promise<number> {
	const { options } = parseArgs(args, ["candidate", "system", "partner", "limit", "url"], ["json"]);
	for (const name of ["candidate", "system", "partner"]) if (typeof options[name] !== "string") throw new UsageError(`shadow needs --${name}`);
	const body = {
		system: options.system as string,
		partner: options.partner as string,
		files: candidateFiles(options.candidate as string),
		...(typeof options.limit === "string" ? { limit: Number(options.limit) } : {}),
	};
	const report = typeof options.url === "string" ? await overHttp(options.url, body) : await overBroker(body);
	for (const result of report.results) {
		process.stdout.write(`CHANGED ${result.messageId} received ${result.receivedAt}\n`);
		if (result.liveError) process.stdout.write(`  live failed: ${result.liveError}\n`);
		if (result.candidateError) process.stdout.write(`  candidate failed: ${result.candidateError}\n`);
		for (const d of result.diffs) process.stdout.write(`  ${d.path}: ${show(d.live)} -> ${show(d.candidate)}\n`);
	}
	process.stdout.write(`${report.messages} messages of ${report.partner}: ${report.unchanged} unchanged, ${report.changed} changed (live ${report.liveVersion}, candidate ${report.candidateVersion})\n`);
	if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
	return 0;
}
