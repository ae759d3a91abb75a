import { Hono } from "hono";
import { chipCatalog, modelCatalog, regions } from "../../api/catalog.ts";

export function catalogRoutes(): Hono {
  const app = new Hono();
  app.get("/chips", (c) => c.json({ items: Object.values(chipCatalog) }));
  app.get("/models", (c) => c.json({ items: Object.values(modelCatalog) }));
  app.get("/regions", (c) =>
    c.json({ items: regions.map((r) => ({ region: r, zones: ["a", "b", "c"].map((z) => `${r}-${z}`) })) }),
  );
  return app;
}
