import { ServiceBroker } from "moleculer";
import config from "../moleculer.config.ts";
import { conformance, convertFile } from "./cli/commands.ts";
import { UsageError } from "./cli/convert-document.ts";
import { shadow } from "./cli/shadow.ts";
import { newKey } from "./cli/keys.ts";

const USAGE = `usage: waybill <command>
  start                                 run the services named in SERVICES (as npm start)
  demo [options]                        run the demo (as npm run demo; --help for options)
  convert <file> [--profile <name>]     print the canonical facts a partner document maps to, one
                                        JSON line each (X12, EDIFACT or JSON, detected); a refused
                                        document is problem+json on stderr and exit 1
  convert <system> <partner> <file>     the same through a partner's registered profile, as one JSON object
  conformance <dir> [--json]            convert every file under dir: ACCEPT/REJECT per file, a summary,
                                        and with --json a last line {files, accepted, rejected, results}
  shadow --candidate <dir> --system <s> --partner <p> [--limit N] [--url <gateway>] [--json]
                                        run a candidate mapping profile beside the live one over the
                                        partner's recorded messages; field-by-field diff, nothing published
  keys new [--name n] [--role r | --scopes a,b] [--partner p]
                                        a fresh API key, printed once with its API_KEYS_FILE entry
                                        (the hash only); role admin unless told
  ledger verify                         walk the ledger's hash chain of a running Waybill
                                        (TRANSPORTER, NAMESPACE); exits 1 naming the broken entry`;

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
			return convertFile(rest);
		case "conformance":
			return conformance(rest);
		case "shadow":
			return shadow(rest);
		case "ledger":
			if (rest[0] === "verify") return verifyLedger();
			break;
		case "keys":
			if (rest[0] === "new") return newKey(rest.slice(1));
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
		if (e instanceof UsageError) {
			console.error(`${e.message}\n${USAGE}`);
			process.exit(2);
		}
		console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
		process.exit(1);
	},
);
