/**
 * Bundles the web console's modules (provider/mock-cloud/console/app/) into the one script the
 * emulator serves at /console/console.js, beside the compiled console:
 *   node scripts/bundle-console.ts          (the second half of `npm run build`)
 * The emulator serves that file; run from the sources without it, it bundles in memory
 * (provider/mock-cloud/http/console.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { bundleConsole } from "../provider/mock-cloud/console/bundle.ts";

const root = join(import.meta.dirname, "..");
const out = join(root, "dist/mock-cloud/console/console.js");
const js = await bundleConsole(join(root, "provider/mock-cloud/console/app/main.ts"));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, js);
console.log(
  `[bundle-console] ${relative(root, out)}: ${Buffer.byteLength(js).toLocaleString("en-US")} bytes`,
);
