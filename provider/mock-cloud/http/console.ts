import { Hono } from "hono";
import { consoleClient } from "../console/client.ts";
import { consoleCss, consoleHtml } from "../console/page.ts";

/**
 * The page's script: the client function's own source, called once. Under Node's type stripping
 * and in the compiled package alike that source is plain JavaScript.
 */
const consoleJs = `"use strict";\n(${compact(consoleClient.toString())})();\n`;

/** Without indentation, trailing blanks and empty lines (what type stripping leaves); nothing else changes. */
function compact(source: string): string {
  return source.replace(/^[ \t]+|[ \t]+$/gm, "").replace(/\n{2,}/g, "\n");
}

/** The console's three files, as served (UTF-8). */
export function consoleAssets(): { html: string; css: string; js: string } {
  return { html: consoleHtml(), css: consoleCss, js: consoleJs };
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

/** The web console at /console: one page, its stylesheet and its script; works offline. */
export function consoleRoutes(): Hono {
  const app = new Hono();
  const { html, css, js } = consoleAssets();
  app.get("/", (c) => c.body(html, 200, { ...securityHeaders, "content-type": "text/html; charset=utf-8" }));
  app.get("/console.css", (c) =>
    c.body(css, 200, { ...securityHeaders, "content-type": "text/css; charset=utf-8" }),
  );
  app.get("/console.js", (c) =>
    c.body(js, 200, { ...securityHeaders, "content-type": "text/javascript; charset=utf-8" }),
  );
  return app;
}
