import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Consumption } from "./consumers.ts";
import { describe, parseYamlFile, renderKustomization, schemaError, type K8sObject } from "./manifests.ts";
import { configMap, configViolations, natsViolations, networkViolations, redisViolations, workloads } from "./platform-policy.ts";
import { natsConfigErrors, userPermissionViolations } from "./nats-policy.ts";
import { consumerScalingViolations, fixedScalingViolations, gatewayScalingViolations } from "./scaling-policy.ts";
import { containerViolations, envOf, hasPdb, probeViolations, secretViolations, type Workload } from "./workload-policy.ts";

/** What each kustomization must be: the base and prod autoscale and carry no secret values; dev generates its secrets and runs fixed replicas. */
export interface OverlaySpec {
	name: string;
	/** Relative to the repository root. */
	dir: string;
	autoscaling: boolean;
	secretsAllowed: boolean;
	ingress: boolean;
}

export const OVERLAYS: readonly OverlaySpec[] = [
	{ name: "base", dir: "k8s/base", autoscaling: true, secretsAllowed: false, ingress: false },
	{ name: "dev", dir: "k8s/overlays/dev", autoscaling: false, secretsAllowed: true, ingress: false },
	{ name: "prod", dir: "k8s/overlays/prod", autoscaling: true, secretsAllowed: false, ingress: true },
];

export interface OverlayReport {
	name: string;
	objects: number;
	byKind: Record<string, number>;
	/** Objects that do not match their kind's JSON schema. */
	schemaErrors: string[];
	/** Objects that break Waybill's deployment policy. */
	violations: string[];
	/** Checks that could not run here, and why. */
	skipped: string[];
}

export async function checkOverlay(root: string, spec: OverlaySpec, services: Map<string, Consumption[]>): Promise<OverlayReport> {
	const objects = renderKustomization(join(root, spec.dir));
	const byKind: Record<string, number> = {};
	for (const o of objects) byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
	const schemaErrors: string[] = [];
	for (const o of objects) {
		const error = await schemaError(o);
		if (error) schemaErrors.push(`${describe(o)}: ${error}`);
	}
	const violations = policyViolations(objects, spec, services);
	const skipped: string[] = [];
	const natsConfig = configMap(objects, "nats-config")?.data;
	const natsErrors = natsConfig ? natsConfigErrors(natsConfig) : [];
	if (natsErrors) violations.push(...natsErrors);
	else skipped.push("nats.conf syntax (no nats-server installed)");
	return { name: spec.name, objects: objects.length, byKind, schemaErrors, violations, skipped };
}

/** The *.example.yaml files (not applied) must still be valid objects of their kinds. */
export async function checkExamples(root: string): Promise<{ objects: number; errors: string[] }> {
	const dir = join(root, "k8s/base");
	const errors: string[] = [];
	let objects = 0;
	for (const file of readdirSync(dir).filter((f) => f.endsWith(".example.yaml"))) {
		for (const o of parseYamlFile(join(dir, file))) {
			objects++;
			const error = await schemaError(o);
			if (error) errors.push(`${file} ${describe(o)}: ${error}`);
		}
	}
	return { objects, errors };
}

export function policyViolations(objects: K8sObject[], spec: OverlaySpec, services: Map<string, Consumption[]>): string[] {
	const config = configMap(objects, "waybill-config");
	if (!config?.data) return ["no ConfigMap waybill-config"];
	const data = config.data;
	const healthPort = Number(data.HEALTH_PORT);
	const partitions = Number(data.STREAM_PARTITIONS);
	const layout = { k8sNamespace: config.metadata.namespace ?? "default", waybillNamespace: data.NAMESPACE ?? "waybill", partitions };
	const out: string[] = [];
	if (!Number.isInteger(healthPort)) out.push("waybill-config: no HEALTH_PORT");
	if (!Number.isInteger(partitions) || partitions < 1) out.push("waybill-config: no STREAM_PARTITIONS");

	const all = workloads(objects);
	const deployments: Workload[] = [];
	for (const [service, consumptions] of services) {
		const d = all.find((w) => w.kind === "Deployment" && envOf(w.spec.template.spec.containers[0]!, "SERVICES")?.value === service);
		if (!d) {
			out.push(`service ${service}: no Deployment with SERVICES=${service}`);
			continue;
		}
		deployments.push(d);
		out.push(...probeViolations(d, healthPort));
		if (!hasPdb(objects, d)) out.push(`${describe(d)}: no PodDisruptionBudget selects its pods`);
		if (!spec.autoscaling) continue;
		if (consumptions.length > 0) out.push(...consumerScalingViolations(objects, d, consumptions, layout));
		else out.push(...gatewayScalingViolations(objects, d));
	}
	if (!spec.autoscaling) out.push(...fixedScalingViolations(objects, deployments));
	const images = new Set(deployments.flatMap((d) => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers].map((c) => c.image)));
	if (images.size > 1) out.push(`Waybill pods run ${images.size} images (${[...images].join(", ")}): one image serves every service`);

	out.push(...containerViolations(objects));
	if (!spec.secretsAllowed) out.push(...secretViolations(objects));
	out.push(...natsViolations(objects, deployments, Number(data.STREAM_REPLICAS ?? 1)));
	const natsConf = configMap(objects, "nats-config")?.data?.["nats.conf"] ?? "";
	for (const d of deployments) {
		const service = envOf(d.spec.template.spec.containers[0]!, "SERVICES")!.value!;
		out.push(...userPermissionViolations(natsConf, d, services.get(service) ?? [], layout.waybillNamespace));
	}
	out.push(...redisViolations(objects));
	out.push(...configViolations(objects, data, deployments.find((d) => d.metadata.name === "waybill-saga")));
	out.push(...networkViolations(objects));
	if (spec.ingress) out.push(...ingressViolations(objects));
	return out;
}

function ingressViolations(objects: K8sObject[]): string[] {
	type Backend = { service?: { name: string; port?: { name?: string; number?: number } } };
	type Ingress = K8sObject & { spec: { rules?: Array<{ http?: { paths: Array<{ backend: Backend }> } }> } };
	const ingresses = objects.filter((o): o is Ingress => o.kind === "Ingress");
	const service = objects.find((o) => o.kind === "Service" && o.metadata.name === "waybill-gateway") as { spec?: { ports?: Array<{ name?: string; port: number }> } } | undefined;
	const routed = ingresses.flatMap((i) => i.spec.rules ?? []).flatMap((r) => r.http?.paths ?? []).map((p) => p.backend.service).filter((s) => s?.name === "waybill-gateway");
	if (routed.length === 0) return ["no Ingress routes to the Service waybill-gateway"];
	return routed
		.filter((b) => !service?.spec?.ports?.some((p) => p.name === b!.port?.name || p.port === b!.port?.number))
		.map((b) => `Ingress backend waybill-gateway port ${b!.port?.name ?? b!.port?.number} is not a port of the Service`);
}
