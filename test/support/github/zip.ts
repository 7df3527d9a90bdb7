/** Zip archives for artifacts, made and read with fflate: what the fake seeds, and what it reads back from uploads. */
import { unzipSync, zipSync } from "fflate";

/** A zip of the given files (path inside the archive → content), deflated. */
export function makeZip(files: Record<string, string | Uint8Array>): Buffer {
  const entries = Object.fromEntries(Object.entries(files).map(([name, content]) => [name, typeof content === "string" ? Buffer.from(content) : content]));
  return Buffer.from(zipSync(entries, { level: 6 }));
}

/** The files of a zip by path; folder entries are left out. */
export function readZip(zip: Uint8Array): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [name, content] of Object.entries(unzipSync(zip))) if (!name.endsWith("/")) files.set(name, Buffer.from(content));
  return files;
}
