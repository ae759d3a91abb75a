import type { App } from "./context.ts";
import { byId, fill, h, numberIn, part, textIn } from "./dom.ts";
import type { ConsoleConfig, Fault } from "./types.ts";

const statusOf = (config: ConsoleConfig, code: string | undefined): number | undefined =>
  code === undefined ? undefined : (config.errorCodes as Record<string, number>)[code];

/** What a rule matches, in words. */
const faultMatch = (f: Fault): string =>
  [f.kind, f.operation, f.region, f.account && `account ${f.account}`].filter(Boolean).join(", ") ||
  "every API call";

/** What a matched call gets instead, in words. */
const faultAnswer = (config: ConsoleConfig, f: Fault): string =>
  [
    f.drop ? "drop connection" : null,
    f.code || f.status ? `${f.status ?? statusOf(config, f.code) ?? 500} ${f.code ?? ""}`.trim() : null,
    f.latencyMs ? `+${f.latencyMs} ms` : null,
    f.probability < 1 ? `p=${f.probability}` : null,
  ]
    .filter(Boolean)
    .join(", ") || "no change";

/** The rule the fault form describes; fields left empty are left out. */
function faultOfForm(config: ConsoleConfig): Record<string, unknown> {
  const code = textIn("fault-code");
  const rule: Record<string, unknown> = {
    kind: textIn("fault-kind"),
    operation: textIn("fault-operation"),
    region: textIn("fault-region"),
    account: textIn("fault-account"),
    code,
    status: numberIn("fault-status") ?? statusOf(config, code),
    remaining: numberIn("fault-remaining"),
    probability: numberIn("fault-probability"),
    latencyMs: numberIn("fault-latency"),
    retryAfterSeconds: numberIn("fault-retry"),
    message: textIn("fault-message"),
    drop: byId<HTMLInputElement>("fault-drop").checked || undefined,
  };
  for (const k of Object.keys(rule)) if (rule[k] === undefined) delete rule[k];
  return rule;
}

/** The fault rules in force, each with its Clear button. */
export function renderFaults(app: App, enabled: boolean): void {
  const body = part(byId("faults"), "tbody");
  const { faults } = app.state;
  if (faults.length === 0) {
    fill(body, h("tr", {}, h("td", { colspan: 5 }, "No fault rules.")));
    return;
  }
  fill(
    body,
    ...faults.map((f) =>
      h(
        "tr",
        { "data-fault": f.id },
        h("td", { class: "mono nowrap" }, f.id),
        h("td", {}, faultMatch(f)),
        h("td", {}, faultAnswer(app.config, f)),
        h("td", {}, f.remaining === undefined ? "∞" : String(f.remaining)),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: "quiet",
              "data-action": "clear-fault",
              "data-id": f.id,
              "aria-label": `Clear fault ${f.id}`,
              disabled: !enabled,
            },
            "Clear",
          ),
        ),
      ),
    ),
  );
}

/** Inject (the form), clear one (its row's button), clear all. */
export function wireFaults(app: App): void {
  const { api, signal } = app;
  byId("fault-form").addEventListener(
    "submit",
    (ev) => {
      ev.preventDefault();
      const rule = faultOfForm(app.config);
      void app.act("Injecting the fault", async () => {
        const stored = await api.addFault(rule);
        await app.load.faults();
        return `Fault ${stored.id} injected.`;
      });
    },
    { signal },
  );
  const card = byId("h-faults").closest("section") as HTMLElement;
  card.addEventListener(
    "click",
    (ev) => {
      const target = (ev.target as Element).closest<HTMLElement>("[data-action]");
      const id = target?.dataset.id;
      if (target?.dataset.action === "clear-fault" && id)
        void app.act("Clearing the fault", async () => {
          await api.deleteFault(id);
          await app.load.faults();
          return `Fault ${id} cleared.`;
        });
      if (target?.dataset.action === "clear-faults")
        void app.act("Clearing faults", async () => {
          await api.clearFaults();
          await app.load.faults();
          return "All faults cleared.";
        });
    },
    { signal },
  );
}
