import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHANNELS } from "../../canonical/channels.ts";
import { streamName } from "../../mixins/streams/jetstream-layout.ts";
import type { Consumption } from "./consumers.ts";
import { describe } from "./manifests.ts";
import { envOf, type Workload } from "./workload-policy.ts";

/** A user's permission block in nats.conf: `<USER> = { publish ... subscribe ... }`. */
function permissionsOf(conf: string, user: string): string | undefined {
	return new RegExp(`\\b${user.toUpperCase()} = \\{[\\s\\S]*?subscribe = \\{[^\\n]*`).exec(conf)?.[0];
}

/**
 * What a service's NATS user must be allowed, read from its code: for each channel it consumes,
 * the pull and the acks of its durable consumers; its own inbox (NATS_INBOX_PREFIX); and the
 * dead-letter stream's info, which its readiness probe asks for (mixins/runtime/health-checks.ts).
 */
export function userPermissionViolations(conf: string, deployment: Workload, consumptions: Consumption[], waybillNamespace: string): string[] {
	const c = deployment.spec.template.spec.containers[0]!;
	const user = envOf(c, "NATS_USER")?.value;
	if (!user) return [];
	const block = permissionsOf(conf, user);
	if (!block) return [`nats.conf: no permissions ${user.toUpperCase()} for ${describe(deployment)}`];
	const out: string[] = [];
	const need = (subject: string, why: string) => {
		if (!block.includes(`"${subject}"`)) out.push(`nats.conf: user ${user} may not ${why} (${subject})`);
	};
	need(`$JS.API.STREAM.INFO.${streamName(waybillNamespace, CHANNELS.DEAD_LETTERS)}`, "answer its readiness probe");
	for (const { channel } of consumptions) {
		const stream = streamName(waybillNamespace, channel);
		need(`$JS.API.CONSUMER.MSG.NEXT.${stream}.*`, `pull from ${channel}`);
		need(`$JS.ACK.${stream}.>`, `ack on ${channel}`);
	}
	const inbox = envOf(c, "NATS_INBOX_PREFIX")?.value;
	if (!inbox || !block.includes(`"${inbox}.>"`)) out.push(`nats.conf: user ${user} may not subscribe to its inbox ${inbox ?? "(NATS_INBOX_PREFIX unset)"}`);
	return out;
}

/**
 * `nats-server -t`: the configuration parses, with a stand-in for every password it reads from
 * the environment. Skipped (undefined) where no nats-server is installed.
 */
export function natsConfigErrors(files: Record<string, string>): string[] | undefined {
	const dir = mkdtempSync(join(tmpdir(), "waybill-nats-conf-"));
	try {
		for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
		const vars = new Set([...(files["nats.conf"] ?? "").matchAll(/\$([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
		const env = { ...process.env, POD_NAME: "nats-0", ...Object.fromEntries([...vars].map((v) => [v, `stand-in-${v.toLowerCase()}`])) };
		const run = spawnSync("nats-server", ["-t", "-c", join(dir, "nats.conf")], { encoding: "utf8", env, cwd: dir });
		if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return undefined;
		const output = `${run.stdout}${run.stderr}`.trim();
		return run.status === 0 && /is valid/.test(output) && !/can not be found|error/i.test(output) ? [] : [`nats.conf: nats-server -t: ${output}`];
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
