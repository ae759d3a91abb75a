import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The console script's entry module: the sources', or its copy compiled by tsc beside this file. */
function consoleEntry(): string {
  for (const name of ["app/main.ts", "app/main.js"]) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("the console's entry module (console/app/main.ts) is missing");
}

/**
 * The console's modules bundled into one classic script (an IIFE: the page loads it with `defer`),
 * with rolldown: blanks and comments left out, names kept, so that it still reads in the browser's
 * developer tools once pretty-printed. Type imports are erased; a module of a package (zod, say,
 * through a value imported from provider/api) is refused: the script is the console's code alone.
 */
export async function bundleConsole(entry: string = consoleEntry()): Promise<string> {
  const { rolldown } = await import("rolldown");
  const bundle = await rolldown({ input: entry, platform: "browser" });
  try {
    const { output } = await bundle.generate({
      format: "iife",
      comments: false,
      minify: { mangle: false, compress: true, codegen: { removeWhitespace: true } },
    });
    const [chunk] = output;
    const packages = chunk.moduleIds.filter((id) => id.includes("/node_modules/"));
    if (output.length !== 1 || packages.length > 0)
      throw new Error(
        `the console bundle must be one file of the console's own modules; it has ${output.length} files and ` +
          `these packages' modules: ${packages.join(", ") || "none"} (import API types with \`import type\`)`,
      );
    return chunk.code;
  } finally {
    await bundle.close();
  }
}
