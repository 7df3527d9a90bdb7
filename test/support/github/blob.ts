/**
 * The blob storage behind signed artifact URLs, in Azure's shapes: Put Block (`comp=block`), Put Block List
 * (`comp=blocklist`) and single-shot Put Blob for uploads, GET for downloads. The URL's signature is the credential.
 */
import { randomBytes } from "node:crypto";
import type { Context, Reply, Service } from "./http.js";
import type { GitHubState } from "./state.js";

export function blobService(state: GitHubState): Service {
  return {
    name: "blob",
    owns: (path) => path.startsWith("/blob/"),
    authorize: (ctx) =>
      ctx.query["sig"] === state.blobSignature ? undefined : { status: 403, body: Buffer.from("AuthenticationFailed"), headers: { "content-type": "application/xml" } },
    routes: [
      { method: "PUT", pattern: /^\/blob\/(\d+)\/[^/]+$/, handler: (ctx) => put(state, ctx) },
      {
        method: "GET",
        pattern: /^\/blob\/(\d+)\/[^/]+$/,
        handler: (ctx) => {
          const artifact = state.artifacts.get(Number(ctx.match[1]));
          if (artifact?.zip == null || !artifact.finalized) return blobError(404, "BlobNotFound");
          return { status: 200, body: artifact.zip, headers: { "content-type": "application/zip" } };
        },
      },
    ],
  };
}

function put(state: GitHubState, ctx: Context): Reply {
  const artifact = state.artifacts.get(Number(ctx.match[1]));
  if (artifact === undefined || artifact.finalized) return blobError(404, "BlobNotFound");
  const created = { "x-ms-request-id": randomBytes(8).toString("hex"), "x-ms-version": "2025-01-05", "x-ms-request-server-encrypted": "true" };
  const etag = { etag: `"0x${randomBytes(8).toString("hex").toUpperCase()}"`, "last-modified": new Date().toUTCString() };
  switch (ctx.query["comp"]) {
    case "block": {
      const blockId = ctx.query["blockid"];
      if (blockId === undefined) return blobError(400, "InvalidQueryParameterValue");
      artifact.blocks.set(blockId, ctx.raw);
      return { status: 201, headers: created };
    }
    case "blocklist": {
      const ids = [...ctx.raw.toString("utf8").matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1] ?? "");
      const parts = ids.map((id) => artifact.blocks.get(id));
      if (parts.some((p) => p === undefined)) return blobError(400, "InvalidBlockList");
      artifact.zip = Buffer.concat(parts as Buffer[]);
      artifact.blocks.clear();
      return { status: 201, headers: { ...created, ...etag } };
    }
    case undefined:
      artifact.zip = ctx.raw;
      return { status: 201, headers: { ...created, ...etag } };
    default:
      return blobError(400, "InvalidQueryParameterValue");
  }
}

function blobError(status: number, code: string): Reply {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;
  return { status, body: Buffer.from(xml), headers: { "content-type": "application/xml", "x-ms-error-code": code } };
}
