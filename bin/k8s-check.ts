import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { consumptionByService } from "./k8s/consumers.ts";
import { scalerFiles } from "./k8s/scalers.ts";
import { kubectlMissing } from "./k8s/manifests.ts";
import { OVERLAYS, checkExamples, checkOverlay } from "./k8s/check.ts";

/**
 * Renders every kustomization in k8s/ with `kubectl kustomize`, validates each object against its
 * kind's schema and Waybill's deployment policy, and exits non-zero on any finding.
 * `--write-scalers` first regenerates k8s/base/scaling/<service>.yaml from the services' code.
 */
async function main(): Promise<number> {
	const root = fileURLToPath(new URL("..", import.meta.url));
	const services = await consumptionByService();
	if (process.argv.includes("--write-scalers")) {
		for (const [file, text] of scalerFiles(root, services)) {
			mkdirSync(dirname(file), { recursive: true });
			writeFileSync(file, text);
			console.log(`wrote ${relative(root, file)}`);
		}
	}
	const missing = kubectlMissing();
	if (missing) {
		console.error(`k8s:check needs kubectl: ${missing}`);
		return 2;
	}
	let failures = 0;
	for (const spec of OVERLAYS) {
		const report = await checkOverlay(root, spec, services);
		const kinds = Object.entries(report.byKind).map(([kind, n]) => `${n} ${kind}`).join(", ");
		console.log(`${spec.dir}: ${report.objects} objects validated (${kinds})`);
		for (const skipped of report.skipped) console.log(`  - skipped: ${skipped}`);
		for (const line of [...report.schemaErrors.map((e) => `schema: ${e}`), ...report.violations.map((v) => `policy: ${v}`)]) console.log(`  ✗ ${line}`);
		failures += report.schemaErrors.length + report.violations.length;
	}
	const examples = await checkExamples(root);
	console.log(`k8s/base/*.example.yaml: ${examples.objects} objects validated`);
	for (const e of examples.errors) console.log(`  ✗ schema: ${e}`);
	failures += examples.errors.length;
	console.log(failures ? `${failures} finding(s)` : "k8s: every object valid, policy met");
	return failures ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
	console.error(e instanceof Error ? e.message : e);
	process.exit(1);
});
