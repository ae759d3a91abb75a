#!/usr/bin/env node
/**
 * agentcloud-plan [preview.json] [--format markdown|json] [--max-monthly-usd N] [--endpoint URL]
 *
 * Reads `pulumi preview --json` (a file, or stdin) and prints what it changes in AgentCloud chips and
 * illustrative monthly USD. Exits 2 when the stack would cost more than --max-monthly-usd (at most).
 * With a cloud to ask (--endpoint or AGENTCLOUD_ENDPOINT, and AGENTCLOUD_TOKEN), the change is also
 * checked against the account's quotas (`GET /v1/quotas`); an unreachable cloud is said, not fatal.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { AgentCloudClient } from "../client/client.ts";
import { planReport, type QuotaSource, toMarkdown } from "./report.ts";

/** The account's quotas, or why they could not be read (10 s at most). */
async function readQuotas(endpoint: string, token: string): Promise<QuotaSource> {
  const client = new AgentCloudClient({ endpoint, token, maxRetries: 1 });
  try {
    return { endpoint, quotas: await client.quotas(Date.now() + 10_000) };
  } catch (e) {
    return { endpoint, error: e instanceof Error ? e.message : String(e) };
  } finally {
    await client.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: "string", default: "markdown" },
      "max-monthly-usd": { type: "string" },
      endpoint: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: agentcloud-plan [preview.json] [--format markdown|json] [--max-monthly-usd N] [--endpoint URL]\n" +
        "  pulumi preview --json | agentcloud-plan --max-monthly-usd 500000\n" +
        "  quotas: --endpoint (or AGENTCLOUD_ENDPOINT) and AGENTCLOUD_TOKEN check the change against GET /v1/quotas\n",
    );
    return 0;
  }
  if (values.format !== "markdown" && values.format !== "json") {
    process.stderr.write(`agentcloud-plan: --format must be markdown or json, not ${values.format}\n`);
    return 1;
  }
  const budget = values["max-monthly-usd"];
  const maxMonthlyUsd = budget === undefined ? undefined : Number(budget);
  if (maxMonthlyUsd !== undefined && !(Number.isFinite(maxMonthlyUsd) && maxMonthlyUsd >= 0)) {
    process.stderr.write(`agentcloud-plan: --max-monthly-usd must be a number ≥ 0, not ${budget}\n`);
    return 1;
  }
  const text = readFileSync(positionals[0] ?? 0, "utf8");
  let preview: unknown;
  try {
    preview = JSON.parse(text);
  } catch {
    process.stderr.write("agentcloud-plan: the input is not JSON; give it `pulumi preview --json`\n");
    return 1;
  }
  const endpoint = values.endpoint ?? process.env.AGENTCLOUD_ENDPOINT;
  const token = process.env.AGENTCLOUD_TOKEN;
  const quotas = endpoint
    ? token
      ? await readQuotas(endpoint, token)
      : { endpoint, error: "AGENTCLOUD_TOKEN is not set" }
    : undefined;
  const report = planReport(preview as Parameters<typeof planReport>[0], { maxMonthlyUsd, quotas });
  process.stdout.write(
    values.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : toMarkdown(report),
  );
  return report.budget?.over ? 2 : 0;
}

process.exitCode = await main(process.argv.slice(2));
