import type * as pulumi from "@pulumi/pulumi";
import type { Estimate } from "../../api/estimate.ts";

type Scalar = string | number | boolean | null | undefined;

/**
 * A spec value as a program may give it: the value, or a Promise or Output of it, at every level
 * (`throughput: { tokensPerMinute: cfg.requireNumber("tpm") }` as well as `throughput: someOutput`).
 */
type DeepInput<T> = pulumi.Input<
  T extends Scalar
    ? T
    : T extends readonly (infer E)[]
      ? DeepInput<E>[]
      : T extends object
        ? { [K in keyof T]: DeepInput<T[K]> }
        : T
>;

/** A resource's arguments typed from its spec's zod input type: optional where the spec has a default. */
export type InputsOf<Spec> = { [K in keyof Spec]: DeepInput<Spec[K]> };

/** A resource's outputs typed from the cloud's view of it (zod's output type). */
type OutputsOf<View> = { readonly [K in keyof View]-?: pulumi.Output<View[K]> };

/**
 * What a resource class exposes: every spec field as the cloud keeps it (defaults applied), the
 * cloud's own outputs, and the ones every kind has.
 */
export type ResourceOutputs<SpecOut, View, OutKeys extends keyof View> = OutputsOf<
  SpecOut & Pick<View, OutKeys | Extract<"statusReason" | "createdAt" | "updatedAt", keyof View>>
> & {
  /** Chips and monthly USD from the spec and the illustrative catalog prices (docs/pricing.md); known at preview. */
  readonly estimate: pulumi.Output<Estimate>;
};
