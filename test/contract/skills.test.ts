import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { McpSettings } from "../../provider/api/mcp.ts";
import {
  frontmatter,
  maxSkillDescription,
  maxSkillName,
  skillNamePattern,
  skillsIndexSchema,
  skillsRoutes,
} from "../../provider/mock-cloud/http/skills.ts";
import { toolSpecs } from "../../provider/mock-cloud/mcp/tools.ts";
import { skillReferences } from "../../scripts/write-skills.ts";

/**
 * The package's Agent Skills (skills/, agentskills.io): their frontmatter, the references that
 * scripts/write-skills.ts generates, and their discovery at /.well-known/agent-skills.
 */
const root = new URL("../../skills/", import.meta.url);
const folders = readdirSync(root).filter((f) => statSync(new URL(f, root)).isDirectory());
const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const skillMd = (folder: string) => readFileSync(new URL(`${folder}/SKILL.md`, root));

describe("skills/", () => {
  it("holds the agentcloud skill", () => {
    expect(folders).toContain("agentcloud");
  });

  for (const folder of folders) {
    describe(`${folder}/SKILL.md`, () => {
      const text = skillMd(folder).toString("utf8");
      const meta = frontmatter(text);
      const body = text.slice(text.indexOf("\n---\n", 3) + 5);

      it("names the skill as its folder: at most 64 lowercase letters, digits and single inner hyphens", () => {
        expect(meta.name).toBe(folder);
        expect(meta.name?.length).toBeLessThanOrEqual(maxSkillName);
        expect(maxSkillName).toBe(64);
        expect(meta.name).toMatch(skillNamePattern);
        expect(meta.name).toMatch(/^[a-z0-9-]+$/);
        expect(meta.name).not.toMatch(/^-|-$|--/);
      });

      it("says what it is for and when to use it in 1–1024 characters", () => {
        expect(meta.description?.trim()).toBeTruthy();
        expect(meta.description?.length).toBeLessThanOrEqual(maxSkillDescription);
        expect(maxSkillDescription).toBe(1024);
        expect(meta.description).toMatch(/\bUse when\b/);
        if (meta.license !== undefined) expect(meta.license).toBe("Apache-2.0");
      });

      it("keeps its body well under 500 lines, and links only files one level deep that exist", () => {
        expect(body.split("\n").length).toBeLessThan(300);
        const links = [...body.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1] as string);
        const local = links.filter((l) => !/^[a-z]+:/.test(l));
        for (const link of local) {
          expect(link, link).toMatch(/^references\/[\w.-]+$/);
          expect(statSync(new URL(`${folder}/${link}`, root)).isFile(), link).toBe(true);
        }
        const references = new URL(`${folder}/references/`, root);
        const files = statSync(references, { throwIfNoEntry: false }) ? readdirSync(references) : [];
        for (const f of files) expect(local, `references/${f} is linked`).toContain(`references/${f}`);
      });
    });
  }

  it("agentcloud/SKILL.md names only tools the emulator has (and gate settings)", () => {
    const names = new Set([
      ...toolSpecs({ admin: true }).map((t) => t.name),
      ...Object.keys(McpSettings.shape),
    ]);
    const text = skillMd("agentcloud").toString("utf8");
    const named = [...text.matchAll(/`((?:list|get|create|update|delete|validate|plan|release)[A-Z]\w*)`/g)];
    expect(named.length).toBeGreaterThan(5);
    for (const [, name] of named) expect(names, name).toContain(name);
  });
});

describe("skills/agentcloud/references", () => {
  it("are what scripts/write-skills.ts writes (run `node scripts/write-skills.ts` when they are not)", () => {
    const expected = skillReferences();
    const dir = new URL("agentcloud/references/", root);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) {
      expect(readFileSync(new URL(name, dir), "utf8"), name).toBe(text);
    }
  });
});

describe("GET /.well-known/agent-skills", () => {
  const app = new Hono();
  app.route("/.well-known/agent-skills", skillsRoutes());
  type Index = {
    $schema: string;
    skills: { name: string; type: string; description: string; url: string; digest: string }[];
  };

  it("index.json lists every skill with its description and the digest of its SKILL.md, without auth", async () => {
    const res = await app.request("/.well-known/agent-skills/index.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const index = (await res.json()) as Index;
    expect(index.$schema).toBe(skillsIndexSchema);
    expect(index.skills.map((s) => s.name).sort()).toEqual([...folders].sort());
    for (const skill of index.skills) {
      const onDisk = skillMd(skill.name);
      expect(skill).toEqual({
        name: skill.name,
        type: "skill-md",
        description: frontmatter(onDisk.toString("utf8")).description,
        url: `/.well-known/agent-skills/${skill.name}/SKILL.md`,
        digest: sha256(onDisk),
      });
      expect(skill.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const served = await app.request(skill.url);
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toMatch(/^text\/markdown/);
      expect(sha256(new Uint8Array(await served.arrayBuffer()))).toBe(skill.digest);
    }
  });

  it("serves every file of a skill as it is on disk, and 404 for any other", async () => {
    for (const folder of folders) {
      const dir = new URL(`${folder}/`, root);
      const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
        statSync(new URL(f, dir)).isFile(),
      );
      expect(files).toContain("SKILL.md");
      for (const file of files) {
        const res = await app.request(`/.well-known/agent-skills/${folder}/${file}`);
        expect(res.status, file).toBe(200);
        if (file.endsWith(".md"))
          expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
        expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(new URL(file, dir))), file).toBe(
          true,
        );
      }
    }
    for (const path of ["agentcloud/nothing.md", "nothing/SKILL.md", "agentcloud/../../package.json"])
      expect((await app.request(`/.well-known/agent-skills/${path}`)).status, path).toBe(404);
  });

  it("answers HEAD as GET, without a body", async () => {
    const res = await app.request("/.well-known/agent-skills/agentcloud/SKILL.md", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/markdown/);
    expect(await res.text()).toBe("");
  });
});
