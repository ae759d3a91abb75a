import type { App } from "./context.ts";
import { byId, h, mask, setOptions } from "./dom.ts";

/** Fields an out-of-band edit does not offer: identity, and the secret digest the cloud keeps. */
const notEditable = new Set(["id", "kind", "etag", "secretEnvKeys", "secretEnvDigest"]);

/** The edit card's resource choices: every resource the console shows. */
export function renderEdit(app: App): void {
  setOptions(
    byId<HTMLSelectElement>("edit-resource"),
    [...app.state.resources.values()].map((r) => ({
      value: r.body.id,
      label: `${r.body.kind} ${r.body.name} (${r.body.id})${r.account ? ` · ${r.account}` : ""}`,
    })),
  );
  renderEditFields(app, false);
}

/** The chosen resource's fields; `prefill` puts the chosen field's value (an apiKey masked) in the editor. */
function renderEditFields(app: App, prefill: boolean): void {
  const r = app.state.resources.get(byId<HTMLSelectElement>("edit-resource").value);
  const field = byId<HTMLSelectElement>("edit-field");
  const before = field.value;
  const names = r ? Object.keys(r.body).filter((k) => !notEditable.has(k)) : [];
  field.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
  if (names.includes(before)) field.value = before;
  const value = byId<HTMLTextAreaElement>("edit-value");
  if (r && (prefill || value.value === "")) {
    const v = (r.body as unknown as Record<string, unknown>)[field.value];
    value.value = JSON.stringify(field.value === "apiKey" && typeof v === "string" ? mask(v) : v);
  }
}

/** Opens the edit of a resource on the drive view (from its detail). */
export function editResource(app: App, id: string): void {
  app.navigate("drive");
  setTimeout(() => {
    byId<HTMLSelectElement>("edit-resource").value = id;
    renderEditFields(app, true);
    byId("edit-field").focus();
  }, 0);
}

export function wireEdit(app: App): void {
  const { signal } = app;
  byId("edit-resource").addEventListener("change", () => renderEditFields(app, true), { signal });
  byId("edit-field").addEventListener("change", () => renderEditFields(app, true), { signal });
  byId("edit-form").addEventListener(
    "submit",
    (ev) => {
      ev.preventDefault();
      const r = app.state.resources.get(byId<HTMLSelectElement>("edit-resource").value);
      const field = byId<HTMLSelectElement>("edit-field").value;
      if (!r || !field) {
        app.notice("Choose a resource and a field.", true);
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(byId<HTMLTextAreaElement>("edit-value").value);
      } catch {
        app.notice("The new value is not valid JSON (strings need quotes).", true);
        return;
      }
      void app.act("Out-of-band edit", async () => {
        await app.api.edit(r.body, { [field]: value });
        return `${r.body.name}: ${field} changed out of band.`;
      });
    },
    { signal },
  );
}
