import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { loadProfiles, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import { convertDocument, UsageError } from "./convert-document.ts";
import { resultLine, runConformance, summaryLine } from "./conformance.ts";

function profiles(): Map<string, MappingProfile> {
	return loadProfiles(process.env.MAPPINGS_DIR || fileURLToPath(new URL("../../mappings", import.meta.url)));
}

/** Splits `--flag value` and `--flag` options from positionals; unknown flags are usage errors. */
export function parseArgs(args: string[], valued: string[], flags: string[]): { positional: string[]; options: Record<string, string | true> } {
	const positional: string[] = [];
	const options: Record<string, string | true> = {};
	for (let i = 0; i < args.length; i++) {
		const arg = args[i]!;
		const name = arg.startsWith("--") ? arg.slice(2) : undefined;
		if (name === undefined) positional.push(arg);
		else if (valued.includes(name)) {
			const value = args[++i];
			if (value === undefined) throw new UsageError(`--${name} needs a value`);
			options[name] = value;
		} else if (flags.includes(name)) options[name] = true;
		else throw new UsageError(`unknown option --${arg.slice(2)}`);
	}
	return { positional, options };
}

/** `convert <file> [--profile <name>]`: facts as JSON lines on stdout (exit 0), or problem+json on stderr (exit 1). */
export async function convertFile(args: string[]): Promise<number> {
	const { positional, options } = parseArgs(args, ["profile"], []);
	if (positional.length === 3) return convertForPartner(positional[0]!, positional[1]!, positional[2]!);
	if (positional.length !== 1) throw new UsageError("convert needs one file");
	const conversion = await convertDocument(readFileSync(positional[0]!, "utf8"), {
		profiles: profiles(),
		profile: typeof options.profile === "string" ? options.profile : undefined,
		receivedAt: new Date().toISOString(),
	});
	if (!conversion.accepted) {
		process.stderr.write(`${JSON.stringify({ ...conversion.problem, instance: positional[0] })}\n`);
		return 1;
	}
	for (const fact of conversion.facts) process.stdout.write(`${JSON.stringify(fact)}\n`);
	// A set refused inside an accepted interchange: its problem+json on stderr, the good sets' facts still on stdout.
	for (const refused of conversion.rejectedSets ?? []) process.stderr.write(`${JSON.stringify({ ...refused.problem, instance: positional[0] })}\n`);
	return 0;
}

/** The older form, kept for scripts: the partner registry names the profile; one pretty JSON object. */
async function convertForPartner(system: string, partner: string, file: string): Promise<number> {
	const entry = loadPartnerRegistry().find(system, partner);
	const profile = profiles().get(`${system}/${entry.profile}`);
	if (!profile) throw new Error(`no mapping profile '${entry.profile}' for ${system}`);
	const facts = await mapInbound(profile, readFileSync(file, "utf8"), { receivedAt: new Date().toISOString() });
	console.log(JSON.stringify({ mappingVersion: profile.version, facts }, null, 2));
	return 0;
}

/** `conformance <dir> [--json]`: one line per file and a summary; the verdicts are output, so exit 0 once it ran. */
export async function conformance(args: string[]): Promise<number> {
	const { positional, options } = parseArgs(args, [], ["json"]);
	if (positional.length !== 1) throw new UsageError("conformance needs one directory");
	const report = await runConformance(positional[0]!, profiles(), new Date().toISOString());
	for (const result of report.results) process.stdout.write(`${resultLine(result)}\n`);
	process.stdout.write(`${summaryLine(report)}\n`);
	if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
	return 0;
}
