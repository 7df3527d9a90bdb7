import packageJson from "../package.json" with { type: "json" };

/** The profgate release, as in package.json (the harness reports the same in results). */
export const VERSION: string = packageJson.version;
