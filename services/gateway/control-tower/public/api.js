// The page reads what any client reads: /ops and /api/v1 on this origin.

/** An answer that was not 2xx: the problem+json's title and detail when there is one. */
export class ApiError extends Error {
	constructor(status, problem) {
		super(problem?.detail || problem?.title || problem?.message || `HTTP ${status}`);
		this.status = status;
		this.problem = problem;
	}
}

// The operator's API key: kept for this browser tab only (sessionStorage), sent as a bearer token.
let apiKey = sessionStorage.getItem("waybill.apiKey") || "";

export function setApiKey(key) {
	apiKey = key;
	if (key) sessionStorage.setItem("waybill.apiKey", key);
	else sessionStorage.removeItem("waybill.apiKey");
}

export const hasApiKey = () => apiKey !== "";

async function request(method, path, { body, timeoutMs = 10_000 } = {}) {
	const headers = { accept: "application/json" };
	if (body !== undefined) headers["content-type"] = "application/json";
	if (apiKey) headers.authorization = `Bearer ${apiKey}`;
	const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
	const text = await response.text();
	let data;
	try {
		data = text ? JSON.parse(text) : undefined;
	} catch {
		data = { detail: text.slice(0, 300) };
	}
	if (!response.ok) throw new ApiError(response.status, data);
	return data;
}

const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== "")).toString();

export const api = {
	overview: (windowMinutes) => request("GET", `/ops/overview?${q({ window: windowMinutes })}`),
	exceptions: () => request("GET", `/ops/exceptions?${q({ status: "open", limit: 200 })}`),
	deadLetters: () => request("GET", `/ops/dead-letters?${q({ status: "waiting", limit: 100 })}`),
	order: (orderId) => request("GET", `/api/v1/orders/${encodeURIComponent(orderId)}`),
	trace: (orderId) => request("GET", `/api/v1/orders/${encodeURIComponent(orderId)}/trace`),
	whoami: () => request("GET", "/api/v1/whoami"),
	resolveCase: (caseId, note) => request("POST", `/ops/exceptions/${encodeURIComponent(caseId)}/resolve`, { body: note ? { note } : {} }),
	replayDeadLetter: (id) => request("POST", "/ops/dead-letters/replay", { body: { ids: [id] } }),
};
