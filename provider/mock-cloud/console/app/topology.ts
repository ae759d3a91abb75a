import type { App } from "./context.ts";
import { type Attrs, byId, fill, h, kindLabel, s, tone, toneColor } from "./dom.ts";
import { accounts } from "./state.ts";
import type { Kind, Listed } from "./types.ts";

export interface Edge {
  type: "deployment" | "model" | "spillover" | "channel";
  from: string;
  to: string;
  label: string;
}

/** The connections between resources: endpoint → its cluster, runtime → its models, spillover, A2A channels. */
export function graph(list: Listed[]): Edge[] {
  const edges: Edge[] = [];
  for (const { body: b } of list) {
    if (b.kind === "ModelEndpoint") {
      const d = b.deployment;
      if (d.mode === "dedicated" && d.clusterId)
        edges.push({ type: "deployment", from: b.id, to: d.clusterId, label: "runs on" });
      if (typeof b.spilloverEndpointId === "string")
        edges.push({ type: "spillover", from: b.id, to: b.spilloverEndpointId, label: "spills over to" });
    }
    if (b.kind === "AgentRuntime") {
      for (const m of b.models ?? [])
        edges.push({ type: "model", from: b.id, to: m.endpointId, label: `uses (${m.role})` });
      for (const c of b.channels ?? [])
        edges.push({ type: "channel", from: b.id, to: c.peerRuntimeId, label: "A2A channel to" });
    }
  }
  return edges;
}

const edgeColor: Record<Edge["type"], string> = {
  deployment: "#57606a",
  model: "#0969da",
  spillover: "#8250df",
  channel: "#bf3989",
};
const edgeStyle: Record<Edge["type"], Attrs> = {
  deployment: { stroke: edgeColor.deployment, "stroke-width": 2 },
  model: { stroke: edgeColor.model, "stroke-width": 2 },
  spillover: { stroke: edgeColor.spillover, "stroke-width": 2, "stroke-dasharray": "6 4" },
  channel: { stroke: edgeColor.channel, "stroke-width": 2, "stroke-dasharray": "2 4" },
};
const columns: Kind[] = ["ChipCluster", "ModelEndpoint", "AgentRuntime"];
const nodeW = 230;
const nodeH = 50;
const gap = 14;
const colX = [20, 370, 720];
const top = 40;

/** Where each node goes: a column per kind; endpoints near their cluster, runtimes near their endpoints. */
function layout(
  list: Listed[],
  edges: Edge[],
): { pos: Map<string, { x: number; y: number }>; placed: Listed[][] } {
  const pos = new Map<string, { x: number; y: number }>();
  const rank = new Map<string, number>();
  const placed: Listed[][] = [[], [], []];
  columns.forEach((kind, col) => {
    const items = list.filter((r) => r.body.kind === kind);
    const score = (r: Listed) => {
      const targets = edges.filter(
        (e) => e.from === r.body.id && e.type !== "spillover" && e.type !== "channel",
      );
      const ranks = targets.map((e) => rank.get(e.to)).filter((n): n is number => n !== undefined);
      return ranks.length ? ranks.reduce((a, n) => a + n, 0) / ranks.length : Number.MAX_SAFE_INTEGER;
    };
    items.sort(
      (a, b) =>
        (col === 0 ? 0 : score(a) - score(b)) ||
        a.body.region.localeCompare(b.body.region) ||
        a.body.name.localeCompare(b.body.name),
    );
    items.forEach((r, i) => {
      rank.set(r.body.id, i);
      pos.set(r.body.id, { x: colX[col] ?? 0, y: top + i * (nodeH + gap) });
    });
    placed[col] = items;
  });
  // Clusters that serve endpoints move up beside the first of them; idle ones go below.
  const firstUser = (c: Listed) =>
    Math.min(
      ...edges
        .filter((e) => e.type === "deployment" && e.to === c.body.id)
        .map((e) => rank.get(e.from) ?? Number.MAX_SAFE_INTEGER),
    );
  const clusterColumn = [...(placed[0] ?? [])].sort((a, b) => firstUser(a) - firstUser(b));
  clusterColumn.forEach((r, i) => {
    pos.set(r.body.id, { x: colX[0] ?? 0, y: top + i * (nodeH + gap) });
  });
  return { pos, placed };
}

/** The path of an edge between two nodes. */
function edgePath(a: { x: number; y: number }, b: { x: number; y: number }): string {
  if (a.x === b.x) {
    // Same column (spillover, channel): a loop out to the right of the column.
    // It leaves and arrives off-centre, so it does not meet the edges that end mid-node.
    const x = a.x + nodeW;
    const bend = 36 + Math.abs(a.y - b.y) / 5;
    const y1 = a.y + (a.y < b.y ? nodeH * 0.8 : nodeH * 0.2);
    const y2 = b.y + (a.y < b.y ? nodeH * 0.2 : nodeH * 0.8);
    return `M${x},${y1} C${x + bend},${y1} ${x + bend},${y2} ${x + 2},${y2}`;
  }
  const x1 = a.x;
  const x2 = b.x + nodeW + 2;
  const mid = (x1 + x2) / 2;
  return `M${x1},${a.y + nodeH / 2} C${mid},${a.y + nodeH / 2} ${mid},${b.y + nodeH / 2} ${x2},${b.y + nodeH / 2}`;
}

/** The topology view: an SVG drawing (each node a button) and the connections as a list. */
export function renderTopology(app: App): void {
  const { state } = app;
  const region = byId<HTMLSelectElement>("topo-region").value;
  const account = byId<HTMLSelectElement>("topo-account").value;
  const list = [...state.resources.values()].filter(
    (r) => (!region || r.body.region === region) && (!account || r.account === account),
  );
  const byIdMap = new Map(list.map((r) => [r.body.id, r]));
  const edges = graph(list);
  const { pos, placed } = layout(list, edges);
  const rows = Math.max(1, ...placed.map((p) => p.length));
  const width = 1030;
  const height = top + rows * (nodeH + gap) + 20;
  const multi = list.some((r) => r.account !== null) && accounts(state).length > 1;
  const svg = s(
    "svg",
    {
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "group",
      "aria-label": `Topology: ${placed[0]?.length} clusters, ${placed[1]?.length} endpoints, ${placed[2]?.length} runtimes, ${edges.length} connections`,
    },
    s(
      "defs",
      {},
      ...Object.entries(edgeColor).map(([type, color]) =>
        s(
          "marker",
          {
            id: `arrow-${type}`,
            viewBox: "0 0 10 10",
            refX: 9,
            refY: 5,
            markerWidth: 7,
            markerHeight: 7,
            orient: "auto-start-reverse",
          },
          s("path", { d: "M0,0 L10,5 L0,10 z", fill: color }),
        ),
      ),
    ),
    ...columns.map((k, i) => s("text", { x: colX[i] ?? 0, y: 22, class: "col" }, `${kindLabel[k]}s`)),
  );
  const edgeLayer = s("g", { class: "edges-layer" });
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const fromName = byIdMap.get(e.from)?.body.name ?? e.from;
    const toName = byIdMap.get(e.to)?.body.name ?? e.to;
    edgeLayer.append(
      s(
        "path",
        {
          d: edgePath(a, b),
          fill: "none",
          class: `edge ${e.type}`,
          "data-edge": e.type,
          "data-from": e.from,
          "data-to": e.to,
          "marker-end": `url(#arrow-${e.type})`,
          ...edgeStyle[e.type],
        },
        s("title", {}, `${fromName} ${e.label} ${toName}`),
      ),
    );
  }
  svg.append(edgeLayer);
  for (const r of list) {
    const p = pos.get(r.body.id);
    if (!p) continue;
    const t = tone(app.config.tones, r.body.status);
    const label = `${kindLabel[r.body.kind]} ${r.body.name}, ${r.body.status}${r.account && multi ? `, account ${r.account}` : ""}`;
    svg.append(
      s(
        "g",
        {
          class: `node ${t}`,
          transform: `translate(${p.x},${p.y})`,
          tabindex: 0,
          role: "button",
          "aria-label": label,
          "data-id": r.body.id,
          "data-action": "select",
          "data-focus": `node-${r.body.id}`,
          "data-status": r.body.status,
        },
        s("rect", {
          class: "box",
          width: nodeW,
          height: nodeH,
          rx: 6,
          fill: "#fff",
          stroke: toneColor[t],
          "stroke-width": 2,
        }),
        s("rect", { width: 6, height: nodeH, rx: 2, fill: toneColor[t] }),
        s("text", { x: 14, y: 20 }, r.body.name.length > 28 ? `${r.body.name.slice(0, 27)}…` : r.body.name),
        s(
          "text",
          { x: 14, y: 38, class: "sub" },
          `${r.body.status} · ${r.body.region}${r.account && multi ? ` · ${r.account}` : ""}`,
        ),
        s("title", {}, `${label} (${r.body.id})`),
      ),
    );
  }
  fill(byId("topology"), list.length ? svg : h("p", { class: "hint" }, "No resources to draw."));
  fill(
    byId("topology-edges"),
    ...edges.map((e) =>
      h(
        "li",
        { "data-edge": e.type, "data-from": e.from, "data-to": e.to },
        `${byIdMap.get(e.from)?.body.name ?? e.from} ${e.label} ${byIdMap.get(e.to)?.body.name ?? `${e.to} (not shown)`}`,
      ),
    ),
  );
  if (edges.length === 0) fill(byId("topology-edges"), h("li", {}, "No connections."));
}

/** The filters, and a node opens its resource's detail (click, Enter or Space). */
export function wireTopology(app: App): void {
  const { signal } = app;
  for (const id of ["topo-region", "topo-account"])
    byId(id).addEventListener("change", () => app.render(), { signal });
  const drawing = byId("topology");
  const nodeOf = (ev: Event) => (ev.target as Element).closest<SVGElement>("[data-action=select]");
  drawing.addEventListener(
    "click",
    (ev) => {
      const id = nodeOf(ev)?.dataset.id;
      if (id) app.select(id);
    },
    { signal },
  );
  drawing.addEventListener(
    "keydown",
    (ev) => {
      const node = nodeOf(ev);
      if ((ev.key === "Enter" || ev.key === " ") && node) {
        ev.preventDefault();
        app.select(node.dataset.id ?? null);
      }
    },
    { signal },
  );
}
