import { chipCatalog, modelCatalog, regions } from "../../api/catalog.ts";
import type { AppEnv } from "./deps.ts";
import type { HandlersOfTags } from "./route-spec.ts";

/** GET /v1/catalog/{chips,models,regions}: the catalog the provider's check() uses offline. */
export function catalogHandlers(): HandlersOfTags<"catalog", AppEnv> {
  return {
    listChips: (c) => c.json({ items: Object.values(chipCatalog) }),
    listModels: (c) => c.json({ items: Object.values(modelCatalog) }),
    listRegions: (c) =>
      c.json({ items: regions.map((r) => ({ region: r, zones: ["a", "b", "c"].map((z) => `${r}-${z}`) })) }),
  };
}
