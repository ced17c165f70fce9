import { consumerName, streamName } from "../../mixins/streams/jetstream-layout.ts";
import type { Consumption } from "./consumers.ts";
import { describe, type K8sObject } from "./manifests.ts";
import type { Workload } from "./workload-policy.ts";

interface Trigger {
	type: string;
	name?: string;
	metricType?: string;
	metadata?: Record<string, string>;
}
export type ScaledObject = K8sObject & {
	spec: {
		scaleTargetRef: { name: string; kind?: string };
		minReplicaCount?: number;
		maxReplicaCount?: number;
		advanced?: { scalingModifiers?: { formula?: string; target?: string } };
		triggers: Trigger[];
	};
};
type Hpa = K8sObject & { spec: { scaleTargetRef: { kind: string; name: string }; maxReplicas: number; metrics?: Array<{ type: string; resource?: { name: string } }> } };

export interface Layout {
	/** Kubernetes namespace the objects render into (KEDA reaches NATS across namespaces). */
	k8sNamespace: string;
	/** NAMESPACE of waybill-config: names the streams. */
	waybillNamespace: string;
	partitions: number;
}

const scaledObjects = (objects: K8sObject[]) => objects.filter((o): o is ScaledObject => o.kind === "ScaledObject");
const hpas = (objects: K8sObject[]) => objects.filter((o): o is Hpa => o.kind === "HorizontalPodAutoscaler");

/**
 * A consuming service scales with KEDA on its consumers' lag and on CPU: one nats-jetstream
 * trigger per durable consumer (group x partition) and none for a consumer it does not have
 * (KEDA reads a missing consumer's lag as the stream's last sequence, which would pin it at max),
 * at most STREAM_PARTITIONS replicas, no `replicas` field and no second HPA on its Deployment.
 */
export function consumerScalingViolations(objects: K8sObject[], deployment: Workload, consumptions: Consumption[], layout: Layout): string[] {
	const at = describe(deployment);
	const name = deployment.metadata.name;
	const mine = scaledObjects(objects).filter((so) => so.spec.scaleTargetRef.name === name && (so.spec.scaleTargetRef.kind ?? "Deployment") === "Deployment");
	if (mine.length !== 1) return [`${at}: ${mine.length} ScaledObjects target it, expected exactly one`];
	const so = mine[0]!;
	const out: string[] = [];
	if (deployment.spec.replicas !== undefined) out.push(`${at}: sets replicas although KEDA owns them (every apply would reset the scale)`);
	for (const hpa of hpas(objects)) if (hpa.spec.scaleTargetRef.name === name) out.push(`${describe(hpa)}: a second HPA on ${name}, which KEDA's HPA already drives`);
	const { minReplicaCount: min = 0, maxReplicaCount: max = 100 } = so.spec;
	if (min < 1) out.push(`${describe(so)}: minReplicaCount ${min}: a consumer must keep at least one pod`);
	if (max > layout.partitions) out.push(`${describe(so)}: maxReplicaCount ${max} exceeds STREAM_PARTITIONS ${layout.partitions} (more pods add no parallelism)`);
	if (max < min) out.push(`${describe(so)}: maxReplicaCount ${max} below minReplicaCount ${min}`);
	if (!so.spec.triggers.some((t) => t.type === "cpu")) out.push(`${describe(so)}: no cpu trigger`);

	const lag = so.spec.triggers.filter((t) => t.type === "nats-jetstream");
	const expected = consumptions.flatMap((c) => Array.from({ length: layout.partitions }, (_, p) => `${streamName(layout.waybillNamespace, c.channel)}/${consumerName(c.group, p)}`));
	const actual = lag.map((t) => `${t.metadata?.stream}/${t.metadata?.consumer}`);
	for (const e of expected) if (!actual.includes(e)) out.push(`${describe(so)}: no nats-jetstream trigger for consumer ${e}`);
	for (const a of actual) if (!expected.includes(a)) out.push(`${describe(so)}: trigger for ${a}, a consumer ${name} does not have`);
	if (new Set(actual).size !== actual.length) out.push(`${describe(so)}: a consumer has two triggers`);
	for (const t of lag) {
		const m = t.metadata ?? {};
		if (!m.natsServerMonitoringEndpoint?.includes(`.${layout.k8sNamespace}.svc`)) out.push(`${describe(so)}: trigger ${t.name}: natsServerMonitoringEndpoint '${m.natsServerMonitoringEndpoint}' is not in namespace ${layout.k8sNamespace}`);
		if (!m.account) out.push(`${describe(so)}: trigger ${t.name}: no account`);
		if (!/^[1-9]\d*$/.test(m.lagThreshold ?? "")) out.push(`${describe(so)}: trigger ${t.name}: lagThreshold '${m.lagThreshold}' is not a positive integer`);
	}
	const formula = so.spec.advanced?.scalingModifiers?.formula;
	if (formula !== undefined) {
		const terms = formula.split("+").map((s) => s.trim());
		for (const t of lag) if (!t.name || !terms.includes(t.name)) out.push(`${describe(so)}: trigger ${t.name ?? "(unnamed)"} is left out of the formula, so its lag is never seen`);
		for (const term of terms) if (!lag.some((t) => t.name === term)) out.push(`${describe(so)}: formula term '${term}' is no trigger`);
	}
	return out;
}

/** The gateway consumes nothing: a plain CPU HPA, and no ScaledObject. */
export function gatewayScalingViolations(objects: K8sObject[], deployment: Workload): string[] {
	const name = deployment.metadata.name;
	const out: string[] = [];
	const mine = hpas(objects).filter((h) => h.spec.scaleTargetRef.kind === "Deployment" && h.spec.scaleTargetRef.name === name);
	if (mine.length !== 1) out.push(`${describe(deployment)}: ${mine.length} HorizontalPodAutoscalers target it, expected one`);
	else if (!mine[0]!.spec.metrics?.some((m) => m.type === "Resource" && m.resource?.name === "cpu")) out.push(`${describe(mine[0]!)}: no CPU metric`);
	if (scaledObjects(objects).some((so) => so.spec.scaleTargetRef.name === name)) out.push(`${describe(deployment)}: a ScaledObject targets it beside its HPA`);
	if (deployment.spec.replicas !== undefined) out.push(`${describe(deployment)}: sets replicas although its HPA owns them`);
	return out;
}

/** An overlay without autoscaling (dev): fixed replicas, and no scaler objects at all. */
export function fixedScalingViolations(objects: K8sObject[], deployments: Workload[]): string[] {
	const out = deployments.filter((d) => d.spec.replicas === undefined).map((d) => `${describe(d)}: no replicas in an overlay without autoscaling`);
	for (const o of objects) if (o.kind === "ScaledObject" || o.kind === "HorizontalPodAutoscaler") out.push(`${describe(o)}: present in an overlay without autoscaling`);
	return out;
}
