// The overview's sections: each takes what the API answered and returns nodes to show.
import { barChart, sparkline } from "./charts.js";
import { age, due, h, orderLink, percent, pill, table } from "./dom.js";

/** The lattice's order, so the bars read left to right as orders move: exception states beside where they branch off. */
const STATUS_ORDER = ["released", "short", "allocated", "picked", "packed", "manifested", "dispatched", "out_for_delivery", "delivery_failed", "reattempt", "delivered", "returning", "invoiced", "returned", "cancelled", "closed"];
const EXCEPTION_STATES = new Set(["short", "delivery_failed", "reattempt", "returning"]);
const label = (status) => status.replaceAll("_", " ");
const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function kpis(overview, cases, deadLetters) {
	const degraded = overview.partners.filter((p) => p.degraded).length;
	const tiles = [
		["In flight", overview.inFlight.total, "in-flight"],
		["Stuck", overview.stuck.count, overview.stuck.count ? "warn" : ""],
		["SLA at risk", overview.sla.atRisk.length, overview.sla.atRisk.length ? "warn" : ""],
		["SLA breached", overview.sla.breached.length, overview.sla.breached.length ? "bad" : ""],
		["Open cases", cases.length, cases.length ? "warn" : ""],
		["Dead letters waiting", deadLetters.length, deadLetters.length ? "bad" : ""],
		["Partners degraded", degraded, degraded ? "bad" : ""],
	];
	return tiles.map(([title, value, tone]) => h("div", { class: `kpi ${tone}`, "data-kpi": title }, h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-title" }, title)));
}

/** Orders in flight by status, with the orders finished in the window beside them. */
export function statusChart(overview) {
	const rows = (byStatus, finished) =>
		STATUS_ORDER.filter((s) => byStatus[s])
			.concat(Object.keys(byStatus).filter((s) => !STATUS_ORDER.includes(s)))
			.map((s) => ({ key: s, label: label(s), value: byStatus[s], className: finished ? "finished" : EXCEPTION_STATES.has(s) ? "exception" : "" }));
	const inFlight = rows(overview.inFlight.byStatus, false);
	const finished = rows(overview.finished.byStatus, true);
	return [
		inFlight.length ? barChart(inFlight, { title: "Orders in flight by status" }) : h("p", { class: "empty" }, "No orders in flight."),
		h("h3", {}, `Finished in the window (${overview.finished.total})`),
		finished.length ? barChart(finished, { title: "Orders finished in the window by status" }) : h("p", { class: "empty" }, "None finished in the window."),
		overview.stuck.count
			? h("div", { class: "stuck" }, h("h3", {}, `Stuck (no progress): ${overview.stuck.count}`), table(["Order", "Status", "Last change"], overview.stuck.orders.map((o) => [orderLink(o.orderId), pill(label(o.status), o.status), age(o.updatedAt)])))
			: null,
		overview.scanned.truncated ? h("p", { class: "note" }, `Read limit reached: the ${overview.scanned.open} oldest of ${overview.scanned.openIndexed} open orders and ${overview.scanned.recent} released in the window were read.`) : null,
	];
}

export function slaTable(rows, empty) {
	return table(["Order", "SLA", "Due", "Status", "Service"], rows.map((r) => ({ attrs: { "data-sla-order": r.orderId }, cells: [orderLink(r.orderId), r.sla.replace(/^exception-resolution:.*/, "exception resolution"), due(r.dueAt), pill(label(r.status), r.status), r.serviceLevel] })), empty);
}

/** Open cases with their actions; `onResolve(case, button)` resolves one. */
export function inbox(cases, ownerFilter, onResolve) {
	const shown = ownerFilter ? cases.filter((c) => c.owner === ownerFilter) : cases;
	return table(
		["Kind", "Owner", "Severity", "Order", "Partner", "Summary", "Age", ""],
		shown.map((c) => ({
			attrs: { "data-case": c.caseId },
			cells: [c.kind, c.owner, pill(c.severity), orderLink(c.orderId), c.partner ?? "—", h("span", { class: "summary" }, c.summary), age(c.openedAt), h("button", { type: "button", class: "action", onclick: (e) => onResolve(c, e.currentTarget) }, "Resolve")],
		})),
		ownerFilter ? `No open cases for ${ownerFilter}.` : "No open cases.",
	);
}

/** Dead letters waiting, each with Replay; `onReplay(letter, button)` replays one. */
export function deadLetters(letters, onReplay) {
	return table(
		["Age", "Channel / group", "Message", "Order", "Partner", "Error", "Attempts", ""],
		letters.map((d) => ({
			attrs: { "data-dead-letter": d.id },
			cells: [age(d.failedAt), `${d.channel} / ${d.group}`, d.messageType ?? "?", orderLink(d.orderId), d.partner ?? "—", h("span", { class: "summary", title: d.error.message }, `${d.error.type}: ${d.error.message.slice(0, 160)}`), d.attempts, h("button", { type: "button", class: "action", onclick: (e) => onReplay(d, e.currentTarget) }, "Replay")],
		})),
		"No dead letters waiting.",
	);
}

/** What a partner holds, which is what its outage affects: orders, warehouse fulfillments (waves), delivery jobs (routes). */
function holds(row, inFlight, expanded) {
	if (row.system === "erp") return `status updates and invoices of ${count(inFlight, "order")} in flight`;
	const load = row.holds;
	if (!load) return "nothing in flight";
	const parts = [count(load.orders, "order")];
	const warehouses = Object.entries(load.byWarehouse);
	if (warehouses.length) parts.push(`fulfillments ${warehouses.map(([w, n]) => `${w}: ${n}`).join(", ")}`);
	if (load.deliveries.length) parts.push(`${count(load.deliveries.length, "delivery job")}${load.deliveries.length >= 25 ? " or more" : ""}`);
	const details = h(
		"details",
		{ open: row.degraded || expanded.has(row.partner), ontoggle: (e) => (e.currentTarget.open ? expanded.add(row.partner) : expanded.delete(row.partner)) },
		h("summary", {}, parts.join(" · ")),
		h("div", { class: "affected" }, "Orders: ", load.orderIds.map((id) => [orderLink(id), " "])),
		load.fulfillments.length ? table(["Fulfillment order", "Warehouse", "State", "Order"], load.fulfillments.map((f) => [f.fulfillmentOrderId, f.warehouse, f.state, orderLink(f.orderId)])) : null,
		load.deliveries.length ? table(["Delivery job (route)", "State", "ETA", "Order"], load.deliveries.map((d) => [d.partnerRef ? `${d.deliveryJobId} (${d.partnerRef})` : d.deliveryJobId, d.state, d.eta ?? "—", orderLink(d.orderId)])) : null,
	);
	return details;
}

/** `expanded`: partners whose details the operator opened (kept across refreshes); a degraded partner's are open. */
export function partners(overview, expanded) {
	return table(
		["Partner", "Circuit", "Health", "Calls (5 min)", "Error rate", "Command backlog", "Holds"],
		overview.partners.map((p) => ({
			attrs: { "data-partner": p.partner, class: p.degraded ? "degraded" : "" },
			cells: [
				h("span", {}, h("strong", {}, p.partner), h("br"), h("small", {}, `${p.system}${p.warehouses ? ` · ${p.warehouses.join(", ")}` : ""}`)),
				pill(p.circuit),
				p.degraded ? h("span", {}, pill("degraded", "bad"), p.openCase ? h("small", { class: "block" }, `since ${age(p.openCase.openedAt)}`) : null) : pill("healthy", "ok"),
				p.recent ? `${p.recent.calls} (${p.recent.failures} failed)` : "—",
				percent(p.errorRate),
				h("span", { title: "Commands waiting on this system's stream (all its partners together)" }, p.commandBacklog, h("small", { class: "block" }, `${p.system} stream`)),
				holds(p, overview.inFlight.total, expanded),
			],
		})),
		"No partners configured.",
	);
}

export function throughput(overview) {
	const rows = overview.warehouses;
	if (rows.length === 0) return h("p", { class: "empty" }, "Nothing shipped or in progress.");
	const minutes = Math.round(overview.windowMs / 60_000);
	return [
		barChart(rows.map((w) => ({ key: w.warehouse, label: w.partner ? `${w.warehouse} (${w.partner})` : w.warehouse, value: w.shipped, text: `${w.shipped} shipments` })), { title: `Shipments per warehouse, last ${minutes} min`, labelWidth: 160 }),
		table(
			["Warehouse", "Shipped", "Units", "Open fulfillments", `Trend (${minutes} min)`],
			rows.map((w) => ({ attrs: { "data-warehouse": w.warehouse }, cells: [w.warehouse, w.shipped, w.units, w.open, sparkline(w.perBucket, { title: `${w.warehouse} shipments per ${Math.round(minutes / w.perBucket.length)} min` })] })),
		),
	];
}

export function onTime(overview) {
	const rows = overview.providers;
	if (rows.length === 0) return h("p", { class: "empty" }, "No deliveries yet.");
	const completed = (p) => p.delivered + p.returned;
	return [
		barChart(
			rows.map((p) => ({ key: p.partner, label: p.partner, value: completed(p) ? (p.onTime / completed(p)) * 100 : 0, text: completed(p) ? `${percent(p.onTime / completed(p))} (${p.onTime}/${completed(p)})` : "—" })),
			{ max: 100, title: "On-time rate per delivery provider", labelWidth: 130 },
		),
		table(
			["Provider", "Delivered", "On time", "First attempt", "Failed attempts", "Returned", "In flight"],
			rows.map((p) => ({ attrs: { "data-provider": p.partner }, cells: [p.partner, p.delivered, p.onTime, p.delivered ? percent(p.firstAttempt / p.delivered) : "—", p.failedAttempts, p.returned, p.inFlight] })),
		),
		h("p", { class: "note" }, "On time: delivered by the end of the customer's requested window; a parcel sent back after failed attempts counts as late."),
	];
}
