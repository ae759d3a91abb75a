/**
 * The console's script, bundled into one file (scripts/bundle-console.ts, or in memory by the
 * server: http/console.ts) and served at /console/console.js. Tokens live in sessionStorage and
 * travel only in Authorization headers, never in a URL or the page.
 */
import { createConsole } from "./app.ts";

createConsole({ fetch: (input, init) => fetch(input, init), storage: sessionStorage }).start();
