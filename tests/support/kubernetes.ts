/** What the Kubernetes test files share: the processor's image and prefixes, the cluster's OIDC issuer, and a container's environment. */
import { ACCOUNT } from "../mocks";

export const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
export const IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.2`;
export const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
export const OIDC_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;

/** A container's environment as name → value. */
export function envOf(container: { env: { name: string; value: string }[] }): Record<string, string> {
    return Object.fromEntries(container.env.map((e) => [e.name, e.value]));
}
