// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { barChart, type ChartOptions, columnChart, ticks } from "./chart.ts";

const svgNs = "http://www.w3.org/2000/svg";

const hours = ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"];
const tokens = (values: Record<string, number[]>): ChartOptions => ({
  title: "Tokens per hour, dev",
  categories: hours,
  series: [
    { key: "input", label: "input", values: values.input ?? [] },
    { key: "cached", label: "cached input", values: values.cached ?? [] },
    { key: "output", label: "output", values: values.output ?? [] },
  ],
  categoryLabel: "hour (emulator clock, UTC)",
  valueLabel: "tokens",
  format: (n) => `${n} tokens`,
  tickFormat: (n) => `${n / 1000}k`,
  empty: "no tokens served yet",
  labelEvery: 2,
});

const rects = (svg: Element, series?: string) =>
  [...svg.querySelectorAll<SVGElement>(`.bars rect${series ? `[data-series="${series}"]` : ""}`)].map(
    (r) => ({
      category: r.getAttribute("data-category"),
      value: Number(r.getAttribute("data-value")),
      y: Number(r.getAttribute("y")),
      height: Number(r.getAttribute("height")),
      title: r.querySelector("title")?.textContent,
      class: r.getAttribute("class"),
    }),
  );
const texts = (svg: Element, selector = "text") =>
  [...svg.querySelectorAll(selector)].map((t) => t.textContent);

describe("ticks", () => {
  it("goes from 0 past the maximum in round steps", () => {
    expect(ticks(0)).toEqual([0]);
    expect(ticks(950)).toEqual([0, 250, 500, 750, 1000]);
    expect(ticks(1000)).toEqual([0, 250, 500, 750, 1000]);
    expect(ticks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(ticks(0.000034)).toEqual([0, 0.00001, 0.00002, 0.00003, 0.00004]);
  });
});

describe("columnChart", () => {
  it("stacks the series per category, bottom first, each bar titled with its figure", () => {
    const svg = columnChart(
      tokens({ input: [0, 100, 0, 0, 0, 400], cached: [0, 50, 0, 0, 0, 0], output: [0, 300, 0, 0, 0, 100] }),
    );
    expect(svg.namespaceURI).toBe(svgNs);
    expect(svg.tagName.toLowerCase()).toBe("svg");
    expect(svg.getAttribute("role")).toBe("img");
    expect(svg.getAttribute("data-empty")).toBe("false");
    // The chart's name and its text alternative come first.
    expect(svg.firstElementChild?.tagName.toLowerCase()).toBe("title");
    expect(svg.firstElementChild?.textContent).toBe("Tokens per hour, dev");
    expect(svg.querySelector(":scope > desc")?.textContent).toBe(
      "Total 950 tokens. 01:00: input 100 tokens, cached input 50 tokens, output 300 tokens; 05:00: input 400 tokens, output 100 tokens.",
    );
    // Only values > 0 are drawn: 01:00 has three segments, 05:00 two.
    expect(rects(svg).map((r) => [r.category, r.class, r.value])).toEqual([
      ["01:00", "s0", 100],
      ["01:00", "s1", 50],
      ["01:00", "s2", 300],
      ["05:00", "s0", 400],
      ["05:00", "s2", 100],
    ]);
    expect(rects(svg, "output")[0]?.title).toBe("01:00: output 300 tokens");
    // Stacked: each segment sits on the one below it; heights are proportional.
    const [input, cached, output] = rects(svg);
    expect(cached?.y).toBeCloseTo((input?.y ?? 0) - (cached?.height ?? 0));
    expect(output?.y).toBeCloseTo((cached?.y ?? 0) - (output?.height ?? 0));
    expect((output?.height ?? 0) / (input?.height ?? 1)).toBeCloseTo(3);
    // Axes: every other hour labelled back from the last, round ticks past the highest stack (500: 0 to 600), both axes named.
    const axis = texts(svg, ".axis text");
    expect(axis).toEqual(
      expect.arrayContaining([
        "01:00",
        "03:00",
        "05:00",
        "0k",
        "0.6k",
        "hour (emulator clock, UTC)",
        "tokens",
      ]),
    );
    expect(axis).not.toContain("00:00");
    // A legend names each series, in its colour.
    expect(
      [...svg.querySelectorAll(".legend-item")].map((g) => [
        g.getAttribute("data-series"),
        g.querySelector("rect")?.getAttribute("class"),
        g.textContent,
      ]),
    ).toEqual([
      ["input", "s0", "input"],
      ["cached", "s1", "cached input"],
      ["output", "s2", "output"],
    ]);
    expect(svg.querySelector("text.empty")).toBeNull();
  });

  it("says so when there is nothing to draw, and still names its axes", () => {
    const svg = columnChart(tokens({ input: [0, 0, 0, 0, 0, 0] }));
    expect(svg.getAttribute("data-empty")).toBe("true");
    expect(rects(svg)).toEqual([]);
    expect(svg.querySelector("text.empty")?.textContent).toBe("no tokens served yet");
    expect(svg.querySelector(":scope > desc")?.textContent).toBe("no tokens served yet");
    expect(texts(svg, ".axis text")).toEqual(
      expect.arrayContaining(["0k", "hour (emulator clock, UTC)", "tokens"]),
    );
  });

  it("writes what it is given as text, never as markup", () => {
    const svg = columnChart({
      ...tokens({ input: [1] }),
      title: '<img src=x onerror="alert(1)">',
      categories: ["<b>hour</b>"],
    });
    expect(svg.querySelector("img, b")).toBeNull();
    expect(svg.querySelector("title")?.textContent).toBe('<img src=x onerror="alert(1)">');
    expect(texts(svg, ".axis text")).toContain("<b>hour</b>");
  });
});

describe("barChart", () => {
  const cost = (categories: string[], values: number[]): ChartOptions => ({
    title: "Cost per endpoint, dev",
    categories,
    series: [{ key: "cost", label: "cost", values }],
    categoryLabel: "endpoint",
    valueLabel: "cost (USD)",
    format: (n) => `$${n}`,
    empty: "no tokens served yet",
  });

  it("draws one bar per category with its figure at its end, the longest label cut but whole in its title", () => {
    const long = "an-endpoint-with-a-very-long-name-indeed";
    const svg = barChart(cost(["glm", long, "idle"], [0.3, 0.1, 0]));
    expect(svg.getAttribute("role")).toBe("img");
    expect(svg.querySelector("title")?.textContent).toBe("Cost per endpoint, dev");
    expect(rects(svg).map((r) => [r.category, r.value, r.title])).toEqual([
      ["glm", 0.3, "glm: cost $0.3"],
      [long, 0.1, `${long}: cost $0.1`],
    ]);
    const [glm, other] = [...svg.querySelectorAll(".bars rect")].map((r) => Number(r.getAttribute("width")));
    expect((glm ?? 0) / (other ?? 1)).toBeCloseTo(3);
    expect(texts(svg, ".bars text.value")).toEqual(["$0.3", "$0.1"]);
    const label = [...svg.querySelectorAll(".axis text")].find(
      (t) => t.querySelector("title")?.textContent === long,
    );
    expect(label?.textContent).toBe(`${long}${long.slice(0, 25)}…`);
    expect(texts(svg, ".axis text.axis-label")).toEqual(["cost (USD)", "endpoint"]);
    // One series: no legend (the title says what the bars are).
    expect(svg.querySelector(".legend")).toBeNull();
    // Its height follows the number of bars.
    expect(Number(svg.getAttribute("height"))).toBeGreaterThan(
      Number(barChart(cost(["glm"], [0.3])).getAttribute("height")),
    );
  });

  it("says so when there is no category at all", () => {
    const svg = barChart(cost([], []));
    expect(svg.getAttribute("data-empty")).toBe("true");
    expect(rects(svg)).toEqual([]);
    expect(svg.querySelector("text.empty")?.textContent).toBe("no tokens served yet");
  });
});
