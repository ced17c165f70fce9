import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { consumptionByService, type Consumption } from "../../bin/k8s/consumers.ts";
import { scalerFiles } from "../../bin/k8s/scalers.ts";
import { kubectlMissing, parseYamlFile, type K8sObject } from "../../bin/k8s/manifests.ts";
import { OVERLAYS, checkExamples, checkOverlay } from "../../bin/k8s/check.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const missing = kubectlMissing();

/** Rewrites a manifest file of a scratch copy, one object at a time (comments are lost: it is a copy). */
function edit(file: string, change: (o: K8sObject & Record<string, any>) => void): void {
	const objects = parseYamlFile(file);
	objects.forEach((o) => change(o as K8sObject & Record<string, any>));
	writeFileSync(file, objects.map((o) => stringify(o)).join("---\n"));
}

describe("the Kubernetes manifests", { skip: missing ? `kubectl is not installed, so k8s/ cannot be rendered (${missing})` : false }, () => {
	let services: Map<string, Consumption[]>;

	before(async () => {
		services = await consumptionByService();
	});

	for (const spec of OVERLAYS) {
		it(`render for ${spec.dir} with every object valid against its schema and the deployment policy met`, async (t) => {
			const report = await checkOverlay(ROOT, spec, services);
			t.diagnostic(`${spec.dir}: ${report.objects} objects validated (${Object.entries(report.byKind).map(([k, n]) => `${n} ${k}`).join(", ")})`);
			for (const skipped of report.skipped) t.diagnostic(`skipped: ${skipped}`);
			assert.deepEqual(report.schemaErrors, []);
			assert.deepEqual(report.violations, []);
			assert.ok((report.byKind.Deployment ?? 0) >= services.size);
		});
	}

	it("keep the examples that are not applied valid objects of their kinds", async () => {
		const examples = await checkExamples(ROOT);
		assert.deepEqual(examples.errors, []);
		assert.ok(examples.objects > 0);
	});

	it("scale every consumer with the ScaledObject the generator derives from its durable subscriptions", () => {
		for (const [file, text] of scalerFiles(ROOT, services)) {
			assert.equal(readFileSync(file, "utf8"), text, `${file} is stale: run npm run k8s:check -- --write-scalers`);
		}
	});

	it("fail on a broken copy, naming each breakage", async () => {
		const scratch = mkdtempSync(join(tmpdir(), "waybill-k8s-broken-"));
		try {
			cpSync(join(ROOT, "k8s"), join(scratch, "k8s"), { recursive: true });
			const base = join(scratch, "k8s/base");
			edit(join(base, "apps/saga.yaml"), (o) => {
				if (o.kind === "Deployment") delete o.spec.template.spec.containers[0].readinessProbe;
			});
			edit(join(base, "apps/erp.yaml"), (o) => {
				if (o.kind === "Deployment") delete o.spec.template.spec.containers[0].resources.limits;
			});
			edit(join(base, "apps/ledger.yaml"), (o) => {
				if (o.kind === "Deployment") o.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
			});
			edit(join(base, "apps/wms.yaml"), (o) => {
				if (o.kind === "PodDisruptionBudget") o.spec.selector.matchLabels["app.kubernetes.io/component"] = "nobody";
			});
			edit(join(base, "scaling/mapper.yaml"), (o) => {
				o.spec.triggers = o.spec.triggers.filter((t: { name?: string }) => t.name !== "inbound_p3");
				o.spec.maxReplicaCount = 12;
			});
			edit(join(base, "scaling/gateway.yaml"), (o) => {
				o.spec.maxReplicas = "ten";
			});
			writeFileSync(join(base, "leaked.yaml"), stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "leaked" }, stringData: { REDIS_PASSWORD: "hunter2" } }));
			writeFileSync(join(base, "kustomization.yaml"), readFileSync(join(base, "kustomization.yaml"), "utf8").replace("resources:\n", "resources:\n  - leaked.yaml\n"));

			const report = await checkOverlay(scratch, OVERLAYS.find((o) => o.name === "base")!, services);
			const findings = [...report.schemaErrors, ...report.violations].join("\n");
			const expected = [
				/Deployment\/waybill-saga: no readinessProbe/,
				/Deployment\/waybill-erp container waybill: no cpu limits/,
				/Deployment\/waybill-ledger container waybill: root filesystem is writable/,
				/Deployment\/waybill-wms: no PodDisruptionBudget/,
				/ScaledObject\/waybill-mapper: no nats-jetstream trigger for consumer WAYBILL_INBOUND\/mapper_p3/,
				/ScaledObject\/waybill-mapper: maxReplicaCount 12 exceeds STREAM_PARTITIONS 8/,
				/HorizontalPodAutoscaler\/waybill-gateway: .*maxReplicas must be integer/,
				/Secret\/leaked: carries secret values/,
			];
			for (const pattern of expected) assert.match(findings, pattern);
		} finally {
			rmSync(scratch, { recursive: true, force: true });
		}
	});
});
