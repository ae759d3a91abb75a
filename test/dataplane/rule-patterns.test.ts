import OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { patternProblem } from "../../provider/mock-cloud/core/inference/pattern.ts";
import type { TestCloud } from "../../provider/testing/index.ts";
import type { Client } from "../support/cloud-client.ts";
import { pooledEndpoint, type ServingEndpoint, useTestCloud } from "../support/endpoints.ts";

// Inference rules' `match.lastMessage` patterns cannot hang the emulator (ReDoS): the shapes of
// exponential backtracking are refused when the rule is made; any other runs within a time budget.

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

  it("refuses nested quantifiers and backreferences, naming the field; keeps ordinary patterns", () => {
    for (const hostile of [
      "(a+)+$",
      "(a*)*",
      "(\\w+\\s?)*$",
      "((a+)b)+",
      "(?:x{1,3})+",
      "(a)\\1",
      "(?<w>a)\\k<w>",
    ])
      expect(patternProblem(hostile), hostile).not.toBeNull();
    for (const fine of [
      "^hello$",
      "weather|forecast",
      "(ab)+",
      "\\d+(\\.\\d+)?",
      "[(a+)+]",
      "(a+)?",
      "^capital",
    ])
      expect(patternProblem(fine), fine).toBeNull();
  });

  it("answers 400 ValidationError at match.lastMessage for (a+)+$ and stores nothing", async () => {
    const refused = await api.call(
      "POST",
      "/_mock/inference/rules",
      { match: { lastMessage: "(a+)+$" }, answer: { text: "never" } },
      { token: "agentcloud-admin-token" },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("ValidationError");
    expect(refused.body.error.message).toMatch(/match\.lastMessage.*nested quantifier/);
    expect(refused.body.error.details.issues).toEqual([
      { path: "match.lastMessage", message: expect.stringContaining("(a+)+") },
    ]);
    const backref = await cloud.admin
      .inferenceRule({ match: { lastMessage: "(a)\\1" }, answer: { text: "never" } })
      .catch((x: Error) => x);
    expect(String(backref)).toMatch(/400 ValidationError.*match\.lastMessage.*backreferences/);
    expect(
      (await api.call("GET", "/_mock/inference/rules", undefined, { token: "agentcloud-admin-token" })).body
        .items,
    ).toEqual([]);
  });

  it("matches a 100 KB message with an ordinary pattern, and gives up on a slow one instead of hanging", async () => {
    const e = await pooledEndpoint(api, "patterns");
    await cloud.admin.inferenceRule({ match: { lastMessage: "^summarize" }, answer: { text: "a summary" } });
    const long = `summarize ${"lorem ipsum dolor sit amet ".repeat(4000)}`;
    expect(long.length).toBeGreaterThan(100_000);
    expect(await say(e, long)).toBe("a summary");
    // Accepted (no nesting) but of exponential backtracking on a run of a's: out of its time budget
    // the rule counts as not matching, the answer is the default one, and the emulator answers on.
    await cloud.admin.clearInferenceRules();
    await cloud.admin.inferenceRule({ match: { lastMessage: "^(a|aa)*$" }, answer: { text: "never" } });
    await cloud.admin.inferenceRule({ match: { lastMessage: "b$" }, answer: { text: "the next rule" } });
    const hostile = `${"a".repeat(100_000)}b`;
    expect(await say(e, hostile)).toBe("the next rule");
    expect(await say(e, "aaaa")).toBe("never");
  });
});
