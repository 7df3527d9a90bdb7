// The published JSON Schemas, keyed by their file name under docs/.
import { z } from "zod";
import { Comparison } from "../src/core/comparison.js";
import { Confirmations } from "../src/core/confirmations.js";
import { History } from "../src/core/history.js";
import { Results } from "../src/core/results.js";

export const schemas: Record<string, unknown> = {
  "results.schema.json": { title: "profgate results, schema version 2", ...z.toJSONSchema(Results) },
  "comparison.schema.json": { title: "profgate comparison, schema version 2", ...z.toJSONSchema(Comparison) },
  "confirmations.schema.json": { title: "profgate confirmations, schema version 1", ...z.toJSONSchema(Confirmations) },
  "history.schema.json": { title: "profgate history, schema version 1", ...z.toJSONSchema(History) },
};
