import { MetricReporters, type ServiceBroker } from "moleculer";

type Labels = Record<string, unknown>;
interface Snapshot {
	labels?: Labels;
	value?: unknown;
	count?: number;
	sum?: number;
	buckets?: Record<string, number>;
}
interface Metric {
	name: string;
	type: string;
	description?: string;
	unit?: string;
	buckets?: number[];
	snapshot(): Snapshot[];
}
interface Registry {
	store: Map<string, unknown>;
}

/**
 * The Prometheus text exposition of a broker's metric registry. Moleculer's own reporter writes
 * histograms without `_sum` and `_count` unless quantiles are on, and orders buckets by JavaScript
 * key order (integers first); this one writes standard histograms: cumulative `_bucket`s in bound
 * order, `+Inf`, `_sum`, `_count`. Quantiles (Moleculer's own request timers have them) are left
 * out: Prometheus derives them from the buckets.
 */
export function prometheusText(registry: Registry, defaultLabels: Labels, include: (name: string) => boolean = () => true): string {
	const lines: string[] = [];
	for (const metric of registry.store.values() as Iterable<Metric>) {
		// os.datetime.* carry the date and time as labels: a new series every second.
		if (!include(metric.name) || metric.name.startsWith("os.datetime")) continue;
		const snapshot = metric.snapshot();
		if (snapshot.length === 0) continue;
		const name = metric.name.replace(/[.-]/g, "_");
		const type = metric.type === "info" ? "gauge" : metric.type;
		lines.push(`# HELP ${name} ${escapeHelp(metric.description ?? metric.name + (metric.unit ? ` (${metric.unit})` : ""))}`, `# TYPE ${name} ${type}`);
		for (const item of snapshot) {
			const labels = { ...defaultLabels, ...item.labels };
			if (metric.type === "histogram") {
				for (const bound of metric.buckets ?? []) lines.push(`${name}_bucket${labelText({ ...labels, le: bound })} ${num(item.buckets?.[String(bound)])}`);
				lines.push(`${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${num(item.count)}`, `${name}_sum${labelText(labels)} ${num(item.sum)}`, `${name}_count${labelText(labels)} ${num(item.count)}`);
			} else if (metric.type === "info") {
				lines.push(`${name}${labelText({ ...labels, value: item.value })} 1`);
			} else {
				lines.push(`${name}${labelText(labels)} ${num(item.value)}`);
			}
		}
	}
	return lines.join("\n") + "\n";
}

/** The text of a broker's own registry, or undefined when its metrics are off. */
export function brokerPrometheusText(broker: ServiceBroker): string | undefined {
	if (!broker.metrics.isEnabled()) return undefined;
	return prometheusText(broker.metrics as unknown as Registry, { namespace: broker.namespace, nodeID: broker.nodeID });
}

/** Moleculer's Prometheus exporter (its own HTTP port), writing the text above. */
export class WaybillPrometheusReporter extends MetricReporters.Prometheus {
	override generatePrometheusResponse(): string {
		const labels = { namespace: this.registry.broker.namespace, nodeID: this.registry.broker.nodeID };
		return prometheusText(this.registry as unknown as Registry, labels, (name) => this.matchMetricName(name));
	}
}

function labelText(labels: Labels): string {
	const parts = Object.entries(labels).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
	return parts.length ? `{${parts.join(",")}}` : "";
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const num = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? String(value) : typeof value === "number" ? (Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf") : "NaN");

/** The reporter's type name in broker options (`metrics.reporter[].type`). */
export const WAYBILL_PROMETHEUS = "WaybillPrometheus";
MetricReporters.register(WAYBILL_PROMETHEUS, WaybillPrometheusReporter as never);
