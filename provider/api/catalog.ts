/**
 * The AgentCloud catalog: chips, models and regions. Served by the emulator at /v1/catalog and
 * used offline by the provider's check() so that preview can reject what the cloud would reject.
 * Figures marked illustrative in docs/domain.md are the emulator's defaults, not vendor facts.
 */
import { z } from "zod";
import type { RuleIssue } from "./issues.ts";

export const regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1", "us-west-1"] as const;
export type RegionId = (typeof regions)[number];

export const chipTypes = ["zhenwu-810e", "zhenwu-m890", "zhenwu-v900", "zhenwu-j900"] as const;
export type ChipType = (typeof chipTypes)[number];

export const hyperNodeSizes = [8, 16, 32, 64, 128] as const;

const provisioningModes = ["onDemand", "reserved", "spot", "queued"] as const;
export type ProvisioningMode = (typeof provisioningModes)[number];

/**
 * Prices in this file are ILLUSTRATIVE: made up for the emulator and the provider's estimates, not
 * any vendor's price list. They are served by `/v1/catalog/chips` and `/v1/catalog/models`.
 */
const chipPrices = (
  onDemand: number,
  reserved: number,
  spot: number,
  queued: number,
): ChipSpec["pricing"] => ({
  currency: "USD",
  perChipHour: { onDemand, reserved, spot, queued },
});

/** Hours in the month every monthly estimate uses (365 × 24 / 12). */
export const hoursPerMonth = 730;

/**
 * Illustrative sandbox prices of agent runtimes: one instance is billed for its declared
 * `sandbox.cpu` vCPUs and `sandbox.memoryMiB` (default 1 vCPU and 2 GiB) for every hour it runs.
 */
export const sandboxPricing = { currency: "USD", perVcpuHour: 0.048, perGiBHour: 0.0052 } as const;

/** A chip as `GET /v1/catalog/chips` lists it. */
export const ChipSpec = z.object({
  chipType: z.enum(chipTypes),
  memoryGiB: z.number().nullable(),
  chipToChipGBps: z.number().nullable(),
  p2pLatencyNs: z.number().nullable(),
  maxChipsPerHyperNode: z.number().int().nullable(),
  availableFrom: z.string().describe("ISO date from which the chip can be ordered"),
  pricing: z
    .object({
      currency: z.literal("USD"),
      perChipHour: z.object(
        Object.fromEntries(provisioningModes.map((m) => [m, z.number().nonnegative()])) as Record<
          ProvisioningMode,
          z.ZodNumber
        >,
      ),
    })
    .describe("illustrative list price per chip-hour for each provisioning mode (not a vendor's price)"),
});
type ChipSpec = z.infer<typeof ChipSpec>;

export const chipCatalog: Record<ChipType, ChipSpec> = {
  "zhenwu-810e": {
    chipType: "zhenwu-810e",
    memoryGiB: 96,
    chipToChipGBps: 700,
    p2pLatencyNs: null,
    maxChipsPerHyperNode: 16,
    availableFrom: "2026-01-01",
    pricing: chipPrices(2.4, 1.56, 0.96, 1.8),
  },
  "zhenwu-m890": {
    chipType: "zhenwu-m890",
    memoryGiB: 144,
    chipToChipGBps: 800,
    p2pLatencyNs: 150,
    maxChipsPerHyperNode: 128,
    availableFrom: "2026-05-20",
    pricing: chipPrices(4.2, 2.73, 1.68, 3.15),
  },
  "zhenwu-v900": {
    chipType: "zhenwu-v900",
    memoryGiB: null,
    chipToChipGBps: null,
    p2pLatencyNs: null,
    maxChipsPerHyperNode: null,
    availableFrom: "2027-07-01",
    pricing: chipPrices(6.5, 4.2, 2.6, 4.9),
  },
  "zhenwu-j900": {
    chipType: "zhenwu-j900",
    memoryGiB: null,
    chipToChipGBps: null,
    p2pLatencyNs: null,
    maxChipsPerHyperNode: null,
    availableFrom: "2028-07-01",
    pricing: chipPrices(9.8, 6.4, 3.9, 7.35),
  },
};

export const modelIds = ["qwen3.7-max", "glm-5.1", "minimax-m2.7", "kimi-k2.6", "deepseek-v4-pro"] as const;
export type ModelId = (typeof modelIds)[number];

/** A model as `GET /v1/catalog/models` lists it. Weights and KV cache are illustrative. */
export const ModelSpec = z.object({
  model: z.enum(modelIds),
  provider: z.enum(["first-party", "third-party"]),
  weightsGiB: z.number(),
  kvCacheGiB: z.number().describe("KV-cache reservation per replica"),
  supportedChips: z.array(z.enum(chipTypes)),
  maxContextTokens: z.number().int(),
  pricing: z
    .object({
      inputPerMTokens: z.number(),
      outputPerMTokens: z.number(),
      cachedInputPerMTokens: z.number(),
    })
    .describe(
      "illustrative USD per million tokens on pooled endpoints (not a vendor's price, docs/pricing.md)",
    ),
});
type ModelSpec = z.infer<typeof ModelSpec>;

export const modelCatalog: Record<ModelId, ModelSpec> = {
  "qwen3.7-max": {
    model: "qwen3.7-max",
    provider: "first-party",
    weightsGiB: 1900,
    kvCacheGiB: 320,
    supportedChips: ["zhenwu-m890", "zhenwu-810e"],
    maxContextTokens: 1_000_000,
    pricing: { inputPerMTokens: 1.2, outputPerMTokens: 6, cachedInputPerMTokens: 0.24 },
  },
  "glm-5.1": {
    model: "glm-5.1",
    provider: "third-party",
    weightsGiB: 700,
    kvCacheGiB: 96,
    supportedChips: ["zhenwu-m890", "zhenwu-810e"],
    maxContextTokens: 200_000,
    pricing: { inputPerMTokens: 0.6, outputPerMTokens: 2.2, cachedInputPerMTokens: 0.11 },
  },
  "minimax-m2.7": {
    model: "minimax-m2.7",
    provider: "third-party",
    weightsGiB: 430,
    kvCacheGiB: 64,
    supportedChips: ["zhenwu-m890", "zhenwu-810e"],
    maxContextTokens: 1_000_000,
    pricing: { inputPerMTokens: 0.3, outputPerMTokens: 1.2, cachedInputPerMTokens: 0.03 },
  },
  "kimi-k2.6": {
    model: "kimi-k2.6",
    provider: "third-party",
    weightsGiB: 1000,
    kvCacheGiB: 128,
    supportedChips: ["zhenwu-m890"],
    maxContextTokens: 256_000,
    pricing: { inputPerMTokens: 0.6, outputPerMTokens: 2.5, cachedInputPerMTokens: 0.15 },
  },
  "deepseek-v4-pro": {
    model: "deepseek-v4-pro",
    provider: "third-party",
    weightsGiB: 1300,
    kvCacheGiB: 160,
    supportedChips: ["zhenwu-m890"],
    maxContextTokens: 1_000_000,
    pricing: { inputPerMTokens: 0.55, outputPerMTokens: 2.19, cachedInputPerMTokens: 0.07 },
  },
};

/** The memory-fit rule: chipsPerReplica × memory/chip ≥ 1.2 × weights + KV cache. */
export function memoryFit(
  model: ModelId,
  chipType: ChipType,
  chipsPerReplica: number,
): { fits: boolean; requiredGiB: number; availableGiB: number } {
  const m = modelCatalog[model];
  const chipMemory = chipCatalog[chipType].memoryGiB ?? 0;
  const requiredGiB = Math.ceil(1.2 * m.weightsGiB + m.kvCacheGiB);
  const availableGiB = chipsPerReplica * chipMemory;
  return { fits: availableGiB >= requiredGiB, requiredGiB, availableGiB };
}

/** Whether the chip can be ordered at `now`; roadmap chips cannot until their date. */
function chipAvailable(chipType: ChipType, now: Date): boolean {
  return now.getTime() >= Date.parse(`${chipCatalog[chipType].availableFrom}T00:00:00Z`);
}

/**
 * The catalog's rules for a cluster's chips, checked by preview and by the cloud alike: the chip is
 * orderable at `now`, and its hyper-nodes hold at most the chip's maximum.
 */
export function chipRuleIssues(chipType: ChipType, chipsPerHyperNode: unknown, now: Date): RuleIssue[] {
  const chip = chipCatalog[chipType];
  const issues: RuleIssue[] = [];
  if (!chipAvailable(chipType, now)) {
    issues.push({
      path: "chipType",
      message: `${chipType} is not available until ${chip.availableFrom}`,
      code: "ChipNotAvailable",
      details: { availableFrom: chip.availableFrom },
    });
  }
  const max = chip.maxChipsPerHyperNode;
  if (typeof chipsPerHyperNode === "number" && max !== null && chipsPerHyperNode > max) {
    issues.push({
      path: "chipsPerHyperNode",
      message: `${chipsPerHyperNode} exceeds the ${chipType} maximum of ${max} chips per hyper-node`,
      code: "ValidationError",
      details: { max },
    });
  }
  return issues;
}

/** A region as `GET /v1/catalog/regions` lists it. */
export const RegionInfo = z.object({ region: z.enum(regions), zones: z.array(z.string()) });
