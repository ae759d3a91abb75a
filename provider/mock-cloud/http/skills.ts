import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";

/**
 * The package's Agent Skills (agentskills.io): `skills/<name>/SKILL.md` and its files, at the package
 * root. From provider/mock-cloud/http/ and from its compiled copy dist/mock-cloud/http/ alike, the
 * root is three levels up (dist/ sits beside skills/).
 */
const skillsRoot = new URL("../../../skills/", import.meta.url);

/** The discovery index's version (Agent Skills Discovery via Well-Known URIs, v0.2.0). */
export const skillsIndexSchema = "https://schemas.agentskills.io/discovery/0.2.0/schema.json";

/** A skill's name: 1–64 lowercase letters, digits and single inner hyphens, equal to its folder's. */
export const skillNamePattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const maxSkillName = 64;
export const maxSkillDescription = 1024;

/**
 * The YAML frontmatter of a SKILL.md, as flat `key: value` lines (a plain scalar, or one quoted in
 * double quotes as JSON, or in single quotes). Anything else (a nested map, a multi-line value) is
 * refused rather than read wrongly.
 */
export function frontmatter(text: string): Record<string, string> {
  const block = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!block) throw new Error("no YAML frontmatter (--- … ---) at the start");
  const out: Record<string, string> = {};
  for (const line of (block[1] as string).split(/\r?\n/)) {
    if (!line.trim() || line.startsWith("#")) continue;
    const field = /^([A-Za-z][\w-]*):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!field) throw new Error(`frontmatter line is not one "key: value": ${line}`);
    const [, key, raw] = field as unknown as [string, string, string];
    let value = raw;
    if (raw.startsWith('"')) value = JSON.parse(raw) as string;
    else if (raw.startsWith("'") && raw.endsWith("'") && raw.length > 1)
      value = raw.slice(1, -1).replace(/''/g, "'");
    else if (/: | #|^[[{>|&*!%@`]/.test(raw))
      throw new Error(`frontmatter value of ${key} is not a plain one-line scalar: quote it`);
    out[key] = value;
  }
  return out;
}

interface Skill {
  name: string;
  description: string;
  /** `sha256:<hex>` of the SKILL.md bytes. */
  digest: string;
  /** Every file of the skill, by its path inside the skill's folder (`SKILL.md`, `references/kinds.md`). */
  files: Map<string, Uint8Array<ArrayBuffer>>;
}

/** The skills under the skills folder, read once; none when the folder is not there. */
function loadSkills(root: URL): Skill[] {
  if (!existsSync(root)) return [];
  const skills: Skill[] = [];
  for (const folder of readdirSync(root).sort()) {
    const dir = new URL(`${folder}/`, root);
    if (!statSync(dir).isDirectory() || !existsSync(new URL("SKILL.md", dir))) continue;
    const files = new Map<string, Uint8Array<ArrayBuffer>>();
    for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
      const file = new URL(entry.split(sep).map(encodeURIComponent).join("/"), dir);
      if (statSync(file).isFile()) files.set(entry.split(sep).join("/"), new Uint8Array(readFileSync(file)));
    }
    const skillMd = files.get("SKILL.md") as Uint8Array<ArrayBuffer>;
    const where = fileURLToPath(new URL("SKILL.md", dir));
    let meta: Record<string, string>;
    try {
      meta = frontmatter(new TextDecoder().decode(skillMd));
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    const { name = "", description = "" } = meta;
    if (name !== folder || name.length > maxSkillName || !skillNamePattern.test(name))
      throw new Error(`${where}: name must be its folder's (${folder}): ${skillNamePattern}, at most 64`);
    if (!description.trim() || description.length > maxSkillDescription)
      throw new Error(`${where}: description must be 1–${maxSkillDescription} characters`);
    const digest = `sha256:${createHash("sha256").update(skillMd).digest("hex")}`;
    skills.push({ name, description, digest, files });
  }
  return skills;
}

const contentTypes: Record<string, string> = {
  md: "text/markdown; charset=utf-8",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
};

/** Public documents: any origin may read them; clients revalidate (a new version changes the digest). */
const headers = {
  "access-control-allow-origin": "*",
  "cache-control": "no-cache",
  "x-content-type-options": "nosniff",
};

/**
 * Agent Skills discovery, mounted at `/.well-known/agent-skills` (no auth): `index.json` lists each
 * skill with the digest of its SKILL.md, and each skill's files are served under `<name>/`. The
 * skills folder is read when this is called: what is served is what was there at startup.
 */
export function skillsRoutes(): Hono {
  const skills = loadSkills(skillsRoot);
  const byName = new Map(skills.map((s) => [s.name, s]));
  const app = new Hono();
  app.get("/index.json", (c) => {
    // Path-absolute URLs beside the index, wherever this app is mounted.
    const base = c.req.path.slice(0, c.req.path.lastIndexOf("/") + 1);
    return c.json(
      {
        $schema: skillsIndexSchema,
        skills: skills.map((s) => ({
          name: s.name,
          type: "skill-md",
          description: s.description,
          url: `${base}${s.name}/SKILL.md`,
          digest: s.digest,
        })),
      },
      200,
      headers,
    );
  });
  app.get("/:skill/:file{.+}", (c) => {
    const file = c.req.param("file");
    const bytes = byName.get(c.req.param("skill"))?.files.get(file);
    if (!bytes) return c.notFound();
    const type = contentTypes[file.slice(file.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    return c.body(bytes, 200, { ...headers, "content-type": type });
  });
  return app;
}
