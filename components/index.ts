export * from "./builders";
export * from "./names";
export * from "./upload-bucket";
export * from "./upload-trigger";
export * from "./processing-cluster";
export * from "./processor-task";
export * from "./processing-network";
export * from "./stack-config";
