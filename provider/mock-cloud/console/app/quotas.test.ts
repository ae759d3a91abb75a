// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { renderQuotas } from "./quotas.ts";
import { cluster, consoleWith, endpoint, listed, loadPage, runtime } from "./test-fixture.ts";
import type { Quotas } from "./types.ts";

/** A /v1/quotas answer: every region and chip type, as the emulator lists them. */
function quotasAnswer(used: {
  chips?: number;
  endpoints?: number;
  runtimes?: number;
  tokensPerMinute?: number;
}): Quotas {
  const regions = ["cn-hangzhou", "cn-shanghai"] as const;
  const at = (region: string, n: number | undefined) => (region === "cn-hangzhou" ? (n ?? 0) : 0);
  return {
    chips: regions.flatMap((region) =>
      (["zhenwu-810e", "zhenwu-m890"] as const).map((chipType) => ({
        region,
        chipType,
        limit: 2048,
        used: chipType === "zhenwu-m890" ? at(region, used.chips) : 0,
      })),
    ),
    endpoints: regions.map((region) => ({ region, limit: 20, used: at(region, used.endpoints) })),
    runtimes: regions.map((region) => ({ region, limit: 50, used: at(region, used.runtimes) })),
    tokensPerMinute: regions.map((region) => ({
      region,
      limit: 10_000_000,
      used: at(region, used.tokensPerMinute),
    })),
  };
}

const text = (selector: string) => document.querySelector(selector)?.textContent ?? "";
const gauges = () =>
  [...document.querySelectorAll<HTMLElement>("#chip-gauges [data-gauge]")].map((g) => ({
    label: g.dataset.gauge,
    now: g.querySelector("[role=meter]")?.getAttribute("aria-valuenow"),
    max: g.querySelector("[role=meter]")?.getAttribute("aria-valuemax"),
    bar: g.querySelector("[role=meter]")?.className,
  }));

beforeEach(loadPage);

describe("the quotas view", () => {
  it("shows the account's quotas as GET /v1/quotas answers them, not as counted from its resources", () => {
    const { app } = consoleWith({ account: "acct-token" });
    // The resources would count 256 chips; the answer says 1,700: the answer is shown.
    app.state.resources = new Map(listed(null, cluster("cc-1", "a")));
    app.state.quotas = quotasAnswer({ chips: 1700, endpoints: 2, runtimes: 1, tokensPerMinute: 400_000 });
    renderQuotas(app);

    expect(gauges()).toEqual([
      { label: "this account · cn-hangzhou · zhenwu-m890", now: "1700", max: "2048", bar: "bar high" },
    ]);
    expect(text("#chip-gauges")).toContain("1,700 of 2,048 chips (83%)");
    expect(text("#limits-source")).toContain("GET /v1/quotas");
    // One row per region where something counts; the others are left out.
    const rows = [...document.querySelectorAll("#other-quotas tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent),
    );
    expect(rows).toEqual([["this account", "cn-hangzhou", "2 / 20", "1 / 50", "400,000 / 10,000,000"]]);
    // Capacity is shared by all accounts: not for an account token.
    expect(text("#capacity-gauges")).toContain("admin token alone");
  });

  it("marks a full quota and a count over its limit", () => {
    const { app } = consoleWith({ account: "acct-token" });
    app.state.quotas = quotasAnswer({ chips: 2048, endpoints: 21 });
    renderQuotas(app);
    expect(gauges()[0]?.bar).toBe("bar full");
    expect(document.querySelector("#other-quotas tbody td.over")?.textContent).toBe("21 / 20");
  });

  it("says no chips are in use before the answer, or when none are", () => {
    const { app } = consoleWith({ account: "acct-token" });
    renderQuotas(app);
    expect(text("#chip-gauges")).toBe("No chips in use.");
    app.state.quotas = quotasAnswer({});
    renderQuotas(app);
    expect(text("#chip-gauges")).toBe("No chips in use.");
    expect(document.querySelectorAll("#other-quotas tbody tr")).toHaveLength(0);
  });

  it("with the admin token alone, shows every account's quotas as GET /_mock/quotas answers them, not as counted from the resources", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    app.state.limits = {
      chipsPerType: 2048,
      capacityPerRegion: 4096,
      endpointsPerRegion: 20,
      runtimesPerRegion: 50,
      tokensPerMinutePerRegion: 10_000_000,
      retryAfterSeconds: 5,
      pooledSharePerRegion: {},
    };
    app.state.resources = new Map([
      ...listed(
        "dev",
        cluster("cc-1", "a", "ACTIVE", 256),
        cluster("cc-2", "b", "FAILED", 512),
        endpoint("ep-1", "e", { tokensPerMinute: 300_000 }),
        runtime("ar-1", "r", [{ endpointId: "ep-1", role: "primary" }]),
      ),
      ...listed("team", cluster("cc-3", "c", "PROVISIONING", 128)),
    ]);
    // The resources would count 256 chips for dev; the answer says 1,700: the answer is shown.
    app.state.allQuotas = [
      {
        account: "dev",
        quotas: quotasAnswer({ chips: 1700, endpoints: 1, runtimes: 1, tokensPerMinute: 300_000 }),
      },
      { account: "idle", quotas: quotasAnswer({}) },
      { account: "team", quotas: quotasAnswer({ chips: 128 }) },
    ];
    renderQuotas(app);
    expect(gauges().map((g) => [g.label, g.now, g.max])).toEqual([
      ["dev · cn-hangzhou · zhenwu-m890", "1700", "2048"],
      ["team · cn-hangzhou · zhenwu-m890", "128", "2048"],
    ]);
    expect(text("#limits-source")).toContain("GET /_mock/quotas");
    // An account that uses nothing has no row.
    const rows = [...document.querySelectorAll("#other-quotas tbody tr")].map((tr) => tr.textContent);
    expect(rows).toEqual([
      "devcn-hangzhou1 / 201 / 50300,000 / 10,000,000",
      "teamcn-hangzhou0 / 200 / 500 / 10,000,000",
    ]);
    // On-demand capacity: running clusters of every account (not the FAILED one).
    expect(
      [...document.querySelectorAll("#capacity-gauges [role=meter]")].map((m) =>
        m.getAttribute("aria-valuenow"),
      ),
    ).toEqual(["384"]);
  });

  it("estimates the cost of the endpoints that serve, and their total", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    app.state.resources = new Map(
      listed(
        "dev",
        endpoint("ep-1", "serving", { tokensPerMinute: 1_000_000 }),
        endpoint("ep-2", "creating", { status: "CREATING" }),
      ),
    );
    renderQuotas(app);
    expect(
      [...document.querySelectorAll("#cost tbody tr")].map((tr) => (tr as HTMLElement).dataset.id),
    ).toEqual(["ep-1"]);
    // 1M tokens/min = 60M tokens/hour at $1 (input) to $4 (output) per million.
    expect(text("#cost [data-total]")).toBe("$60.00 – $240.00");
    expect(text("#cost tfoot th")).toBe("Total, 1 endpoints");
  });
});
