import { pollUntil } from "../demo/order-pump.ts";

/** Orders the ERP has invoiced: finished orders, counted where a user would look, without loading the services measured. */
export async function invoicesAtErp(erpUrl: string): Promise<number> {
	return ((await (await fetch(`${erpUrl}/_sim/stats`)).json()) as { invoices: number }).invoices;
}

/** Waits until `count` orders are invoiced; the ms it took, or undefined when `withinMs` passed first. */
export async function waitForInvoices(erpUrl: string, count: number, withinMs: number): Promise<number | undefined> {
	const started = Date.now();
	const done = await pollUntil(async () => (await invoicesAtErp(erpUrl)) >= count, started + withinMs, 100);
	return done ? Date.now() - started : undefined;
}
