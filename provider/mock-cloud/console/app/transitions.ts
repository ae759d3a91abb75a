import type { App } from "./context.ts";
import { byId, fmt, numberIn, time } from "./dom.ts";
import type { Kind, Transition } from "./types.ts";

/** How long a kind's operations take, in words. */
export const transitionText = (t: Transition | undefined): string =>
  !t || t.mode === "immediate"
    ? "immediate"
    : t.mode === "duration"
      ? `${fmt.format(t.ms / 1000)} s`
      : `after ${t.reads} reads`;

/** The transition a kind's row of the form asks for. */
function transitionOf(kind: Kind): Transition {
  const mode = byId<HTMLSelectElement>(`t-mode-${kind}`).value as Transition["mode"];
  return mode === "duration"
    ? { mode, ms: Math.round((numberIn(`t-seconds-${kind}`) ?? 0) * 1000) }
    : mode === "reads"
      ? { mode, reads: numberIn(`t-reads-${kind}`) ?? 0 }
      : { mode };
}

/** A kind's seconds and reads inputs: only the one its mode uses is enabled. */
function syncTransition(kind: Kind): void {
  const mode = byId<HTMLSelectElement>(`t-mode-${kind}`).value;
  byId<HTMLInputElement>(`t-seconds-${kind}`).disabled = mode !== "duration";
  byId<HTMLInputElement>(`t-reads-${kind}`).disabled = mode !== "reads";
}

/** The "Clock & transitions" card: each kind's current transition. */
export function renderTransitions(app: App, enabled: boolean): void {
  for (const k of app.config.kinds) {
    if (enabled) syncTransition(k);
    byId(`t-current-${k}`).textContent = `now: ${transitionText(app.state.transitions[k])}`;
  }
}

/** Moves the emulator clock on by `ms`. */
function advance(app: App, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    app.notice("Advance by a positive amount.", true);
    return;
  }
  void app.act("Advancing the clock", async () => {
    const now = await app.api.advanceClock(ms);
    app.setClock(now);
    return `Clock advanced by ${fmt.format(ms / 1000)} s to ${time(now)}.`;
  });
}

export function wireTransitions(app: App): void {
  const { signal } = app;
  const card = byId("h-clock").closest("section") as HTMLElement;
  for (const k of app.config.kinds) {
    byId(`t-mode-${k}`).addEventListener("change", () => syncTransition(k), { signal });
    syncTransition(k);
  }
  card.addEventListener(
    "click",
    (ev) => {
      const target = (ev.target as Element).closest<HTMLElement>("[data-action]");
      if (target?.dataset.action === "advance") advance(app, Number(target.dataset.ms));
      if (target?.dataset.action === "transition") {
        const kind = target.dataset.kind as Kind;
        const t = transitionOf(kind);
        void app.act("Setting the transition", async () => {
          await app.api.putTransitions({ [kind]: t });
          await app.load.transitions();
          return `${kind} operations now take: ${transitionText(t)}.`;
        });
      }
    },
    { signal },
  );
  byId("clock-form").addEventListener(
    "submit",
    (ev) => {
      ev.preventDefault();
      advance(app, (numberIn("clock-amount") ?? 0) * Number(byId<HTMLSelectElement>("clock-unit").value));
    },
    { signal },
  );
}
