/** REST: commit statuses, as the fork-safe comment stage sets them on the PR's head commit. */
import { validationFailed, type Context, type Reply, type Route } from "./http.js";
import type { FakeStatus, GitHubState } from "./state.js";

/** Routes under the repository path. */
export function statusRoutes(state: GitHubState): Route[] {
  return [{ method: "POST", pattern: /^\/statuses\/([0-9a-f]{40})$/, handler: (ctx) => createStatus(state, ctx) }];
}

function createStatus(state: GitHubState, ctx: Context): Reply {
  const input = (ctx.body ?? {}) as { state?: unknown; description?: unknown; target_url?: unknown; context?: unknown };
  if (typeof input.state !== "string" || !["error", "failure", "pending", "success"].includes(input.state)) {
    return validationFailed("Status", "state", "invalid");
  }
  if (typeof input.description === "string" && input.description.length > 140) {
    return validationFailed("Status", "description", "custom", "description is too long (maximum is 140 characters)");
  }
  const status: FakeStatus = {
    id: state.newId(),
    sha: ctx.match[1] ?? "",
    state: input.state,
    description: typeof input.description === "string" ? input.description : null,
    targetUrl: typeof input.target_url === "string" ? input.target_url : null,
    context: typeof input.context === "string" ? input.context : "default",
    createdAt: state.tick(),
  };
  state.statuses.push(status);
  return {
    status: 201,
    body: { id: status.id, state: status.state, description: status.description, target_url: status.targetUrl, context: status.context, created_at: status.createdAt },
  };
}
