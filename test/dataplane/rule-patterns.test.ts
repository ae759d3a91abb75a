import OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { patternProblem } from "../../provider/mock-cloud/core/inference/pattern.ts";
import type { TestCloud } from "../../provider/testing/index.ts";
import type { Client } from "../support/cloud-client.ts";
import { pooledEndpoint, type ServingEndpoint, useTestCloud } from "../support/endpoints.ts";

// Inference rules' `match.lastMessage` patterns cannot hang the emulator (ReDoS): they run on V8's
// linear-time engine; what it cannot run (backreferences, lookaheads) is refused when the rule is made.

let cloud: TestCloud;
let api: Client;

const say = (e: ServingEndpoint, content: string) =>
  new OpenAI({ baseURL: `${e.url}/v1`, apiKey: e.apiKey, maxRetries: 0 }).chat.completions
    .create({ model: e.model, messages: [{ role: "user", content }] })
    .then((r) => r.choices[0]?.message.content);

describe("inference rule patterns", () => {
  const t = useTestCloud();
  beforeEach(() => {
    ({ cloud, api } = t);
  });

  it("refuses backreferences and lookaheads, and what is no regular expression; keeps the rest", () => {
    for (const refused of ["(a)\\1", "(?<w>a)\\k<w>", "(?=a)a", "x(?!y)", "(unclosed"])
      expect(patternProblem(refused), refused).not.toBeNull();
    for (const fine of [
      "^hello$",
      "weather|forecast",
      "(ab)+",
      "\\d+(\\.\\d+)?",
      "(a+)+$",
      "(a|aa)*$",
      "(?<=a)b",
      "^capital",
    ])
      expect(patternProblem(fine), fine).toBeNull();
  });

  it("answers 400 ValidationError at match.lastMessage for a backreference and stores nothing", async () => {
    const refused = await api.call(
      "POST",
      "/_mock/inference/rules",
      { match: { lastMessage: "(a)\\1" }, answer: { text: "never" } },
      { token: "agentcloud-admin-token" },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("ValidationError");
    expect(refused.body.error.message).toMatch(/match\.lastMessage.*backreference/);
    expect(refused.body.error.details.issues).toEqual([
      { path: "match.lastMessage", message: expect.stringContaining("linear-time") },
    ]);
    const lookahead = await cloud.admin
      .inferenceRule({ match: { lastMessage: "(?=a)a" }, answer: { text: "never" } })
      .catch((x: Error) => x);
    expect(String(lookahead)).toMatch(/400 ValidationError.*match\.lastMessage.*lookahead/);
    expect(
      (await api.call("GET", "/_mock/inference/rules", undefined, { token: "agentcloud-admin-token" })).body
        .items,
    ).toEqual([]);
  });

  it("matches a 100 KB message, and patterns of catastrophic backtracking elsewhere, in linear time", async () => {
    const e = await pooledEndpoint(api, "patterns");
    await cloud.admin.inferenceRule({ match: { lastMessage: "^summarize" }, answer: { text: "a summary" } });
    const long = `summarize ${"lorem ipsum dolor sit amet ".repeat(4000)}`;
    expect(long.length).toBeGreaterThan(100_000);
    expect(await say(e, long)).toBe("a summary");
    // Each would backtrack for longer than the age of the universe on a backtracking engine: here
    // they fail to match, at once, and the next rule answers.
    await cloud.admin.clearInferenceRules();
    for (const hostile of ["^(a|aa)*$", "^(a+)+$", "^a*a*a*a*a*c$"])
      await cloud.admin.inferenceRule({ match: { lastMessage: hostile }, answer: { text: "never" } });
    await cloud.admin.inferenceRule({ match: { lastMessage: "b$" }, answer: { text: "the next rule" } });
    expect(await say(e, `${"a".repeat(100_000)}b`)).toBe("the next rule");
    expect(await say(e, "aaaa")).toBe("never");
  });
});
