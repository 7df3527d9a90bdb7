/** Paths the tests share. */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The harness package's parent folder, for PYTHONPATH. */
export const harnessPath = join(root, "python");
/** The fixture suites. */
export const suites = join(root, "test", "fixtures", "suites");
