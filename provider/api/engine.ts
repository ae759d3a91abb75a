/**
 * How the Pulumi engine names our resources and values, written once: the resource classes
 * register the type, and the policy pack, the plan report and the testing kit read it back.
 * Checked against the pinned engine by the e2e tests (policy, plan, mocks).
 */
import { type ResourceKind, resourceKinds } from "./common.ts";

/** The module argument of our dynamic resources (`dynamic.Resource`'s `module`). */
export const dynamicModule = "agentcloud";

/** The type token of a dynamic resource with a module: `pulumi-nodejs:dynamic/<module>:<Kind>`. */
const typePrefix = `pulumi-nodejs:dynamic/${dynamicModule}:`;

/** Our kind of a resource type, or null: another provider's resource, or another dynamic provider's. */
export function kindOfType(type: string): ResourceKind | null {
  if (!type.startsWith(typePrefix)) return null;
  const kind = type.slice(typePrefix.length);
  return (resourceKinds as readonly string[]).includes(kind) ? (kind as ResourceKind) : null;
}

/** The sentinel the engine puts where a value is not known yet (during preview). */
export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
