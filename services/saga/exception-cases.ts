import { randomUUID } from "node:crypto";
import type { ExceptionCase, ExceptionKind } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";

const caseKey = (caseId: string) => `exception:case:${caseId}`;
const OPEN = "exception:open";
const ALL = "exception:all";
const subjectKey = (kind: string, subject: string) => `exception:subject:${kind}:${subject}`;

/**
 * Exception cases: problems a person may need to see. Waybill owns them. One case is open per
 * (kind, subject) at a time; opening it again is a no-op, so redelivered facts do not pile up cases.
 */
export class ExceptionCases {
	constructor(private readonly store: Store) {}

	/** The open case for this kind and subject, opened now if there was none. `created` says which. */
	async open(kind: ExceptionKind, subject: string, summary: string, at: string, orderId?: string): Promise<{ exceptionCase: ExceptionCase; created: boolean }> {
		const pointer = subjectKey(kind, subject);
		const existing = await this.store.get<string>(pointer);
		if (existing) {
			const open = await this.store.get<ExceptionCase>(caseKey(existing));
			if (open && !open.resolvedAt) return { exceptionCase: open, created: false };
		}
		const exceptionCase: ExceptionCase = { caseId: `EX-${randomUUID().slice(0, 8)}`, kind, severity: kind === "partner-degraded" ? "critical" : "warning", summary, openedAt: at, ...(orderId ? { orderId } : {}) };
		await this.store.set(caseKey(exceptionCase.caseId), exceptionCase);
		await this.store.set(pointer, exceptionCase.caseId);
		await this.store.indexAdd(OPEN, exceptionCase.caseId, Date.parse(at));
		await this.store.indexAdd(ALL, exceptionCase.caseId, Date.parse(at));
		return { exceptionCase, created: true };
	}

	/** Resolves the open case of this kind and subject, if any. */
	async resolve(kind: ExceptionKind, subject: string, resolution: string, at: string): Promise<ExceptionCase | undefined> {
		const caseId = await this.store.get<string>(subjectKey(kind, subject));
		if (!caseId) return undefined;
		const open = await this.store.get<ExceptionCase>(caseKey(caseId));
		if (!open || open.resolvedAt) return undefined;
		const resolved: ExceptionCase = { ...open, resolvedAt: at, resolution };
		await this.store.set(caseKey(caseId), resolved);
		await this.store.indexAdd(OPEN, caseId, -1);
		return resolved;
	}

	async list(status: "open" | "all", limit = 500): Promise<ExceptionCase[]> {
		const ids = await this.store.indexRange(status === "open" ? OPEN : ALL, 0, Number.MAX_SAFE_INTEGER, limit);
		const cases = await this.store.getMany<ExceptionCase>(ids.map(caseKey));
		return cases.filter((c): c is ExceptionCase => c !== undefined && (status === "all" || !c.resolvedAt));
	}
}
