import * as pulumi from "@pulumi/pulumi";
import { ChipCluster } from "pulumi-agentcloud";

const config = new pulumi.Config();
const hyperNodes = config.getNumber("hyperNodes") ?? 2; // in place
const chipsPerHyperNode = (config.getNumber("chipsPerHyperNode") ?? 128) as 128; // replaces

// Two AL128 hyper-nodes of zhenwu-m890: 256 chips, elastic task scheduling.
const cluster = new ChipCluster("training", {
  region: "cn-hangzhou",
  chipType: "zhenwu-m890",
  chipsPerHyperNode,
  hyperNodeCount: hyperNodes,
  scheduling: "task",
  tags: { team: "agents", purpose: "example" },
});

export const clusterId = cluster.id;
export const clusterName = cluster.name;
export const status = cluster.status;
export const totalChips = cluster.totalChips;
export const totalMemoryGiB = cluster.totalMemoryGiB;
export const interconnect = cluster.interconnect;
