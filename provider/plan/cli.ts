#!/usr/bin/env node
/**
 * agentcloud-plan [preview.json] [--format markdown|json] [--max-monthly-usd N]
 *
 * Reads `pulumi preview --json` (a file, or stdin) and prints what it changes in AgentCloud chips and
 * illustrative monthly USD. Exits 2 when the stack would cost more than --max-monthly-usd (at most).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { planReport, toMarkdown } from "./report.ts";

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: "string", default: "markdown" },
      "max-monthly-usd": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: agentcloud-plan [preview.json] [--format markdown|json] [--max-monthly-usd N]\n" +
        "  pulumi preview --json | agentcloud-plan --max-monthly-usd 500000\n",
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
  const report = planReport(preview as Parameters<typeof planReport>[0], { maxMonthlyUsd });
  process.stdout.write(
    values.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : toMarkdown(report),
  );
  return report.budget?.over ? 2 : 0;
}

process.exitCode = main(process.argv.slice(2));
