import { faultOperations } from "../../api/admin.ts";
import { AgentRuntimeSpec, agentRuntimeLifecycle, agentRuntimeStates } from "../../api/agent-runtime.ts";
import { chipTypes, modelIds, regions } from "../../api/catalog.ts";
import {
  ChipClusterSpec,
  capacityStates,
  chipClusterLifecycle,
  chipClusterStates,
} from "../../api/chip-cluster.ts";
import { collectionOf, errorStatus, type Lifecycle, resourceKinds } from "../../api/common.ts";
import {
  ModelEndpointSpec,
  modelEndpointLifecycle,
  modelEndpointStates,
  servingStates,
} from "../../api/model-endpoint.ts";
import { defaultLimits } from "../core/settings.ts";

/** How the console colours a status: ready, in progress, waiting or degraded, failed, deleting. */
export type Tone = "ok" | "busy" | "warn" | "bad" | "gone";

/**
 * Each status's tone, from the kinds' lifecycles (provider/api): ready is ok, failed bad, waiting
 * for capacity and the running-but-not-well statuses warn, deleting gone; the others are in progress.
 */
function tones(): Record<string, Tone> {
  const out: Record<string, Tone> = { DEGRADED: "warn", ROLLING_BACK: "warn" };
  const lifecycles: Lifecycle[] = [chipClusterLifecycle, modelEndpointLifecycle, agentRuntimeLifecycle];
  for (const l of lifecycles) {
    out[l.ready] = "ok";
    out[l.deleting] = "gone";
    if (l.waiting) out[l.waiting] = "warn";
    for (const s of l.failed) out[s] = "bad";
  }
  return out;
}

/** What the page needs to know of the API, read by the script from a JSON data block. */
function consoleConfig() {
  return {
    regions,
    chipTypes,
    models: modelIds,
    kinds: resourceKinds,
    collections: collectionOf,
    states: {
      ChipCluster: chipClusterStates,
      ModelEndpoint: modelEndpointStates,
      AgentRuntime: agentRuntimeStates,
    },
    specFields: {
      ChipCluster: Object.keys(ChipClusterSpec.shape),
      ModelEndpoint: Object.keys(ModelEndpointSpec.shape),
      AgentRuntime: Object.keys(AgentRuntimeSpec.shape),
    },
    errorCodes: errorStatus,
    tones: tones(),
    /** Clusters in these use their region's on-demand capacity. */
    capacityStates,
    /** Endpoints in these serve tokens (and cost). */
    servingStates,
    defaultLimits,
  };
}

/** The JSON data block's content, as the script reads it (app/app.ts). */
export type ConsoleConfig = ReturnType<typeof consoleConfig>;

const options = (values: readonly string[], any?: string) =>
  (any === undefined ? "" : `<option value="">${any}</option>`) +
  values.map((v) => `<option value="${v}">${v}</option>`).join("");

/** The page: static structure and every form; the script fills in the data and wires the controls. */
export function consoleHtml(): string {
  const config = JSON.stringify(consoleConfig()).replace(/</g, "\\u003c");
  const transitionRows = resourceKinds
    .map(
      (k) => `<fieldset class="transition" data-kind="${k}"><legend>${k}</legend>
<label>Mode <select id="t-mode-${k}" data-kind="${k}"><option value="immediate">immediate</option><option value="duration">duration</option><option value="reads">after reads</option></select></label>
<label>Seconds <input id="t-seconds-${k}" type="number" min="0" step="1" value="60" inputmode="numeric"></label>
<label>Reads <input id="t-reads-${k}" type="number" min="0" step="1" value="3" inputmode="numeric"></label>
<button type="button" data-action="transition" data-kind="${k}">Apply</button>
<span class="current" id="t-current-${k}"></span></fieldset>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>AgentCloud emulator console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/console.css">
<script type="application/json" id="console-config">${config}</script>
<script src="/console/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<h1>AgentCloud <span>emulator console</span></h1>
<dl class="emu">
<div><dt>Emulator clock</dt><dd id="clock">–</dd></div>
<div><dt>Updates</dt><dd id="live" class="live off">not connected</dd></div>
<div><dt>Tokens (kept in this tab)</dt><dd id="auth-state" aria-live="polite">none</dd></div>
</dl>
<form id="auth" class="auth" autocomplete="off">
<div class="field"><label for="account-token">Account API token</label><input id="account-token" type="password" autocomplete="off" spellcheck="false" placeholder="reads one account"></div>
<div class="field"><label for="admin-token">Admin token</label><input id="admin-token" type="password" autocomplete="off" spellcheck="false" placeholder="reads all, drives"></div>
<button type="submit">Connect</button>
<button type="button" id="forget" class="quiet">Forget tokens</button>
</form>
</header>
<div class="layout">
<nav aria-label="Views">
<ul>
<li><a href="#resources" data-view="resources">Resources</a></li>
<li><a href="#topology" data-view="topology">Topology</a></li>
<li><a href="#quotas" data-view="quotas">Quotas &amp; cost</a></li>
<li><a href="#usage" data-view="usage">Usage</a></li>
<li><a href="#requests" data-view="requests">Requests &amp; feed</a></li>
<li><a href="#drive" data-view="drive">Drive the emulator</a></li>
</ul>
<section class="side" aria-labelledby="side-h">
<h2 id="side-h">Emulator</h2>
<h3>Transitions</h3>
<dl id="transitions-summary" class="kv"></dl>
<h3>Faults</h3>
<p id="faults-summary">–</p>
</section>
</nav>
<main id="main" tabindex="-1">
<p id="notice" role="status" aria-live="polite"></p>

<section id="view-resources" class="view" aria-labelledby="h-resources">
<h2 id="h-resources">Resources</h2>
<form id="filters" class="filters" role="search" aria-label="Filter resources">
<label>Kind <select id="f-kind">${options(resourceKinds, "All kinds")}</select></label>
<label>Region <select id="f-region">${options(regions, "All regions")}</select></label>
<label>Status <select id="f-status"><option value="">All statuses</option></select></label>
<label id="f-account-label" hidden>Account <select id="f-account"><option value="">All accounts</option></select></label>
<label>Name or id <input id="f-text" type="search" spellcheck="false"></label>
</form>
<div class="split">
<div class="table-wrap">
<table id="resources-table">
<caption id="resources-caption">Resources</caption>
<thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Region</th><th scope="col">Status</th><th scope="col" class="col-account">Account</th><th scope="col" class="col-updated">Updated</th></tr></thead>
<tbody id="resources-body"></tbody>
</table>
</div>
<aside id="detail" class="detail" aria-labelledby="detail-h" hidden></aside>
</div>
</section>

<section id="view-topology" class="view" aria-labelledby="h-topology" hidden>
<h2 id="h-topology">Topology</h2>
<form class="filters" aria-label="Filter topology">
<label>Region <select id="topo-region">${options(regions, "All regions")}</select></label>
<label id="topo-account-label" hidden>Account <select id="topo-account"><option value="">All accounts</option></select></label>
</form>
<div class="legend" aria-hidden="true"><span class="tone ok">ready</span><span class="tone busy">in progress</span><span class="tone warn">waiting / degraded</span><span class="tone bad">failed</span><span class="tone gone">deleting</span>
<span class="edge-key deployment">runs on cluster</span><span class="edge-key model">uses model</span><span class="edge-key spillover">spills over to</span><span class="edge-key channel">A2A channel</span></div>
<div id="topology" class="topology"></div>
<h3>Connections</h3>
<ul id="topology-edges" class="edges"></ul>
</section>

<section id="view-quotas" class="view" aria-labelledby="h-quotas" hidden>
<h2 id="h-quotas">Quotas &amp; cost</h2>
<p id="limits-source" class="hint"></p>
<h3>Chip quota per account, region and chip type</h3>
<div id="chip-gauges" class="gauges"></div>
<h3>On-demand capacity per region and chip type (all accounts)</h3>
<div id="capacity-gauges" class="gauges"></div>
<h3>Other quotas per account and region</h3>
<div class="table-wrap"><table id="other-quotas"><thead><tr><th scope="col">Account</th><th scope="col">Region</th><th scope="col" class="num">Endpoints</th><th scope="col" class="num">Agent runtimes</th><th scope="col" class="num">Tokens per minute</th></tr></thead><tbody></tbody></table></div>
<h3>Estimated cost of running endpoints</h3>
<p class="hint">Catalog prices are per million tokens. The estimate is what an hour at the endpoint's full effective throughput would cost, if every token were input (low) or output (high). What the endpoints did serve, and its cost, is in the <a href="#usage">usage view</a>.</p>
<div class="table-wrap"><table id="cost"><thead><tr><th scope="col">Endpoint</th><th scope="col">Model</th><th scope="col">Region</th><th scope="col">Status</th><th scope="col" class="num">Tokens/min</th><th scope="col" class="num">$/M in · out</th><th scope="col" class="num">$/hour (low – high)</th></tr></thead><tbody></tbody><tfoot></tfoot></table></div>
</section>

<section id="view-usage" class="view" aria-labelledby="h-usage" hidden>
<h2 id="h-usage">Usage</h2>
<p id="usage-source" class="hint"></p>
<div id="usage"></div>
</section>

<section id="view-runtime" class="view" aria-labelledby="h-runtime" hidden>
<h2 id="h-runtime">Agent runtime at work: <span id="runtime-name"></span></h2>
<p id="runtime-source" class="hint"></p>
<div id="runtime"></div>
</section>

<section id="view-requests" class="view" aria-labelledby="h-requests" hidden>
<h2 id="h-requests">Requests &amp; change feed</h2>
<div class="two">
<section aria-labelledby="h-log">
<h3 id="h-log">Request log</h3>
<form class="filters" aria-label="Filter the request log">
<label class="check"><input id="r-hide-admin" type="checkbox" checked> Hide admin-plane and console requests</label>
<label class="check"><input id="r-errors" type="checkbox"> Errors only</label>
</form>
<div class="table-wrap"><table id="requests"><thead><tr><th scope="col">Time (wall clock)</th><th scope="col">Request and its id</th><th scope="col">Status</th><th scope="col" class="num">ms</th><th scope="col">Account</th></tr></thead><tbody></tbody></table></div>
</section>
<section aria-labelledby="h-feed">
<h3 id="h-feed">Change feed</h3>
<p class="hint">Changes since this page connected, newest first.</p>
<ol id="feed" class="feed" reversed></ol>
</section>
</div>
</section>

<section id="view-drive" class="view" aria-labelledby="h-drive" hidden>
<h2 id="h-drive">Drive the emulator</h2>
<p id="drive-note" class="hint"></p>
<div class="cards">
<section class="card" aria-labelledby="h-faults">
<h3 id="h-faults">Faults</h3>
<form id="fault-form" class="grid-form">
<label>Kind <select id="fault-kind">${options(resourceKinds, "any")}</select></label>
<label>Operation <select id="fault-operation"><option value="">any API call</option>${faultOperations
    .map((o) => `<option value="${o}">${o === "provision" ? "provision (fails later)" : o}</option>`)
    .join("")}</select></label>
<label>Region <select id="fault-region">${options(regions, "any")}</select></label>
<label>Account <input id="fault-account" type="text" spellcheck="false" placeholder="any"></label>
<label>Error code <select id="fault-code"><option value="">none</option>${Object.keys(errorStatus)
    .map((c) => `<option value="${c}">${c} (${errorStatus[c as keyof typeof errorStatus]})</option>`)
    .join("")}</select></label>
<label>HTTP status <input id="fault-status" type="number" min="400" max="599" placeholder="from code"></label>
<label>Times, then gone <input id="fault-remaining" type="number" min="1" placeholder="until cleared"></label>
<label>Probability <input id="fault-probability" type="number" min="0" max="1" step="0.05" value="1"></label>
<label>Latency ms <input id="fault-latency" type="number" min="0" max="60000" placeholder="0"></label>
<label>Retry-After s <input id="fault-retry" type="number" min="0" placeholder="default"></label>
<label class="wide">Message <input id="fault-message" type="text" placeholder="injected fault"></label>
<label class="check"><input id="fault-drop" type="checkbox"> Drop the connection</label>
<div class="actions"><button type="submit">Inject fault</button><button type="button" data-action="clear-faults" class="quiet">Clear all faults</button></div>
</form>
<div class="table-wrap"><table id="faults"><caption>Active fault rules</caption><thead><tr><th scope="col">Id</th><th scope="col">Matches</th><th scope="col">Answer</th><th scope="col">Left</th><th scope="col"><span class="sr">Actions</span></th></tr></thead><tbody></tbody></table></div>
</section>

<section class="card" aria-labelledby="h-clock">
<h3 id="h-clock">Clock &amp; transitions</h3>
<p>Emulator time: <strong id="clock-now">–</strong></p>
<form id="clock-form" class="inline-form">
<label>Advance by <input id="clock-amount" type="number" min="0" step="1" value="10"></label>
<label>Unit <select id="clock-unit"><option value="1000">seconds</option><option value="60000" selected>minutes</option><option value="3600000">hours</option></select></label>
<button type="submit">Advance clock</button>
</form>
<p class="quick"><button type="button" data-action="advance" data-ms="60000">+1 min</button><button type="button" data-action="advance" data-ms="600000">+10 min</button><button type="button" data-action="advance" data-ms="3600000">+1 h</button></p>
<h4>How long operations take</h4>
${transitionRows}
</section>

<section class="card" aria-labelledby="h-edit">
<h3 id="h-edit">Edit out of band (drift)</h3>
<form id="edit-form" class="grid-form">
<label class="wide">Resource <select id="edit-resource"></select></label>
<label>Field <select id="edit-field"></select></label>
<label class="wide">New value (JSON) <textarea id="edit-value" rows="3" spellcheck="false"></textarea></label>
<div class="actions"><button type="submit">Apply edit</button></div>
</form>
</section>

<section class="card" aria-labelledby="h-state">
<h3 id="h-state">Snapshot, restore, reset</h3>
<p><button type="button" data-action="snapshot">Take snapshot</button></p>
<ul id="snapshots" class="snapshots"></ul>
<p><label>Restore from a file <input id="restore-file" type="file" accept="application/json,.json"></label></p>
<form id="reset-form" class="inline-form">
<label>Reset <select id="reset-scope"><option value="">everything (all accounts, faults, log)</option></select></label>
<button type="submit" class="danger">Reset…</button>
</form>
</section>
</div>
</section>
</main>
</div>
</body>
</html>
`;
}

export const consoleCss = `
:root{--bg:#f6f7f9;--panel:#fff;--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0b5cad;
--ok:#1a7f37;--busy:#0969da;--warn:#9a6700;--bad:#cf222e;--gone:#6e7781;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0}[hidden]{display:none!important}
h1,h2,h3,h4{line-height:1.2;margin:.2em 0 .5em}h1{font-size:1.25rem}h1 span{font-weight:400;color:var(--muted)}h2{font-size:1.3rem}h3{font-size:1.05rem;margin-top:1.1em}h4{font-size:.95rem;margin:1em 0 .4em}
a{color:var(--accent)}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5em;z-index:10}.skip:focus{left:.5em}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.6rem 1.5rem;padding:.6rem 1.2rem;background:#1b2b44;color:#fff}
.top h1 span{color:#b6c2d3}
.emu{display:flex;gap:1.4rem;margin:0}.emu div{display:flex;flex-direction:column}.emu dt{font-size:.75rem;color:#b6c2d3}.emu dd{margin:0;font-variant-numeric:tabular-nums}
.live::before{content:"";display:inline-block;width:.6em;height:.6em;border-radius:50%;margin-right:.4em;background:#8c959f}
.live.on::before{background:#4ac26b}.live.connecting::before{background:#d4a72c}.live.polling::before{background:#54aeff}.live.error::before{background:#ff8182}
.auth{display:flex;align-items:flex-end;gap:.5rem;margin-left:auto}
.auth .field{display:flex;flex-direction:column;font-size:.75rem}.auth label{color:#d0d7de}
.auth input{width:10.5rem}
input,select,textarea,button{font:inherit}
input,select,textarea{border:1px solid var(--line);border-radius:4px;padding:.3rem .4rem;background:#fff;color:var(--ink)}
button{border:1px solid #1f6feb;background:#0b5cad;color:#fff;border-radius:4px;padding:.3rem .75rem;cursor:pointer}
button.quiet{background:#fff;color:var(--accent);border-color:var(--line)}button.danger{background:var(--bad);border-color:var(--bad)}
button.link{background:none;border:0;color:var(--accent);padding:0;text-decoration:underline;text-align:left}
button:disabled{opacity:.5;cursor:not-allowed}
.layout{display:grid;grid-template-columns:200px 1fr;min-height:calc(100vh - 60px)}
nav{background:var(--panel);border-right:1px solid var(--line);padding:1rem .8rem}
nav ul{list-style:none;margin:0;padding:0}nav li a{display:block;padding:.45rem .6rem;border-radius:4px;text-decoration:none;color:var(--ink)}
nav li a[aria-current=page]{background:#ddf4ff;color:#0a3069;font-weight:600}nav li a:hover{background:#f3f4f6}
.side{margin-top:1.5rem;font-size:.85rem}.side h2{font-size:.95rem}.side h3{font-size:.85rem;margin:.8em 0 .3em;color:var(--muted)}
.kv{margin:0;display:grid;grid-template-columns:auto 1fr;gap:.15rem .5rem}.kv dt{color:var(--muted)}.kv dd{margin:0}
main{padding:1rem 1.4rem 3rem;min-width:0}
#notice{margin:0}#notice:not(:empty){margin:0 0 .6rem;padding:.4rem .7rem;border-radius:4px;background:#ddf4ff}
#notice.error{color:var(--bad);font-weight:600;background:#ffebe9}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin-bottom:.8rem}
.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted);gap:.15rem}.filters label.check{flex-direction:row;align-items:center;gap:.35rem;color:var(--ink)}
.split{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;align-items:start}.split.open{grid-template-columns:minmax(0,1fr) 400px}
.split.open .col-updated{display:none}#resources-table td,#requests td,.nowrap{white-space:nowrap}#requests td.request{white-space:normal;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;background:var(--panel);border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%}caption{text-align:left;padding:.5rem .7rem;font-weight:600}
th,td{text-align:left;padding:.35rem .7rem;border-top:1px solid #eaeef2;vertical-align:top}th{font-size:.8rem;color:var(--muted);font-weight:600;background:#f6f8fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
tr.selected td{background:#ddf4ff}.hide-account .col-account{display:none}
.tone{display:inline-block;padding:.05rem .5rem;border-radius:1em;font-size:.8rem;font-weight:600;color:#fff;background:var(--busy)}
.tone.ok{background:var(--ok)}.tone.warn{background:var(--warn)}.tone.bad{background:var(--bad)}.tone.gone{background:var(--gone)}
.detail{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;align-self:start;position:sticky;top:.5rem;max-height:calc(100vh - 1rem);overflow:auto}
.detail header{display:flex;justify-content:space-between;gap:.5rem;align-items:flex-start}.detail dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .7rem;margin:.4rem 0}
.detail dt{color:var(--muted)}.detail dd{margin:0;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;border:1px solid #eaeef2;border-radius:4px;padding:.5rem;overflow:auto;font-size:.8rem;margin:.3rem 0;max-height:22rem}
.reason{border-left:3px solid var(--warn);padding:.2rem .6rem;background:#fff8c5}
.legend{display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:center;margin-bottom:.5rem;font-size:.8rem}
.edge-key::before{content:"";display:inline-block;width:2rem;height:0;border-top:2px solid #57606a;vertical-align:middle;margin-right:.3rem}
.edge-key.spillover::before{border-top:2px dashed #8250df}.edge-key.channel::before{border-top:2px dotted #bf3989}.edge-key.model::before{border-color:#0969da}
.topology{background:var(--panel);border:1px solid var(--line);border-radius:6px;overflow:auto}
.topology svg{display:block}.topology .node{cursor:pointer}.topology .node:focus{outline:none}.topology .node:focus rect.box{stroke:#0969da;stroke-width:3}
.topology text{font:12px system-ui,sans-serif;fill:#1b1f24}.topology text.sub{fill:#57606a;font-size:11px}.topology text.col{font-weight:600;fill:#57606a}
.edges{columns:2;font-size:.85rem;padding-left:1.2rem}
.gauges{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:.6rem}
tfoot th,tfoot td{background:#f6f8fa;font-weight:600}
.gauge{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem}.gauge .label{display:flex;justify-content:space-between;gap:.5rem;font-size:.85rem}
.bar{height:.7rem;background:#eaeef2;border-radius:.35rem;overflow:hidden;margin-top:.35rem}.bar span{display:block;height:100%;background:var(--ok)}
.bar.high span{background:var(--warn)}.bar.full span{background:var(--bad)}
.hint{color:var(--muted);font-size:.85rem}
.usage-account{margin-bottom:1.6rem}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:.8rem;margin-bottom:.8rem;align-items:start}
.chart{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem}.chart figcaption{font-weight:600;font-size:.85rem}
.chart svg{display:block;width:100%;max-width:760px;height:auto}.chart text{font:12px system-ui,sans-serif;fill:var(--muted)}.chart text.axis-label{font-weight:600}
.usage-figures tbody th{font-weight:400;font-size:inherit;color:var(--ink);background:none}
.chart text.empty{font-size:14px;fill:var(--ink)}.chart .grid line{stroke:#eaeef2}.chart .axis line{stroke:#8c959f}.chart text.value{fill:var(--ink)}
.chart .s0{fill:#0969da}.chart .s1{fill:#54aeff}.chart .s2{fill:#bf8700}.chart .s3{fill:#8250df}
.runtime-figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:.8rem;margin-bottom:.8rem}
#runtime .table-wrap{margin-bottom:.8rem}#runtime tbody th{font-weight:400;color:var(--ink);background:none}.at-work{margin-left:.5rem;font-size:.8rem}
.two{display:grid;grid-template-columns:minmax(0,1.7fr) minmax(0,1fr);gap:1rem}
.feed{background:var(--panel);border:1px solid var(--line);border-radius:6px;margin:0;padding:.5rem .5rem .5rem 2.6rem;font-size:.82rem;max-height:36rem;overflow:auto}.feed li{padding:.1rem 0}
.cards{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1rem}
.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.7rem 1rem}.card h3{margin-top:.2em}
.grid-form{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.5rem .8rem}.grid-form label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted);gap:.15rem}
.grid-form .wide,.grid-form .actions{grid-column:1/-1}.grid-form label.check{flex-direction:row;align-items:center;gap:.35rem;color:var(--ink)}
.actions{display:flex;gap:.5rem}.inline-form{display:flex;flex-wrap:wrap;gap:.5rem .8rem;align-items:flex-end}.inline-form label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
.quick{display:flex;gap:.4rem}.quick button{background:#fff;color:var(--accent);border-color:var(--line)}
.transition{border:1px solid #eaeef2;border-radius:4px;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem .6rem;align-items:flex-end}
.transition legend{font-weight:600;font-size:.85rem}.transition label{display:flex;flex-direction:column;font-size:.75rem;color:var(--muted)}.transition input{width:6rem}.transition .current{font-size:.8rem;color:var(--muted)}
.snapshots{padding-left:1.2rem}.snapshots li{margin:.2rem 0}.snapshots button{margin-left:.4rem}
@media (max-width:1100px){.cards,.two{grid-template-columns:1fr}.split.open{grid-template-columns:1fr}}
`;
