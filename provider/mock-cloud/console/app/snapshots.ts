import type { App } from "./context.ts";
import { byId, fill, h, setOptions, time } from "./dom.ts";
import { accounts } from "./state.ts";

/** Snapshots taken in this page (the last five), and the reset's choice of scope. */
export function renderSnapshots(app: App, enabled: boolean): void {
  const { state } = app;
  setOptions(
    byId<HTMLSelectElement>("reset-scope"),
    accounts(state).map((a) => ({ value: a, label: `account ${a} only` })),
  );
  fill(
    byId("snapshots"),
    ...state.snapshots.map((snap, i) =>
      h(
        "li",
        {},
        `Snapshot at ${time(snap.at)}`,
        h(
          "button",
          { type: "button", class: "quiet", "data-action": "restore", "data-index": i, disabled: !enabled },
          "Restore",
        ),
        h(
          "button",
          { type: "button", class: "quiet", "data-action": "download", "data-index": i },
          "Download",
        ),
      ),
    ),
  );
}

function restore(app: App, data: unknown, what: string): void {
  void app.act("Restore", async () => {
    await app.api.restore(data);
    await app.load.all();
    return `Restored ${what}.`;
  });
}

/** Saves a snapshot as a JSON file. */
function download(snap: { at: string; data: unknown }): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(snap.data)], { type: "application/json" }));
  const a = h("a", { href: url, download: `agentcloud-snapshot-${snap.at.replace(/[:.]/g, "-")}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Take a snapshot, restore one (or a file), download one, reset (after a confirmation). */
export function wireSnapshots(app: App): void {
  const { state, api, signal } = app;
  const card = byId("h-state").closest("section") as HTMLElement;
  card.addEventListener(
    "click",
    (ev) => {
      const target = (ev.target as Element).closest<HTMLElement>("[data-action]");
      const action = target?.dataset.action;
      if (action === "snapshot")
        void app.act("Snapshot", async () => {
          const data = await api.snapshot();
          state.snapshots.unshift({ at: new Date().toISOString(), data });
          state.snapshots.length = Math.min(state.snapshots.length, 5);
          return "Snapshot taken (kept in this page until it is closed).";
        });
      const snap = state.snapshots[Number(target?.dataset.index)];
      if (action === "restore" && snap) restore(app, snap.data, `the snapshot of ${time(snap.at)}`);
      if (action === "download" && snap) download(snap);
    },
    { signal },
  );
  byId("restore-file").addEventListener(
    "change",
    async (ev) => {
      const input = ev.target as HTMLInputElement;
      const file = input.files?.[0];
      if (!file) return;
      try {
        restore(app, JSON.parse(await file.text()), file.name);
      } catch {
        app.notice(`${file.name} is not a JSON snapshot.`, true);
      }
      input.value = "";
    },
    { signal },
  );
  byId("reset-form").addEventListener(
    "submit",
    (ev) => {
      ev.preventDefault();
      const account = byId<HTMLSelectElement>("reset-scope").value;
      const what = account
        ? `every resource of account ${account}`
        : "every resource of every account, all faults and the request log";
      if (!confirm(`Reset deletes ${what}. Continue?`)) return;
      void app.act("Reset", async () => {
        await api.reset(account || null);
        await app.load.all();
        return account ? `Account ${account} reset.` : "Emulator reset.";
      });
    },
    { signal },
  );
}
