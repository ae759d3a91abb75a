import type * as pulumi from "@pulumi/pulumi";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { AgentRuntimeSpec } from "../../api/agent-runtime.ts";
import type { ChipClusterSpec } from "../../api/chip-cluster.ts";
import type { ModelEndpointSpec } from "../../api/model-endpoint.ts";
import type { AgentRuntime, AgentRuntimeArgs } from "../agent-runtime/resource.ts";
import type { ChipCluster, ChipClusterArgs } from "../chip-cluster/resource.ts";
import type { ModelEndpoint, ModelEndpointArgs } from "../model-endpoint/resource.ts";
import type { CommonArgs } from "./resource.ts";

// Type-level: these fail `npm run typecheck` (tsc checks test files) when the classes' arguments or
// outputs and the API's zod schemas disagree. The `it` bodies run no assertion of their own.
type Extra<Args, Spec> = Exclude<keyof Args, keyof Spec | keyof CommonArgs>;

describe("resource types follow the API schemas", () => {
  it("every spec body is a valid argument object, and no argument is unknown to the spec", () => {
    expectTypeOf<z.input<typeof ChipClusterSpec>>().toExtend<ChipClusterArgs>();
    expectTypeOf<z.input<typeof ModelEndpointSpec>>().toExtend<ModelEndpointArgs>();
    expectTypeOf<z.input<typeof AgentRuntimeSpec>>().toExtend<AgentRuntimeArgs>();
    expectTypeOf<Extra<ChipClusterArgs, z.input<typeof ChipClusterSpec>>>().toEqualTypeOf<never>();
    expectTypeOf<Extra<ModelEndpointArgs, z.input<typeof ModelEndpointSpec>>>().toEqualTypeOf<never>();
    expectTypeOf<Extra<AgentRuntimeArgs, z.input<typeof AgentRuntimeSpec>>>().toEqualTypeOf<never>();
  });

  it("every spec field is an output of the cloud's type", () => {
    expectTypeOf<ModelEndpoint["throughput"]>().toEqualTypeOf<
      pulumi.Output<z.output<typeof ModelEndpointSpec>["throughput"]>
    >();
    expectTypeOf<ChipCluster["provisioning"]>().toEqualTypeOf<
      pulumi.Output<z.output<typeof ChipClusterSpec>["provisioning"]>
    >();
    expectTypeOf<AgentRuntime["scaling"]>().toEqualTypeOf<
      pulumi.Output<z.output<typeof AgentRuntimeSpec>["scaling"]>
    >();
    expectTypeOf<ModelEndpoint["apiKey"]>().toEqualTypeOf<pulumi.Output<string>>();
  });
});
