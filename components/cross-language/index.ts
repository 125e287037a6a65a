/**
 * The components in the form the Pulumi package for other languages hosts (see components/provider):
 * arguments every Pulumi language can express, and the TypeScript components as their children.
 * TypeScript programs use the components from the package's main entry point instead.
 */
export { ArgsOverride, BucketArgs, CapacitySplit, PACKAGE_NAME, Prefixes, RunTaskArgs, Sharding, TaskNetworkArgs, TaskSharding, packageToken } from "./common";
export * from "./kubernetes";
export * from "./network";
export * from "./observability";
export * from "./queue-worker";
export * from "./schedule";
export * from "./storage";
export { CpuArchitecture, ImageBuild, ProcessorTask, ProcessorTaskArgs, ProcessorTaskTransforms, TaskSettings } from "./task";
export * from "./triggers";
