/**
 * The entry the serialized provider shim loads at call time (`pulumi-agentcloud/runtime`), inside
 * the dynamic-provider process started by the Pulumi engine.
 */
import { agentRuntimeKind } from "../resources/agent-runtime/definition.ts";
import { chipClusterKind } from "../resources/chip-cluster/definition.ts";
import { modelEndpointKind } from "../resources/model-endpoint/definition.ts";
import { configure } from "./config.ts";
import { makeHandlers } from "./handlers.ts";
import { exitWhenEngineGone } from "./watchdog.ts";

export { configure };

exitWhenEngineGone();

/**
 * The handlers the engine calls. Their `check` answers the inputs as state keeps them
 * (`checkForState`: what a left-out field would be left out); makeHandlers' own `check`, with the
 * defaults applied, is what the cloud's `POST /v1/validations` answers.
 */
function forEngine<H extends ReturnType<typeof makeHandlers>>(h: H): Omit<H, "checkForState"> {
  const { checkForState, ...rest } = h;
  return { ...rest, check: checkForState };
}

export const handlers = {
  ChipCluster: forEngine(makeHandlers(chipClusterKind)),
  ModelEndpoint: forEngine(makeHandlers(modelEndpointKind)),
  AgentRuntime: forEngine(makeHandlers(agentRuntimeKind)),
};

type Method = "check" | "diff" | "create" | "read" | "update" | "delete";

/** What every shim method calls: `run("ChipCluster", "create", [inputs])`. */
export async function run(kind: string, method: Method | "configure", args: unknown[]): Promise<unknown> {
  if (method === "configure") return configure(args[0] as Parameters<typeof configure>[0]);
  const h = handlers[kind as keyof typeof handlers];
  if (!h)
    throw new Error(
      `pulumi-agentcloud: unknown resource kind ${kind}; is the installed package older than the program?`,
    );
  return (h[method] as (...a: unknown[]) => Promise<unknown>)(...args);
}
