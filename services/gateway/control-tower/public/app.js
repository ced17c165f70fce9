// The control tower: reads the overview, the exception inbox and the dead letters every few
// seconds, and one order's timeline and trace on demand (#order=<id>).
import { api, hasApiKey, setApiKey } from "./api.js";
import { h, show } from "./dom.js";
import { orderPanel } from "./order-panel.js";
import * as sections from "./sections.js";

const REFRESH_MS = Number(new URLSearchParams(location.search).get("refresh")) || 5_000;
const $ = (id) => document.getElementById(id);
const state = { ownerFilter: "", expanded: new Set(), orderId: undefined, timer: undefined, refreshing: false, again: false };

/** Who the key belongs to, as the gateway tells it: every action is recorded in the ledger under this name. */
let signedInAs = "";

function notify(text, tone = "info") {
	show($("notice"), text ? h("p", { class: `notice ${tone}` }, text) : null);
}

/** Checks the key with the gateway and shows whose it is; a refused key is dropped. */
async function signIn(key) {
	setApiKey(key);
	if (!key) {
		signedInAs = "";
		$("who").textContent = "";
		notify("Enter an operator API key: the control tower shows nothing without one.", "warn");
		return;
	}
	try {
		const me = await api.whoami();
		signedInAs = me.name;
		$("who").textContent = `Signed in as ${me.name}`;
		notify("");
		await refresh();
	} catch (e) {
		setApiKey("");
		signedInAs = "";
		$("who").textContent = "";
		notify(`That key was refused: ${e.message}`, "bad");
	}
}

/** An action needs a key: it is recorded in the ledger with the key's name. */
function requireOperator() {
	if (hasApiKey()) return signedInAs || "you";
	notify("Enter an operator API key first: every action is recorded with its name.", "warn");
	$("api-key").focus();
	return undefined;
}

async function resolveCase(c, button) {
	const by = requireOperator();
	if (!by) return;
	button.disabled = true;
	try {
		const result = await api.resolveCase(c.caseId);
		notify(result.resolved ? `Case ${c.caseId} (${c.kind}) resolved by ${by}.` : `Case ${c.caseId}: ${result.skipped}`, "ok");
		await refresh();
	} catch (e) {
		button.disabled = false;
		notify(`Could not resolve ${c.caseId}: ${e.message}`, "bad");
	}
}

async function replay(letter, button) {
	const by = requireOperator();
	if (!by) return;
	button.disabled = true;
	try {
		const result = await api.replayDeadLetter(letter.id);
		const outcome = result.results?.[0];
		notify(outcome?.replayId ? `Dead letter ${letter.id} replayed as ${outcome.replayId} by ${by}.` : `Dead letter ${letter.id} not replayed: ${outcome?.skipped ?? "nothing selected"}`, outcome?.replayId ? "ok" : "warn");
		await refresh();
	} catch (e) {
		button.disabled = false;
		notify(`Could not replay ${letter.id}: ${e.message}`, "bad");
	}
}

function ownerOptions(cases) {
	const owners = [...new Set(cases.map((c) => c.owner))].sort();
	const select = h("select", { id: "owner-filter", "aria-label": "Owner", onchange: (e) => { state.ownerFilter = e.currentTarget.value; void refresh(); } }, h("option", { value: "" }, `All owners (${cases.length})`), owners.map((o) => h("option", { value: o, selected: o === state.ownerFilter }, `${o} (${cases.filter((c) => c.owner === o).length})`)));
	return select;
}

/** One refresh at a time; one asked for meanwhile (after an action) runs right after, with fresh answers. */
async function refresh() {
	// Without a key every read would be refused (and each refusal audited): wait for one.
	if (!hasApiKey()) return;
	if (state.refreshing) {
		state.again = true;
		return;
	}
	state.refreshing = true;
	try {
		const [overview, cases, letters] = await Promise.all([api.overview($("window").value), api.exceptions(), api.deadLetters()]);
		show($("kpis"), sections.kpis(overview, cases, letters));
		show($("status-chart"), sections.statusChart(overview));
		show($("sla-at-risk"), sections.slaTable(overview.sla.atRisk, "Nothing at risk."));
		show($("sla-breached"), sections.slaTable(overview.sla.breached, "Nothing breached in the window."));
		show($("inbox-filter"), ownerOptions(cases));
		show($("inbox"), sections.inbox(cases, state.ownerFilter, resolveCase));
		show($("dead-letters"), sections.deadLetters(letters, replay));
		show($("partners"), sections.partners(overview, state.expanded));
		show($("throughput"), sections.throughput(overview));
		show($("on-time"), sections.onTime(overview));
		if (state.orderId) await loadOrder(state.orderId, { quiet: true });
		$("refresh-state").textContent = `Updated ${new Date().toLocaleTimeString()} · every ${Math.round(REFRESH_MS / 1000)} s`;
		document.body.dataset.loaded = "true";
	} catch (e) {
		$("refresh-state").textContent = `Refresh failed: ${e.message}`;
	} finally {
		state.refreshing = false;
		if (state.again) {
			state.again = false;
			void refresh();
		}
	}
}

async function loadOrder(orderId, { quiet = false } = {}) {
	const panel = $("order-panel");
	try {
		const [order, trace] = await Promise.all([api.order(orderId), api.trace(orderId).catch((e) => ({ error: e.message }))]);
		if (state.orderId !== orderId) return;
		const scroll = panel.scrollTop;
		show(panel, orderPanel(order, trace, closeOrder));
		panel.scrollTop = scroll;
		panel.hidden = false;
	} catch (e) {
		if (quiet && state.orderId === orderId && !panel.hidden) return;
		show(panel, h("header", { class: "panel-head" }, h("h2", {}, orderId), h("button", { type: "button", class: "close", "aria-label": "Close", onclick: closeOrder }, "×")), h("p", { class: "notice bad" }, e.status === 404 ? `No order ${orderId}.` : e.message));
		panel.hidden = false;
	}
}

function closeOrder() {
	history.replaceState(null, "", location.pathname + location.search);
	state.orderId = undefined;
	$("order-panel").hidden = true;
}

/** #order=<id> opens an order: links, the search box and a pasted URL all go through here. */
function followHash() {
	const orderId = new URLSearchParams(location.hash.slice(1)).get("order");
	if (!orderId) return closeOrder();
	state.orderId = orderId;
	$("order-panel").scrollTop = 0;
	void loadOrder(orderId);
}

function start() {
	$("api-key").addEventListener("change", () => void signIn($("api-key").value.trim()));
	$("window").addEventListener("change", () => void refresh());
	$("order-search").addEventListener("submit", (e) => {
		e.preventDefault();
		const id = $("order-search-input").value.trim();
		if (id) location.hash = `order=${encodeURIComponent(id)}`;
	});
	window.addEventListener("hashchange", followHash);
	document.addEventListener("keydown", (e) => e.key === "Escape" && state.orderId && closeOrder());
	followHash();
	if (hasApiKey()) void signIn(sessionStorage.getItem("waybill.apiKey") ?? "");
	else notify("Enter an operator API key: the control tower shows nothing without one.", "warn");
	state.timer = setInterval(() => document.visibilityState === "visible" && void refresh(), REFRESH_MS);
}

start();
