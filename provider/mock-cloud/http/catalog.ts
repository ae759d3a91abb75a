import type { Env } from "hono";
import { chipCatalog, modelCatalog, regions } from "../../api/catalog.ts";
import type { Handler, HandlerName } from "./routes.ts";

/** GET /v1/catalog/{chips,models,regions}: the catalog the provider's check() uses offline. */
export function catalogHandlers<E extends Env>(): Partial<Record<HandlerName, Handler<E>>> {
  return {
    listChips: (c) => c.json({ items: Object.values(chipCatalog) }),
    listModels: (c) => c.json({ items: Object.values(modelCatalog) }),
    listRegions: (c) =>
      c.json({ items: regions.map((r) => ({ region: r, zones: ["a", "b", "c"].map((z) => `${r}-${z}`) })) }),
  };
}
