/** The plumbing the fake GitHub's services share: requests as handlers see them, replies, routes and error shapes. */

/** One request as a route handler sees it; `match` holds the route pattern's groups. */
export interface Context {
  method: string;
  url: URL;
  query: Record<string, string>;
  raw: Buffer;
  body: unknown;
  authorization: string;
  match: RegExpMatchArray;
}

/** What a handler answers: a JSON value, or a Buffer sent as it is. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Context) => Reply;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** The services a request can be for, as recorded. */
export type ServiceName = "rest" | "twirp" | "blob";

/** One service of the fake: which paths it owns, who may call it, and its routes. */
export interface Service {
  name: ServiceName;
  owns(path: string): boolean;
  /** A refusal when the caller may not make this (routed) request, else undefined. */
  authorize(ctx: Context): Reply | undefined;
  routes: readonly Route[];
  /** Headers added to every answer of this service (GitHub's rate-limit headers). */
  headers?(): Record<string, string>;
}

export function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === "string" ? pattern === path : pattern.test(path);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A JSON scalar as protobuf-JSON sends it (int64 arrives as a string), or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

/** A request body: parsed JSON, text for XML and text, `{ byteLength }` for anything binary, null when empty. */
export function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return null;
  if (contentType.includes("json")) {
    try {
      return JSON.parse(raw.toString("utf8")) as unknown;
    } catch {
      return raw.toString("utf8");
    }
  }
  if (contentType.includes("xml") || contentType.startsWith("text/")) return raw.toString("utf8");
  return { byteLength: raw.length };
}

export function notFound(): Reply {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

export function validationFailed(resource: string, field: string, code: string, message?: string): Reply {
  return { status: 422, body: { message: "Validation Failed", errors: [{ resource, field, code, ...(message === undefined ? {} : { message }) }] } };
}

/** Slices `items` the way GitHub pages lists, with a Link header whose URLs keep the request's other parameters. */
export function page<T>(ctx: Context, items: readonly T[], defaultPerPage = 30): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query["per_page"]) || defaultPerPage));
  const current = Math.max(1, Number(ctx.query["page"]) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const target = new URL(ctx.url.pathname, ctx.url.origin);
    for (const [key, value] of Object.entries(ctx.query)) target.searchParams.set(key, value);
    target.searchParams.set("per_page", String(perPage));
    target.searchParams.set("page", String(n));
    return `<${target.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (current > 1) links.push(link(current - 1, "prev"), link(1, "first"));
  if (current < last) links.push(link(current + 1, "next"), link(last, "last"));
  return { items: items.slice((current - 1) * perPage, current * perPage), headers: links.length > 0 ? { link: links.join(", ") } : {} };
}
