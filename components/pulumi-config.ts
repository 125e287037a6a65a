/**
 * The stack config schema (stack-config.ts) bound to Pulumi: what the program learns from the Pulumi
 * runtime rather than from its own config keys.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackRuntime } from "./stack-config";

/** The region as the AWS provider finds it (`aws:region`, then the environment); secrets as the engine marks them. */
export function pulumiRuntime(): StackRuntime {
    // The engine passes the secret keys with the config; the SDK reads them with this (internal) function.
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    return {
        region: () => new pulumi.Config("aws").get("region") ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined),
        isSecret: isConfigSecret,
    };
}
