import { mkdirSync, rmSync } from "node:fs";
import { scratchRoot } from "./paths.ts";

/**
 * Global setup of every project: this run's scratch directory (see paths.ts), fresh at the start and
 * removed at the end. Needs neither the Pulumi CLI nor a build.
 */
export default function setup(): () => void {
  rmSync(scratchRoot, { recursive: true, force: true });
  mkdirSync(scratchRoot, { recursive: true });
  return () => rmSync(scratchRoot, { recursive: true, force: true });
}
