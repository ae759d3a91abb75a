import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { bundleConsole } from "../console/bundle.ts";
import { consoleCss, consoleHtml } from "../console/page.ts";

/**
 * The console's script: the bundle that `npm run build` writes beside the compiled console
 * (dist/mock-cloud/console/console.js, scripts/bundle-console.ts). Run from the sources, there is
 * none: the modules (console/app/) are then bundled in memory with rolldown, once per process, on
 * the first request, so emulators that nobody opens the console of never load rolldown.
 */
const builtScript = fileURLToPath(new URL("../console/console.js", import.meta.url));

type Script = { js: string } | { unavailable: string };
type Bundler = () => Promise<string>;
const defaultBundler: Bundler = () => bundleConsole();
const inMemory = new Map<Bundler, Promise<Script>>();
let bundled: string | undefined;

/** The script, or why there is none (no rolldown: the package as installed, without its build). */
function consoleScript(bundle: Bundler): Script | Promise<Script> {
  if (existsSync(builtScript)) return { js: readFileSync(builtScript, "utf8") };
  let script = inMemory.get(bundle);
  if (!script) {
    script = bundle().then(
      (js): Script => {
        bundled = js;
        return { js };
      },
      (e: unknown): Script => ({
        unavailable:
          "The console's script is not built: run `npm run build` (it writes dist/mock-cloud/console/console.js).\n" +
          `Bundling it from the sources with rolldown failed: ${e instanceof Error ? e.message : String(e)}\n`,
      }),
    );
    inMemory.set(bundle, script);
  }
  return script;
}

/**
 * The console's three files as served (UTF-8). The script is the built one, or the one bundled in
 * memory once /console/console.js has been served; before that, from the sources, there is none yet.
 */
export function consoleAssets(): { html: string; css: string; js: string } {
  const js = existsSync(builtScript) ? readFileSync(builtScript, "utf8") : bundled;
  if (js === undefined)
    throw new Error("the console's script is not built, nor bundled yet: GET /console/console.js first");
  return { html: consoleHtml(), css: consoleCss, js };
}

/**
 * Nothing but this origin's own files and API: no inline script, no CDN, no form submission (the
 * token form never navigates, so a token can never land in a URL), no framing, no referrer.
 */
const securityHeaders = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
};

/**
 * The web console at /console: one page, its stylesheet and its script; works offline. `bundle`
 * makes the script when there is no built one (tests give theirs).
 */
export function consoleRoutes(options: { bundle?: Bundler } = {}): Hono {
  const bundle = options.bundle ?? defaultBundler;
  const app = new Hono();
  const html = consoleHtml();
  app.get("/", (c) => c.body(html, 200, { ...securityHeaders, "content-type": "text/html; charset=utf-8" }));
  app.get("/console.css", (c) =>
    c.body(consoleCss, 200, { ...securityHeaders, "content-type": "text/css; charset=utf-8" }),
  );
  app.get("/console.js", async (c) => {
    const script = await consoleScript(bundle);
    return "js" in script
      ? c.body(script.js, 200, { ...securityHeaders, "content-type": "text/javascript; charset=utf-8" })
      : c.body(script.unavailable, 503, { ...securityHeaders, "content-type": "text/plain; charset=utf-8" });
  });
  return app;
}
