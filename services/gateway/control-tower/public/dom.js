// Small DOM helpers. Everything shown is set as text, never parsed as HTML: partner data
// (case summaries, error messages) reaches the page and must not run.

/** An element with attributes (`on*` functions become listeners, `class`, `data-*`, booleans) and children. */
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

export function setAttrs(el, attrs) {
	for (const [name, value] of Object.entries(attrs ?? {})) {
		if (value === undefined || value === null || value === false) continue;
		if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
		else if (value === true) el.setAttribute(name, "");
		else el.setAttribute(name, String(value));
	}
}

export function append(el, children) {
	for (const child of children.flat(Infinity)) {
		if (child === undefined || child === null || child === false) continue;
		el.append(child instanceof Node ? child : document.createTextNode(String(child)));
	}
}

/** Replaces what `el` shows. */
export function show(el, ...children) {
	el.replaceChildren();
	append(el, children);
}

/** A table with a header row; `rows` are arrays of cells (text or nodes), or { cells, attrs }. */
export function table(headers, rows, empty = "Nothing here.") {
	if (rows.length === 0) return h("p", { class: "empty" }, empty);
	return h(
		"table",
		{},
		h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
		h("tbody", {}, rows.map((row) => (Array.isArray(row) ? h("tr", {}, row.map((c) => h("td", {}, c))) : h("tr", row.attrs, row.cells.map((c) => h("td", {}, c)))))),
	);
}

/** A link that opens the order's timeline. */
export function orderLink(orderId) {
	if (!orderId) return "—";
	return h("a", { href: `#order=${encodeURIComponent(orderId)}`, class: "order-link", "data-order": orderId }, orderId);
}

export function pill(text, kind = text) {
	return h("span", { class: `pill pill-${String(kind).replace(/[^a-z0-9-]/gi, "-")}` }, text);
}

/** "3 min", "2 h 5 min", "4 d": how long ago `iso` was, from `now`. */
export function age(iso, now = Date.now()) {
	if (!iso) return "—";
	const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
	if (s < 60) return `${s} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} min`;
	const hours = Math.floor(m / 60);
	if (hours < 48) return `${hours} h ${m % 60} min`;
	return `${Math.floor(hours / 24)} d`;
}

/** Local date and time, to the second; a time element keeps the exact value. */
export function time(iso) {
	if (!iso) return "—";
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return h("time", { datetime: iso, title: iso }, d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" }));
}

/** Due in the future reads "in 4 min", past due "4 min ago". */
export function due(iso, now = Date.now()) {
	if (!iso) return "—";
	const future = Date.parse(iso) > now;
	const span = future ? age(new Date(now - (Date.parse(iso) - now)).toISOString(), now) : age(iso, now);
	return h("span", { class: future ? "due-future" : "due-past" }, time(iso), ` (${future ? `in ${span}` : `${span} ago`})`);
}

export function percent(ratio) {
	return ratio === null || ratio === undefined || Number.isNaN(ratio) ? "—" : `${Math.round(ratio * 1000) / 10}%`;
}
