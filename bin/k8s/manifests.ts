import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

/** Any Kubernetes object as rendered; the fields the checks read are typed where they read them. */
export interface K8sObject {
	apiVersion: string;
	kind: string;
	metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
	[field: string]: unknown;
}

export const KUBECTL = process.env.KUBECTL || "kubectl";

/** kubectl with its built-in kustomize (v1.14+), or undefined with the reason. */
export function kubectlMissing(): string | undefined {
	const run = spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" });
	if (run.error) return `${KUBECTL} not found (${(run.error as NodeJS.ErrnoException).code}): install it (Debian: apt-get install -y kubectl)`;
	if (run.status !== 0) return `${KUBECTL} version --client failed: ${run.stderr.trim()}`;
	return undefined;
}

export function parseYaml(text: string, source: string): K8sObject[] {
	const objects: K8sObject[] = [];
	for (const doc of parseAllDocuments(text)) {
		if (doc.errors.length) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
		const value = doc.toJS() as K8sObject | null;
		if (value) objects.push(value);
	}
	return objects;
}

export const parseYamlFile = (file: string): K8sObject[] => parseYaml(readFileSync(file, "utf8"), file);

/** `kubectl kustomize <dir>`: what `kubectl apply -k <dir>` would send. */
export function renderKustomization(dir: string): K8sObject[] {
	const run = spawnSync(KUBECTL, ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
	if (run.error) throw run.error;
	if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr.trim()}`);
	return parseYaml(run.stdout, `kubectl kustomize ${dir}`);
}

/** Where each API group's schemas live: the Kubernetes API itself, KEDA's CRDs, cert-manager's. */
const MODEL_PACKAGES: Record<string, string> = {
	"": "kubernetes-models",
	"keda.sh": "@kubernetes-models/keda",
	"cert-manager.io": "@kubernetes-models/cert-manager",
};

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates an object against the JSON schema of its kind (types, required fields, enums,
 * formats), through kubernetes-models. A kind without a known schema is an error: nothing is
 * waved through unchecked. Unknown extra fields are not reported (the schemas allow them).
 */
export async function schemaError(object: K8sObject): Promise<string | undefined> {
	const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
	const pkg = MODEL_PACKAGES[group!] ?? (group!.endsWith(".k8s.io") || !group!.includes(".") ? "kubernetes-models" : undefined);
	if (!pkg) return `no schema known for ${object.apiVersion} ${object.kind}`;
	let models: Record<string, ModelClass>;
	try {
		models = (await import(`${pkg}/${group ? `${group}/` : ""}${version}`)) as Record<string, ModelClass>;
	} catch {
		return `no schema known for ${object.apiVersion} ${object.kind}`;
	}
	const Model = models[object.kind];
	if (!Model) return `no schema known for ${object.apiVersion} ${object.kind}`;
	try {
		new Model(object).validate();
		return undefined;
	} catch (e: unknown) {
		return (e as Error).message;
	}
}

export const describe = (o: K8sObject) => `${o.kind}/${o.metadata?.name}`;
