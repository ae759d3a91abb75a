import { digest } from "./canonical.ts";

/**
 * Physical names for resources the user did not name: the logical name plus a suffix derived from
 * the stack and the create-only values. Deterministic, so that re-running an interrupted create
 * asks for the same name (and the same idempotency key) and adopts instead of duplicating; a
 * replacement gets a new suffix, so create-before-delete does not collide.
 */
export function autoName(scope: string, logicalName: string, createOnlyValues: unknown): string {
  let prefix = logicalName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 55);
  if (!prefix) prefix = "r";
  return `${prefix.replace(/-+$/, "")}-${digest(scope, logicalName, createOnlyValues).slice(0, 7)}`;
}
