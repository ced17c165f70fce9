// Charts as inline SVG, drawn here: horizontal bars with their values, and sparklines.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
	const el = document.createElementNS(SVG, tag);
	for (const [name, value] of Object.entries(attrs)) if (value !== undefined) el.setAttribute(name, String(value));
	if (text !== undefined) el.textContent = String(text);
	return el;
}

/**
 * Horizontal bars, one per row: { label, value, key?, text?, className? }. `max` fixes the scale
 * (100 for percentages); the value's text sits right of its bar. Each bar's group carries
 * `data-key` so a page (or a test) can find it.
 */
export function barChart(rows, { max, title, labelWidth = 130, width = 520, barHeight = 22, gap = 6 } = {}) {
	// Room for the longest value text ("90.6% (29/32)" is 13 characters at about 7.5 px each).
	const valueWidth = Math.max(60, 16 + 7.5 * Math.max(0, ...rows.map((r) => String(r.text ?? r.value).length)));
	const scale = max ?? Math.max(1, ...rows.map((r) => r.value));
	const height = Math.max(1, rows.length) * (barHeight + gap) + gap;
	const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart bar-chart", role: "img", "aria-label": title ?? "bar chart", preserveAspectRatio: "xMinYMin meet" });
	if (title) chart.append(svg("title", {}, title));
	const track = width - labelWidth - valueWidth;
	rows.forEach((row, i) => {
		const y = gap + i * (barHeight + gap);
		const g = svg("g", { class: `bar ${row.className ?? ""}`.trim(), "data-key": row.key ?? row.label, "data-value": row.value });
		g.append(svg("text", { x: labelWidth - 8, y: y + barHeight / 2, class: "bar-label", "text-anchor": "end", "dominant-baseline": "middle" }, row.label));
		g.append(svg("rect", { x: labelWidth, y, width: track, height: barHeight, class: "bar-track", rx: 3 }));
		const w = scale > 0 ? Math.max(row.value > 0 ? 2 : 0, (row.value / scale) * track) : 0;
		g.append(svg("rect", { x: labelWidth, y, width: w, height: barHeight, class: "bar-fill", rx: 3 }));
		g.append(svg("text", { x: labelWidth + track + 8, y: y + barHeight / 2, class: "bar-value", "dominant-baseline": "middle" }, row.text ?? row.value));
		chart.append(g);
	});
	return chart;
}

/** A sparkline of counts per bucket, oldest first, with the last bucket marked. */
export function sparkline(values, { width = 160, height = 32, title } = {}) {
	const max = Math.max(1, ...values);
	const step = values.length > 1 ? width / (values.length - 1) : width;
	const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 3 - (v / max) * (height - 6)).toFixed(1)}`);
	const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart sparkline", role: "img", "aria-label": title ?? "trend", width, height });
	if (title) chart.append(svg("title", {}, title));
	chart.append(svg("polyline", { points: points.join(" "), class: "spark-line", fill: "none" }));
	const [x, y] = (points.at(-1) ?? "0,0").split(",");
	chart.append(svg("circle", { cx: x, cy: y, r: 2.5, class: "spark-dot" }));
	return chart;
}
