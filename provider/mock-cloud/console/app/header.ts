import type { App } from "./context.ts";
import { byId, time } from "./dom.ts";
import type { LiveMode } from "./feed.ts";
import { tokenKeys } from "./state.ts";

/** The header: which tokens this tab holds, the emulator clock and whether updates are live. */
export function renderAuth(app: App): void {
  const { state } = app;
  const parts = [state.accountToken ? "account" : null, state.adminToken ? "admin" : null].filter(Boolean);
  byId("auth-state").textContent = parts.length ? parts.join(" + ") : "none";
}

export function renderClock(app: App): void {
  const offset = app.state.clockOffset;
  const text = offset === null ? "–" : time(new Date(Date.now() + offset).toISOString());
  byId("clock").textContent = text;
  byId("clock-now").textContent = text;
}

export function renderLive(mode: LiveMode, text: string): void {
  const el = byId("live");
  el.className = `live ${mode}`;
  el.textContent = text;
}

/** The token form: tokens go to sessionStorage and the inputs are emptied; "Forget" drops them. */
export function wireAuth(app: App): void {
  const { state, storage, signal } = app;
  byId("auth").addEventListener(
    "submit",
    (ev) => {
      ev.preventDefault();
      for (const [input, key] of [
        ["account-token", tokenKeys.account],
        ["admin-token", tokenKeys.admin],
      ] as const) {
        const el = byId<HTMLInputElement>(input);
        const value = el.value.trim();
        if (value) storage.setItem(key, value);
        el.value = "";
      }
      state.accountToken = storage.getItem(tokenKeys.account);
      state.adminToken = storage.getItem(tokenKeys.admin);
      app.notice("");
      app.connect();
    },
    { signal },
  );
  byId("forget").addEventListener(
    "click",
    () => {
      storage.removeItem(tokenKeys.account);
      storage.removeItem(tokenKeys.admin);
      state.accountToken = null;
      state.adminToken = null;
      state.faults = [];
      state.requests = [];
      state.limits = null;
      state.quotas = null;
      app.notice("Tokens forgotten.");
      app.connect();
    },
    { signal },
  );
}
