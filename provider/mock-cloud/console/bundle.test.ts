import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consoleRoutes } from "../http/console.ts";
import { bundleConsole } from "./bundle.ts";

const scratch = mkdtempSync(join(tmpdir(), "console-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the console's bundle", () => {
  it("is one plain script of the console's own modules: no package, no URL but the SVG namespace", async () => {
    const js = await bundleConsole();
    expect(() => new Function(js)).not.toThrow();
    expect(js).not.toMatch(/\bimport\s*[({"']|\bexport\s/);
    expect(js).not.toContain("zod");
    expect(new Set(js.match(/https?:\/\/[^"'`\s]+/g))).toEqual(new Set(["http://www.w3.org/2000/svg"]));
    // Light: the page, its script and stylesheet stay about 65 KB together.
    expect(Buffer.byteLength(js)).toBeLessThan(60_000);
  });

  it("refuses a module that brings a package in (a value, not a type, imported from provider/api)", async () => {
    const entry = join(scratch, "entry.ts");
    writeFileSync(
      entry,
      `import { Quotas } from ${JSON.stringify(join(import.meta.dirname, "../../api/quotas.ts"))};\nconsole.log(Quotas);\n`,
    );
    await expect(bundleConsole(entry)).rejects.toThrow(/node_modules\/zod/);
  });
});

describe("GET /console/console.js", () => {
  it("serves the script bundled from the sources when there is no built one", async () => {
    const app = consoleRoutes({ bundle: async () => "/* bundled */" });
    const res = await app.request("/console.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await res.text()).toBe("/* bundled */");
  });

  it("answers 503 saying to run `npm run build` when it cannot bundle (no rolldown)", async () => {
    const app = consoleRoutes({
      bundle: () => Promise.reject(new Error("Cannot find package 'rolldown'")),
    });
    const res = await app.request("/console.js");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("run `npm run build`");
    expect(text).toContain("Cannot find package 'rolldown'");
    // The page itself is still served.
    expect((await app.request("/")).status).toBe(200);
  });
});
