// Writes the JSON Schemas the docs publish, generated from the zod that the code uses (biome.json
// leaves them unformatted: the file is exactly what this writes).
// Run after changing one: `node scripts/write-schemas.ts` (a unit test fails while a file is stale).
import { writeFileSync } from "node:fs";
import { planReportJsonSchema } from "../provider/plan/schema.ts";

const file = new URL("../docs/plan-report.schema.json", import.meta.url);
writeFileSync(file, planReportJsonSchema());
console.log(`wrote ${file.pathname}`);
