import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ServiceBroker } from "moleculer";
import config from "../moleculer.config.ts";
import { loadPartnerRegistry } from "../config/partner-registry.ts";
import { loadProfiles } from "../services/mapper/mapping-profile.ts";
import { mapInbound } from "../services/mapper/canonical-mapper.ts";

const USAGE = `usage: waybill <command>
  start                                 run the services named in SERVICES (as npm start)
  demo [options]                        run the demo (as npm run demo; --help for options)
  convert <system> <partner> <file>     print the canonical facts a partner document maps to
  ledger verify                         walk the ledger's hash chain of a running Waybill
                                        (TRANSPORTER, NAMESPACE); exits 1 naming the broken entry`;

async function convert(system: string, partner: string, file: string): Promise<number> {
	const entry = loadPartnerRegistry().find(system, partner);
	const profiles = loadProfiles(process.env.MAPPINGS_DIR || fileURLToPath(new URL("../mappings", import.meta.url)));
	const profile = profiles.get(`${system}/${entry.profile}`);
	if (!profile) throw new Error(`no mapping profile '${entry.profile}' for ${system}`);
	const facts = await mapInbound(profile, readFileSync(file, "utf8"), { receivedAt: new Date().toISOString() });
	console.log(JSON.stringify({ mappingVersion: profile.version, facts }, null, 2));
	return 0;
}

/** Joins the running cluster as a service-less node and asks the ledger to verify itself. */
async function verifyLedger(): Promise<number> {
	const broker = new ServiceBroker({ ...config, nodeID: `waybill-cli-${process.pid}`, logger: false });
	await broker.start();
	try {
		await broker.waitForServices(["ledger"], 15_000);
		const result = await broker.call<{ ok: boolean; entries: number; brokenAt?: number; reason?: string }>("ledger.verify");
		if (result.ok) console.log(`ledger verified: ${result.entries} entries, hash chain intact`);
		else console.error(`ledger BROKEN at entry ${result.brokenAt} of ${result.entries}: ${result.reason}`);
		return result.ok ? 0 : 1;
	} finally {
		await broker.stop();
	}
}

async function main(argv: string[]): Promise<number> {
	const [command, ...rest] = argv;
	switch (command) {
		case "start":
			await import("./start.ts");
			return -1;
		case "demo":
			process.argv = [process.argv[0]!, "demo", ...rest];
			await import("./demo.ts");
			return -1;
		case "convert":
			if (rest.length !== 3) break;
			return convert(rest[0]!, rest[1]!, rest[2]!);
		case "ledger":
			if (rest[0] === "verify") return verifyLedger();
			break;
	}
	console.error(USAGE);
	return 2;
}

main(process.argv.slice(2)).then(
	(code) => {
		if (code >= 0) process.exit(code);
	},
	(e: unknown) => {
		console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
		process.exit(1);
	},
);
