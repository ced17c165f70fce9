import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import { parsePolicies } from "../../config/policy-registry.ts";
import { describe, type K8sObject } from "./manifests.ts";
import { envOf, isWorkload, type Workload } from "./workload-policy.ts";

type ConfigMap = K8sObject & { data?: Record<string, string> };
type NetworkPolicy = K8sObject & { spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] } };

const IMAGE_PARTNERS = fileURLToPath(new URL("../../config/partners.json", import.meta.url));
/** Where the init container writes the merged registry and mappings (k8s/base/configmap.yaml). */
const OVERRIDES = { PARTNERS_FILE: "/app/config-override/partners.json", MAPPINGS_DIR: "/app/mappings-override" } as const;

/** A ConfigMap by name as written, or as kustomize's generator renamed it (name-<hash>). */
export function configMap(objects: K8sObject[], name: string): ConfigMap | undefined {
	return objects.find((o): o is ConfigMap => o.kind === "ConfigMap" && (o.metadata.name === name || new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name)));
}

/**
 * NATS: as many nodes as stream replicas at least, JetStream on, a user for every service that
 * the Deployment logs in as, and every user's password present where the overlay generates them.
 */
export function natsViolations(objects: K8sObject[], deployments: Workload[], streamReplicas: number): string[] {
	const out: string[] = [];
	const nats = objects.find((o): o is Workload => o.kind === "StatefulSet" && o.metadata.name === "nats");
	const conf = configMap(objects, "nats-config")?.data?.["nats.conf"];
	if (!nats || !conf) return ["no NATS StatefulSet or nats-config"];
	const nodes = nats.spec.replicas ?? 1;
	if (streamReplicas > nodes) out.push(`STREAM_REPLICAS ${streamReplicas} exceeds the ${nodes} NATS node(s)`);
	if (!/jetstream\s*\{/.test(conf)) out.push("nats.conf: JetStream is not enabled");
	const passwords = objects.find((o) => o.kind === "Secret" && /^waybill-nats-users(-[a-z0-9]{10})?$/.test(o.metadata.name)) as { data?: Record<string, string> } | undefined;
	for (const d of deployments) {
		const c = d.spec.template.spec.containers[0]!;
		const user = envOf(c, "NATS_USER")?.value;
		const key = envOf(c, "NATS_PASSWORD")?.valueFrom?.secretKeyRef?.key;
		if (!user || !key) {
			out.push(`${describe(d)}: no NATS_USER / NATS_PASSWORD of its own`);
			continue;
		}
		if (!new RegExp(`user:\\s*${user}\\s*,\\s*password:\\s*\\$${key}\\b`).test(conf)) out.push(`nats.conf: no user '${user}' with password $${key} (${describe(d)} logs in as it)`);
		if (passwords && !passwords.data?.[key]) out.push(`Secret waybill-nats-users: no ${key} (${describe(d)} and NATS need it)`);
	}
	return out;
}

export function redisViolations(objects: K8sObject[]): string[] {
	const conf = configMap(objects, "redis-config")?.data?.["redis.conf"];
	if (conf === undefined) return [];
	return /^appendonly\s+yes\s*$/m.test(conf) ? [] : ["redis.conf: AOF persistence is off (appendonly yes)"];
}

/**
 * Partner registry, mappings and policies as the pods will read them: the override paths are the
 * init container's, every mapping key names <system>__<profile>__<file>, and the policies the
 * saga would load validate (against the registry it would load), as the saga itself checks them.
 */
export function configViolations(objects: K8sObject[], config: Record<string, string>, saga: Workload | undefined): string[] {
	const out: string[] = [];
	for (const [name, path] of Object.entries(OVERRIDES)) {
		if (config[name] !== undefined && config[name] !== path) out.push(`waybill-config: ${name} is ${config[name]}, but the init container fills ${path}`);
	}
	const partners = configMap(objects, "waybill-partners");
	for (const key of Object.keys(partners?.data ?? {})) {
		if (key === "policies.json") out.push("waybill-partners: policies.json is not read from here; policies live in the ConfigMap waybill-policies");
		else if (key !== "partners.json" && !/^[a-z0-9-]+__[a-z0-9-]+__[^/]+$/.test(key)) out.push(`waybill-partners: key '${key}' is neither partners.json nor <system>__<profile>__<file>`);
	}
	const scratch = mkdtempSync(join(tmpdir(), "waybill-k8s-"));
	try {
		let registry: PartnerRegistry;
		try {
			const own = config.PARTNERS_FILE ? partners?.data?.["partners.json"] : undefined;
			const file = own === undefined ? IMAGE_PARTNERS : join(scratch, "partners.json");
			if (own !== undefined) writeFileSync(file, own);
			registry = loadPartnerRegistry(file);
		} catch (e: unknown) {
			return [...out, `partner registry: ${(e as Error).message}`];
		}
		if (config.POLICIES_FILE) out.push(...policiesViolations(objects, config.POLICIES_FILE, saga, registry));
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
	return out;
}

function policiesViolations(objects: K8sObject[], file: string, saga: Workload | undefined, registry: PartnerRegistry): string[] {
	if (!saga) return [];
	const pod = saga.spec.template.spec;
	const mount = pod.containers[0]!.volumeMounts?.find((m) => m.mountPath === dirname(file));
	const volume = pod.volumes?.find((v) => v.name === mount?.name);
	if (!volume?.configMap) return [`POLICIES_FILE ${file}: no ConfigMap mounted at ${dirname(file)} in ${describe(saga)}`];
	const text = configMap(objects, volume.configMap.name)?.data?.[basename(file)];
	if (text === undefined) return [`POLICIES_FILE ${file}: ConfigMap ${volume.configMap.name} has no key ${basename(file)} (the saga would not start)`];
	try {
		parsePolicies(Buffer.from(text), `ConfigMap ${volume.configMap.name}`, registry);
		return [];
	} catch (e: unknown) {
		return [`ConfigMap ${volume.configMap.name}: the saga would refuse these policies: ${(e as Error).message}`];
	}
}

/** Default deny both ways, DNS for every pod, and something let in to the gateway. */
export function networkViolations(objects: K8sObject[]): string[] {
	const policies = objects.filter((o): o is NetworkPolicy => o.kind === "NetworkPolicy");
	const everyPod = (p: NetworkPolicy) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 && !("matchExpressions" in p.spec.podSelector);
	const out: string[] = [];
	const deny = policies.find((p) => everyPod(p) && !p.spec.ingress?.length && !p.spec.egress?.length);
	if (!deny || !["Ingress", "Egress"].every((t) => deny.spec.policyTypes?.includes(t))) out.push("no default-deny NetworkPolicy (every pod, Ingress and Egress)");
	if (!policies.some((p) => everyPod(p) && JSON.stringify(p.spec.egress ?? []).includes('"port":53'))) out.push("no NetworkPolicy lets every pod reach DNS (port 53)");
	if (!policies.some((p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/component"] === "gateway" && p.spec.ingress?.length)) out.push("no NetworkPolicy lets traffic in to the gateway");
	return out;
}

export const workloads = (objects: K8sObject[]) => objects.filter(isWorkload);
