/**
 * What each process did, read the way Prometheus reads it: from the process's own exporter
 * (METRICS=true on its METRICS_PORT). `waybill_stream_messages_processed_total` counts messages
 * handled and acked, `waybill_stream_messages_failed_total` failed attempts by error type, both
 * per channel and consumer group.
 */

export const PROCESSED_SERIES = "waybill_stream_messages_processed_total";
export const FAILED_SERIES = "waybill_stream_messages_failed_total";

type Sample = { labels: Record<string, string>; value: number };

export interface ProcessCount {
	instance: string;
	group: string;
	/** Messages of its group this process handled and acked, over every channel the group reads. */
	processed: number;
}

export interface Share extends ProcessCount {
	/** Of every message the group's processes handled in the same snapshot. */
	share: number;
}

/** One series' samples from Prometheus text, as label sets and values. */
export function samplesOf(text: string, series: string): Sample[] {
	const samples: Sample[] = [];
	for (const line of text.split("\n")) {
		if (!line.startsWith(`${series}{`)) continue;
		const close = line.lastIndexOf("}");
		const labels: Record<string, string> = {};
		for (const m of line.slice(series.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
		samples.push({ labels, value: Number(line.slice(close + 1).trim()) });
	}
	return samples;
}

export async function scrape(instance: string, metricsPort: number): Promise<string> {
	const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
	if (!response.ok) throw new Error(`${instance} metrics: HTTP ${response.status}`);
	return response.text();
}

/** One process's messages handled for one group (0 before its first: the series appears with it). */
export async function processedBy(instance: string, group: string, metricsPort: number): Promise<ProcessCount> {
	const processed = samplesOf(await scrape(instance, metricsPort), PROCESSED_SERIES)
		.filter((s) => s.labels.group === group)
		.reduce((sum, s) => sum + s.value, 0);
	return { instance, group, processed };
}

/** One process's failed handling attempts by error type, e.g. `{ REQUEST_TIMEOUT: 12 }`. */
export async function failuresOf(instance: string, metricsPort: number): Promise<Record<string, number>> {
	const byType: Record<string, number> = {};
	for (const s of samplesOf(await scrape(instance, metricsPort), FAILED_SERIES)) {
		const type = s.labels.error_type ?? "?";
		byType[type] = (byType[type] ?? 0) + s.value;
	}
	return byType;
}

/** Each process's part of its group's total in one snapshot. */
export function sharesOf(counts: ProcessCount[]): Share[] {
	const totals = new Map<string, number>();
	for (const c of counts) totals.set(c.group, (totals.get(c.group) ?? 0) + c.processed);
	return counts.map((c) => ({ ...c, share: c.processed / Math.max(1, totals.get(c.group) ?? 0) }));
}

/** One line per group for a human: `saga 526: saga-1 180 (34%), saga-2 175 (33%), saga-3 171 (33%)`. */
export function describeShares(shares: Share[]): string[] {
	const groups = [...new Set(shares.map((s) => s.group))];
	return groups.map((g) => {
		const ours = shares.filter((s) => s.group === g);
		const total = ours.reduce((sum, s) => sum + s.processed, 0);
		return `${g} ${total}: ${ours.map((s) => `${s.instance} ${s.processed} (${Math.round(s.share * 100)}%)`).join(", ")}`;
	});
}
