// One order: its unified status, lines, fulfillments, shipments, deliveries, cases, timeline and trace.
import { age, h, pill, table, time } from "./dom.js";

const label = (status) => String(status).replaceAll("_", " ");

function lines(order) {
	const cols = ["ordered", "allocated", "picked", "shipped", "delivered", "invoiced", "backordered", "cancelled", "returned"];
	return table(["Line", "SKU", ...cols], order.lines.map((l) => [l.lineNo, l.sku, ...cols.map((c) => l[c])]), "No lines.");
}

function fulfillments(order) {
	return table(["Fulfillment order", "Warehouse", "Partner", "State"], Object.values(order.fulfillments).map((f) => [f.fulfillmentOrderId, f.warehouse, f.partner, f.state]), "None yet.");
}

function shipments(order) {
	return table(["Shipment", "Warehouse", "Carrier", "Tracking", "Packages", "Shipped"], order.shipments.map((s) => [s.shipmentId, s.warehouse ?? "—", s.carrier ?? "—", s.trackingNumber ?? "—", s.packages.length, time(s.shippedAt)]), "None yet.");
}

function deliveries(order) {
	return table(
		["Delivery job", "Provider", "State", "Attempt", "ETA", "Delivered", "Failures"],
		Object.values(order.deliveries).map((d) => [d.partnerRef ? `${d.deliveryJobId} (${d.partnerRef})` : d.deliveryJobId, d.partner, d.state, d.attempt, d.eta ? time(d.eta) : "—", d.deliveredAt ? time(d.deliveredAt) : "—", d.failures.map((f) => f.reason ?? "failed").join(", ") || "—"]),
		"None yet.",
	);
}

function cases(order) {
	return table(["Case", "Kind", "Opened", "Resolved"], order.cases.map((c) => [c.caseId, c.kind, time(c.openedAt), c.resolvedAt ? time(c.resolvedAt) : pill("open", "warn")]), "No cases.");
}

function timeline(order) {
	const entries = [...order.timeline].reverse();
	return h(
		"ol",
		{ class: "timeline", reversed: true },
		entries.map((t) =>
			h(
				"li",
				{ "data-type": t.type },
				h("span", { class: "tl-time" }, time(t.at)),
				h("span", { class: "tl-type" }, t.type),
				t.status ? pill(`→ ${label(t.status)}`, t.status) : null,
				t.partner ? h("span", { class: "tl-partner" }, t.partner) : null,
				t.note ? h("div", { class: "tl-note" }, t.note) : null,
			),
		),
	);
}

function trace(result) {
	if (result.error) return h("p", { class: "empty" }, `No trace: ${result.error}`);
	return table(
		["Message", "Kind", "Producer", "Partner", "Mapping", "Event time", "Hop"],
		result.hops.map((hop) => ({
			attrs: { "data-hop": hop.type },
			cells: [h("span", { class: `depth depth-${Math.min(hop.depth, 8)}` }, hop.type), hop.kind, hop.producer, hop.partner ?? "—", hop.mappingVersion ?? "—", time(hop.eventTime), hop.hopMs === undefined ? "—" : `${hop.hopMs} ms`],
		})),
		"No messages.",
	);
}

/** The panel's content for an order (`trace` may be { error }); `onClose` hides it. */
export function orderPanel(order, traceResult, onClose) {
	const sla = order.sla ?? { atRisk: [], breached: [] };
	return [
		h(
			"header",
			{ class: "panel-head" },
			h("h2", {}, "Order ", h("span", { class: "order-id" }, order.orderId)),
			h("button", { type: "button", class: "close", "aria-label": "Close", onclick: onClose }, "×"),
		),
		h(
			"dl",
			{ class: "facts" },
			h("dt", {}, "Status"), h("dd", { "data-order-status": order.status }, pill(label(order.status), order.status), " since ", time(order.statusAt)),
			h("dt", {}, "Service"), h("dd", {}, order.order.serviceLevel, order.order.requestedWindow ? [" · window ", time(order.order.requestedWindow.from), " – ", time(order.order.requestedWindow.to)] : null),
			h("dt", {}, "Released"), h("dd", {}, time(order.createdAt), ` (${age(order.createdAt)} ago)`),
			h("dt", {}, "Last change"), h("dd", {}, time(order.updatedAt)),
			h("dt", {}, "SLA"), h("dd", {}, sla.breached.length ? ["breached: ", sla.breached.join(", ")] : sla.atRisk.length ? ["at risk: ", sla.atRisk.join(", ")] : "on track", sla.dispatchDueAt ? [" · dispatch due ", time(sla.dispatchDueAt)] : null),
			order.invoice ? [h("dt", {}, "Invoice"), h("dd", {}, `${order.invoice.total} ${order.invoice.currency}`, " · ", time(order.invoice.postedAt))] : null,
		),
		h("h3", {}, "Lines"), lines(order),
		h("h3", {}, "Fulfillment orders"), fulfillments(order),
		h("h3", {}, "Shipments"), shipments(order),
		h("h3", {}, "Deliveries"), deliveries(order),
		h("h3", {}, "Cases"), cases(order),
		h("h3", {}, `Timeline (${order.timeline.length})`), timeline(order),
		h("h3", {}, traceResult.hops ? `Trace (${traceResult.hops.length} messages, causal order)` : "Trace"), trace(traceResult),
	];
}
