import { createHash } from "node:crypto";
import type { CaseOwner, ExceptionCase, ExceptionKind } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";

const caseKey = (caseId: string) => `exception:case:${caseId}`;
const OPEN = "exception:open";
const ALL = "exception:all";
const subjectKey = (kind: string, subject: string) => `exception:subject:${kind}:${subject}`;

/** A case id derived from what opened it: the same however often that fact is redelivered. */
export function caseIdOf(...parts: string[]): string {
	return `EX-${createHash("sha256").update(parts.join("|")).digest("hex").slice(0, 12)}`;
}

export interface CaseFilter {
	status?: "open" | "all";
	orderId?: string;
	partner?: string;
	kind?: ExceptionKind;
	owner?: CaseOwner;
	limit?: number;
}

export interface NewCase {
	caseId: string;
	kind: ExceptionKind;
	owner: CaseOwner;
	severity: ExceptionCase["severity"];
	summary: string;
	at: string;
	orderId?: string;
	partner?: string;
}

/**
 * Exception cases: problems a person may need to see, with a type, an owner, a state and
 * timestamps. Waybill owns them. Opening a case under an id that exists is a no-op, so a
 * redelivered fact never piles up cases.
 */
export class ExceptionCases {
	/** `onResolved` hears each case the moment this object resolves it (whoever asked: a flow, a recovery, an operator). */
	constructor(private readonly store: Store, private readonly onResolved?: (resolved: ExceptionCase) => void) {}

	/** Opens the case unless it exists; `created` says which. */
	async open(input: NewCase): Promise<{ exceptionCase: ExceptionCase; created: boolean }> {
		const existing = await this.store.get<ExceptionCase>(caseKey(input.caseId));
		if (existing) return { exceptionCase: existing, created: false };
		const exceptionCase: ExceptionCase = {
			caseId: input.caseId, kind: input.kind, owner: input.owner, state: "open", severity: input.severity, summary: input.summary.slice(0, 1000),
			openedAt: input.at, updatedAt: input.at, ...(input.orderId ? { orderId: input.orderId } : {}), ...(input.partner ? { partner: input.partner } : {}),
		};
		await this.store.set(caseKey(exceptionCase.caseId), exceptionCase);
		await this.store.indexAdd(OPEN, exceptionCase.caseId, Date.parse(input.at));
		await this.store.indexAdd(ALL, exceptionCase.caseId, Date.parse(input.at));
		return { exceptionCase, created: true };
	}

	/** For cases about something other than one order (a partner's health): one open case per kind and subject. */
	async openForSubject(subject: string, input: Omit<NewCase, "caseId"> & { caseId: string }): Promise<{ exceptionCase: ExceptionCase; created: boolean }> {
		const pointer = subjectKey(input.kind, subject);
		const current = await this.store.get<string>(pointer);
		const open = current ? await this.store.get<ExceptionCase>(caseKey(current)) : undefined;
		if (open && open.state === "open") return { exceptionCase: open, created: false };
		const opened = await this.open(input);
		await this.store.set(pointer, input.caseId);
		return opened;
	}

	async resolveSubject(kind: ExceptionKind, subject: string, resolution: string, at: string): Promise<ExceptionCase | undefined> {
		const caseId = await this.store.get<string>(subjectKey(kind, subject));
		return caseId ? this.resolve(caseId, resolution, at) : undefined;
	}

	get(caseId: string): Promise<ExceptionCase | undefined> {
		return this.store.get<ExceptionCase>(caseKey(caseId));
	}

	/** Resolves an open case (`by`: the operator, when a person did); undefined when it is unknown or already resolved. */
	async resolve(caseId: string, resolution: string, at: string, by?: string): Promise<ExceptionCase | undefined> {
		const open = await this.store.get<ExceptionCase>(caseKey(caseId));
		if (!open || open.state !== "open") return undefined;
		const resolved: ExceptionCase = { ...open, state: "resolved", resolvedAt: at, updatedAt: at, resolution: resolution.slice(0, 1000), ...(by ? { resolvedBy: by } : {}) };
		await this.store.set(caseKey(caseId), resolved);
		await this.store.indexRemove(OPEN, caseId);
		this.onResolved?.(resolved);
		return resolved;
	}

	/** Cases newest first, filtered by order, partner, type (kind) and owner. */
	async list(filter: CaseFilter = {}): Promise<ExceptionCase[]> {
		const status = filter.status ?? "open";
		const ids = await this.store.indexRange(status === "open" ? OPEN : ALL, 0, Number.MAX_SAFE_INTEGER, 50_000);
		const cases: ExceptionCase[] = [];
		const limit = filter.limit ?? 500;
		for (let i = ids.length - 1; i >= 0 && cases.length < limit; i -= 500) {
			const batch = await this.store.getMany<ExceptionCase>(ids.slice(Math.max(0, i - 499), i + 1).reverse().map(caseKey));
			for (const c of batch) if (c && matches(c, filter, status) && cases.length < limit) cases.push(c);
		}
		return cases;
	}
}

function matches(c: ExceptionCase, filter: CaseFilter, status: "open" | "all"): boolean {
	return (status === "all" || c.state === "open")
		&& (!filter.orderId || c.orderId === filter.orderId)
		&& (!filter.partner || c.partner === filter.partner)
		&& (!filter.kind || c.kind === filter.kind)
		&& (!filter.owner || c.owner === filter.owner);
}
