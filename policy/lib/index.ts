/**
 * Shared code of this project's policy packs: reading IAM documents, what AWS says about actions
 * and ARNs, where documents and grants live on @pulumi/aws resources, who a resource policy lets
 * in, which policies apply to a principal, and CloudWatch Logs retention values.
 */
export * from "./access";
export * from "./arn";
export * from "./attachments";
export * from "./documents";
export * from "./iam-actions";
export * from "./iam-document";
export * from "./retention";
export * from "./rule";
export * from "./unknown";
