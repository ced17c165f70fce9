import type { StepResult } from "./stepped-rates.ts";

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 150, top: 40, bottom: 50 };
const SERIES = [
	{ key: "p50", colour: "#2b8a3e" },
	{ key: "p95", colour: "#e67700" },
	{ key: "p99", colour: "#c92a2a" },
] as const;

/**
 * Latency (ingress to the fact's ledger commit, log scale) against committed throughput, one point
 * per step, as a standalone SVG: opens in any browser, needs no plotting library.
 */
export function latencyChartSvg(steps: StepResult[], title: string): string {
	const plotW = WIDTH - MARGIN.left - MARGIN.right;
	const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
	const maxX = Math.max(1, ...steps.map((s) => s.committedEventsPerSecond)) * 1.1;
	const values = steps.flatMap((s) => SERIES.map((series) => Math.max(1, s.latency.ingressToFact[series.key])));
	const minY = 10 ** Math.floor(Math.log10(Math.min(...values, 10)));
	const maxY = 10 ** Math.ceil(Math.log10(Math.max(...values, 100)));
	const x = (v: number) => MARGIN.left + (v / maxX) * plotW;
	const y = (v: number) => MARGIN.top + plotH - ((Math.log10(Math.max(v, minY)) - Math.log10(minY)) / (Math.log10(maxY) - Math.log10(minY))) * plotH;
	const parts: string[] = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
		`<rect width="100%" height="100%" fill="white"/>`,
		`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
	];
	for (let decade = minY; decade <= maxY; decade *= 10) {
		parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(decade)}" y2="${y(decade)}" stroke="#ddd"/>`);
		parts.push(`<text x="${MARGIN.left - 8}" y="${y(decade) + 4}" text-anchor="end">${decade >= 1000 ? `${decade / 1000} s` : `${decade} ms`}</text>`);
	}
	for (let i = 0; i <= 5; i++) {
		const v = (maxX / 5) * i;
		parts.push(`<text x="${x(v)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${Math.round(v)}</text>`);
	}
	parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
	parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
	parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">committed events/s (ledger entries)</text>`);
	parts.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">ingress → ledger commit of its fact</text>`);
	for (const [i, series] of SERIES.entries()) {
		const points = steps.map((s) => `${x(s.committedEventsPerSecond).toFixed(1)},${y(s.latency.ingressToFact[series.key]).toFixed(1)}`);
		parts.push(`<polyline fill="none" stroke="${series.colour}" stroke-width="2" points="${points.join(" ")}"/>`);
		for (const s of steps) {
			const cx = x(s.committedEventsPerSecond).toFixed(1);
			const cy = y(s.latency.ingressToFact[series.key]).toFixed(1);
			parts.push(s.keptUp ? `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${series.colour}"/>` : `<circle cx="${cx}" cy="${cy}" r="4" fill="white" stroke="${series.colour}" stroke-width="2"/>`);
		}
		const ly = MARGIN.top + 10 + i * 20;
		parts.push(`<line x1="${WIDTH - MARGIN.right + 15}" x2="${WIDTH - MARGIN.right + 40}" y1="${ly}" y2="${ly}" stroke="${series.colour}" stroke-width="2"/>`);
		parts.push(`<text x="${WIDTH - MARGIN.right + 46}" y="${ly + 4}">${series.key}</text>`);
	}
	parts.push(`<text x="${WIDTH - MARGIN.right + 15}" y="${MARGIN.top + 84}">hollow: saturated</text>`);
	parts.push("</svg>");
	return parts.join("\n");
}

function escapeXml(text: string): string {
	return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}
