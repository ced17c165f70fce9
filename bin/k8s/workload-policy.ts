import { describe, type K8sObject } from "./manifests.ts";

/** The parts of a workload the policy reads. */
export interface Container {
	name: string;
	image?: string;
	ports?: Array<{ name?: string; containerPort: number }>;
	env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
	resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
	securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
	startupProbe?: Probe;
	livenessProbe?: Probe;
	readinessProbe?: Probe;
	volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface Probe {
	httpGet?: { path?: string; port?: string | number };
}
export interface PodSpec {
	securityContext?: { runAsNonRoot?: boolean };
	containers: Container[];
	initContainers?: Container[];
	volumes?: Array<{ name: string; configMap?: { name: string; optional?: boolean } }>;
}
export type Workload = K8sObject & { spec: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } } };

export const isWorkload = (o: K8sObject): o is Workload => o.kind === "Deployment" || o.kind === "StatefulSet";

export const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);

/** Requests and limits, non-root, read-only root filesystem, no privilege escalation: every container of every workload. */
export function containerViolations(objects: K8sObject[]): string[] {
	const out: string[] = [];
	for (const w of objects.filter(isWorkload)) {
		const pod = w.spec.template.spec;
		for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
			const at = `${describe(w)} container ${c.name}`;
			for (const kind of ["requests", "limits"] as const) {
				for (const resource of ["cpu", "memory"]) if (!c.resources?.[kind]?.[resource]) out.push(`${at}: no ${resource} ${kind}`);
			}
			if (!(c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) out.push(`${at}: may run as root (runAsNonRoot not true)`);
			if (c.securityContext?.readOnlyRootFilesystem !== true) out.push(`${at}: root filesystem is writable (readOnlyRootFilesystem not true)`);
			if (c.securityContext?.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation not false`);
		}
	}
	return out;
}

/** Startup and liveness on /health/live, readiness on /health/ready, all three on the health port. */
export function probeViolations(deployment: Workload, healthPort: number): string[] {
	const c = deployment.spec.template.spec.containers[0]!;
	const out: string[] = [];
	const portNumber = (port: string | number | undefined) => (typeof port === "number" ? port : c.ports?.find((p) => p.name === port)?.containerPort);
	const expected = { startupProbe: "/health/live", livenessProbe: "/health/live", readinessProbe: "/health/ready" } as const;
	for (const [probe, path] of Object.entries(expected) as Array<[keyof typeof expected, string]>) {
		const get = c[probe]?.httpGet;
		if (!get) out.push(`${describe(deployment)}: no ${probe} (httpGet ${path})`);
		else if (get.path !== path || portNumber(get.port) !== healthPort) out.push(`${describe(deployment)}: ${probe} is ${get.path} on ${get.port}, not ${path} on the health port ${healthPort}`);
	}
	return out;
}

/** A PodDisruptionBudget whose selector picks this workload's pods. */
export function hasPdb(objects: K8sObject[], w: Workload): boolean {
	const labels = w.spec.template.metadata?.labels ?? {};
	return objects.some((o) => {
		if (o.kind !== "PodDisruptionBudget") return false;
		const match = (o.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {};
		return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
	});
}

/** No Secret may carry values where the overlay does not generate them. */
export function secretViolations(objects: K8sObject[]): string[] {
	return objects
		.filter((o) => o.kind === "Secret" && (Object.keys((o.data as object) ?? {}).length > 0 || Object.keys((o.stringData as object) ?? {}).length > 0))
		.map((o) => `${describe(o)}: carries secret values (create Secrets out of band; only the dev overlay generates them)`);
}
