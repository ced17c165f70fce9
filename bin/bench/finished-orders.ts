import { pollUntil } from "../demo/order-pump.ts";
import { simStats } from "../demo/summary.ts";

/** Orders the ERP has invoiced: finished orders, counted where a user would look, without loading the services measured. */
export async function invoicesAtErp(erpUrl: string): Promise<number> {
	return (await simStats<{ invoices: number }>(erpUrl)).invoices;
}

/** Waits until `count` orders are invoiced; the ms it took, or undefined when `withinMs` passed first. */
export async function waitForInvoices(erpUrl: string, count: number, withinMs: number): Promise<number | undefined> {
	const started = Date.now();
	const done = await pollUntil(async () => (await invoicesAtErp(erpUrl)) >= count, started + withinMs, 100);
	return done ? Date.now() - started : undefined;
}
