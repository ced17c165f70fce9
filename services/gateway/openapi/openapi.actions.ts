import type { Context } from "moleculer";
import { NotFoundError } from "../../../canonical/errors/index.ts";
import { PROBLEM_CATALOGUE, problemType, type ProblemType } from "../../../canonical/errors/problem-catalogue.ts";
import { openApiDocument, type OpenApiDocument } from "./openapi-document.ts";

/** The gateway's self-description: its OpenAPI document and the problem types its errors carry. Public, read-only. */
export const openApiActions = {
	/** The OpenAPI 3.1 document of every route, built from the schemas the actions validate with (GET /api/v1/openapi.json). */
	openApi: {
		handler(): Promise<OpenApiDocument> {
			return openApiDocument();
		},
	},
	/** One problem type by its slug (GET /problems/{type}), or the whole taxonomy (GET /problems). Stable: types are never renamed. */
	problemTypes: {
		params: { type: { type: "string", optional: true, min: 1, max: 64, pattern: /^[a-z0-9-]+$/ } },
		handler(ctx: Context<{ type?: string }>): ProblemType | readonly ProblemType[] {
			const { type } = ctx.params;
			if (type === undefined) return PROBLEM_CATALOGUE;
			const entry = problemType(type);
			if (!entry || entry.slug !== type) throw new NotFoundError("problem type", type);
			return entry;
		},
	},
};
