/**
 * The REST API: every route of the REST modules under `/repos/{owner}/{repo}`, behind the token. A read-only
 * state refuses writes as a fork PR's token is refused, and every answer carries GitHub's rate-limit headers.
 */
import { randomBytes } from "node:crypto";
import { escapeRegExp, type Route, type Service } from "./http.js";
import { commitRoutes } from "./rest-commits.js";
import { issueRoutes } from "./rest-issues.js";
import { pullRoutes } from "./rest-pulls.js";
import { runRoutes } from "./rest-runs.js";
import { statusRoutes } from "./rest-statuses.js";
import type { GitHubState } from "./state.js";

/** GraphQL answers only `viewer { login }`, the one query profgate makes: who the token acts as. */
function graphqlRoute(state: GitHubState): Route {
  return {
    method: "POST",
    pattern: /^\/graphql$/,
    handler: (ctx) => {
      const query = (ctx.body as { query?: unknown } | null)?.query;
      if (typeof query !== "string" || !/\bviewer\s*\{\s*login\s*\}/.test(query)) return { status: 400, body: { message: "the fake GitHub answers only viewer { login }" } };
      return { status: 200, body: { data: { viewer: { login: state.identity.login } } } };
    },
  };
}

/** The REST service; `used` counts the REST requests so far, for the rate-limit headers. */
export function restService(state: GitHubState, used: () => number): Service {
  const repository = `^/repos/${escapeRegExp(state.owner)}/${escapeRegExp(state.repo)}`;
  const underRepository = (route: Route): Route => ({ ...route, pattern: new RegExp(repository + route.pattern.source.replace(/^\^/, "")) });
  return {
    name: "rest",
    owns: () => true,
    routes: [...[...commitRoutes(state), ...runRoutes(state), ...pullRoutes(state), ...statusRoutes(state), ...issueRoutes(state)].map(underRepository), graphqlRoute(state)],
    authorize(ctx) {
      if (ctx.authorization !== `token ${state.token}` && ctx.authorization !== `Bearer ${state.token}`) {
        return { status: 401, body: { message: "Bad credentials" } };
      }
      // A GraphQL query reads: a read-only token may make it.
      if (state.readOnly && ctx.method !== "GET" && ctx.url.pathname !== "/graphql") {
        return { status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } };
      }
      return undefined;
    },
    headers() {
      const count = used();
      return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": String(Math.max(0, 5000 - count)),
        "x-ratelimit-used": String(count),
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-resource": "core",
        "x-github-request-id": randomBytes(6).toString("hex").toUpperCase(),
      };
    },
  };
}
