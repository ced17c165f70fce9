import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { signed3plHeaders } from "../../simulators/signatures.ts";

/** Debian's `chromium` package; CHROMIUM_PATH names another build. */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH to run the control tower in a browser`;

const DONE = ["SO-CT-1", "SO-CT-2"];
const HELD = "SO-CT-HELD";
const OPERATOR = "ops.lee";

interface DeadLetterView {
	id: string;
	status: string;
	replay?: { by: string };
}

const ops = async <T>(h: Harness, path: string): Promise<T> => (await fetch(`${h.gatewayUrl}/ops${path}`, { headers: h.auth })).json() as Promise<T>;

/** An operator's own key, issued by the admin as in production: the ledger records its name and id. */
async function issueOperatorKey(h: Harness, name: string): Promise<{ key: string; id: string }> {
	const response = await fetch(`${h.gatewayUrl}/ops/api-keys`, { method: "POST", headers: { "content-type": "application/json", ...h.auth }, body: JSON.stringify({ name, role: "operator" }) });
	assert.equal(response.status, 201);
	return (await response.json()) as { key: string; id: string };
}

/** A verified warehouse webhook that names no order: accepted, then dead-lettered by the mapper (as in dead-letters.spec.ts). */
async function sendUnreadableWebhook(h: Harness): Promise<void> {
	const body = JSON.stringify({ eventId: "evt_ct_no_ref", eventType: "order.allocated", occurredAt: new Date().toISOString(), order: { id: "wo_ct", externalRef: "FO-SO-CT-1-WH1", warehouse: "WH1" }, lines: [] });
	const response = await fetch(`${h.gatewayUrl}/webhooks/wms/acme-3pl`, { method: "POST", headers: { "content-type": "application/json", ...signed3plHeaders(body, h.secrets.wms), "x-3pl-delivery": "d-ct-no-ref" }, body });
	assert.equal(response.status, 200);
}

describe("the control tower in a browser: orders by status, an order's timeline, replaying a dead letter and resolving a case", { skip }, () => {
	let h: Harness;
	let browser: Browser;
	let page: Page;
	let heldStatus: string;
	let caseId: string;
	let deadLetterId: string;
	let operatorKey: { key: string; id: string };

	before(async () => {
		// A blocked wave holds one order in the warehouse for a minute: in flight, with an open case.
		h = await startHarness({ mode: "embedded", wmsDelays: { exceptionDelayMs: 60_000 } });
		h.wms.setScenario({ orders: { [HELD]: { warehouseException: "wave-blocked" } } });
		for (const orderId of [...DONE, HELD]) assert.equal((await releaseOrder(h, testOrder(orderId))).status, 202);
		await sendUnreadableWebhook(h);
		for (const orderId of DONE) await eventually(`${orderId} invoiced`, async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId })).status === "invoiced");
		[{ caseId }] = await eventually("the held order's case", async () => {
			const cases = await ops<Array<{ caseId: string }>>(h, `/exceptions?orderId=${HELD}`);
			return cases.length === 1 ? cases : undefined;
		});
		[{ id: deadLetterId }] = await eventually("the dead letter", async () => {
			const letters = await ops<DeadLetterView[]>(h, "/dead-letters?status=waiting");
			return letters.length === 1 ? letters : undefined;
		});
		heldStatus = (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: HELD })).status;
		operatorKey = await issueOperatorKey(h, OPERATOR);
		browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
		page = await browser.newPage();
		const errors: string[] = [];
		page.on("pageerror", (e) => errors.push(e.message));
		await page.goto(`${h.gatewayUrl}/control-tower`);
		// Without a key the page shows no data and asks for one; a wrong key is refused; the operator's key signs in.
		await page.locator("#notice", { hasText: "Enter an operator API key" }).waitFor();
		assert.equal(await page.locator("body[data-loaded]").count(), 0, "nothing is loaded without a key");
		await page.locator("#api-key").fill(`wb_${"0".repeat(16)}_${"A".repeat(43)}`);
		await page.locator("#api-key").press("Enter");
		await page.locator("#api-key").dispatchEvent("change");
		await page.locator("#notice", { hasText: "That key was refused" }).waitFor();
		await page.locator("#api-key").fill(operatorKey.key);
		await page.locator("#api-key").dispatchEvent("change");
		await page.waitForSelector("body[data-loaded]", { timeout: 10_000 });
		assert.equal(await page.locator("#who").textContent(), `Signed in as ${OPERATOR}`);
		assert.deepEqual(errors, [], "the page runs without script errors");
	});
	after(async () => {
		await browser?.close();
		await h?.stop();
	});

	it("shows the orders in flight by status and those finished, with their counts", async () => {
		const bar = page.locator(`#status-chart [data-key="${heldStatus}"]`).first();
		assert.equal(await bar.getAttribute("data-value"), "1");
		assert.match((await bar.textContent()) ?? "", new RegExp(`${heldStatus.replaceAll("_", " ")}\\s*1`));
		assert.equal(await page.locator('#status-chart .finished[data-key="invoiced"]').getAttribute("data-value"), "2");
		assert.equal(await page.locator('[data-kpi="In flight"] .kpi-value').textContent(), "1");
		assert.equal(await page.locator('#partners [data-partner="acme-3pl"] a[data-order]').first().textContent(), HELD, "the warehouse partner holds the blocked order");
	});

	it("opens an order's timeline and trace by clicking it in the exception inbox, and another by searching", async () => {
		await page.locator(`#inbox [data-case="${caseId}"] a[data-order="${HELD}"]`).click();
		const panel = page.locator("#order-panel");
		await panel.locator(".order-id", { hasText: HELD }).waitFor();
		assert.equal(await panel.locator("[data-order-status]").getAttribute("data-order-status"), heldStatus);
		await panel.locator('.timeline li[data-type="wms.exception.raised"]').waitFor();
		assert.ok((await panel.locator(".timeline li").count()) >= 3, "the timeline lists the order's facts");
		await panel.locator('tr[data-hop="erp.order.released"]').waitFor();

		await page.locator("#order-search-input").fill(DONE[0]!);
		await page.locator("#order-search-input").press("Enter");
		await panel.locator(".order-id", { hasText: DONE[0]! }).waitFor();
		await panel.locator('[data-order-status="invoiced"]').waitFor();
		await panel.locator('.timeline li[data-type="erp.invoice.posted"]').waitFor();
		await panel.locator("button.close").click();
		assert.equal(await panel.isHidden(), true);
	});

	it("replays a dead letter with the Replay button, recorded with the operator's key", async () => {
		await page.locator(`#dead-letters [data-dead-letter="${deadLetterId}"] button`, { hasText: "Replay" }).click();
		await page.locator("#notice", { hasText: `replayed as` }).waitFor();
		const [replayed] = await eventually("the dead letter replayed", async () => {
			const letters = await ops<DeadLetterView[]>(h, `/dead-letters?status=replayed`);
			return letters.length === 1 ? letters : undefined;
		});
		assert.deepEqual([replayed!.id, replayed!.replay?.by], [deadLetterId, `${OPERATOR} (key ${operatorKey.id})`]);
	});

	it("resolves a case with the Resolve button, recorded with the operator's key", async () => {
		await page.locator(`#inbox [data-case="${caseId}"] button`, { hasText: "Resolve" }).click();
		await page.locator("#notice", { hasText: `resolved by ${OPERATOR}` }).waitFor();
		const [resolved] = await ops<Array<{ state: string; resolvedBy?: string }>>(h, `/exceptions?status=all&orderId=${HELD}`);
		assert.deepEqual([resolved!.state, resolved!.resolvedBy], ["resolved", `${OPERATOR} (key ${operatorKey.id})`]);
		await page.locator(`#inbox [data-case="${caseId}"]`).waitFor({ state: "detached" });
	});
});
