/**
 * The `params` schema each action declares, read from the service definition itself: the object
 * Moleculer's validator checks requests against, so the document cannot say something else.
 *
 * Loaded on first use, not imported: the gateway module imports this directory (a cycle), and a
 * gateway pod should not load the other services' code unless the document is asked for.
 */
type ServiceModule = { default: { actions?: Record<string, unknown> } };

const SERVICE_MODULES: Record<string, () => Promise<ServiceModule>> = {
	gateway: () => import("../gateway.service.ts") as Promise<ServiceModule>,
	notifier: () => import("../../notifier/notifier.service.ts") as Promise<ServiceModule>,
	ledger: () => import("../../ledger/ledger.service.ts") as Promise<ServiceModule>,
	mapper: () => import("../../mapper/mapper.service.ts") as Promise<ServiceModule>,
};

/** action name -> its declared params (undefined when it declares none). */
export type DeclaredParams = Record<string, object | undefined>;

/**
 * The params of the named actions (`service.action`). An action its service does not define is
 * left out of `params` and named in `undefinedActions`: its route cannot answer (a routing bug),
 * which the document does not hide but should not fail over either.
 */
export async function loadDeclaredParams(actions: Iterable<string>): Promise<{ params: DeclaredParams; undefinedActions: string[] }> {
	const params: DeclaredParams = {};
	const undefinedActions: string[] = [];
	for (const action of new Set(actions)) {
		const dot = action.indexOf(".");
		const load = SERVICE_MODULES[action.slice(0, dot)];
		const definition = load ? (await load()).default.actions?.[action.slice(dot + 1)] : undefined;
		if (definition === undefined) {
			undefinedActions.push(action);
			continue;
		}
		const declared = typeof definition === "object" && definition !== null ? (definition as { params?: unknown }).params : undefined;
		params[action] = declared && typeof declared === "object" ? declared : undefined;
	}
	return { params, undefinedActions };
}
