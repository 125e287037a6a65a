/** What the Kubernetes test files share: the processor's image, prefixes and pod, the cluster's OIDC issuer, and a container's environment. */
import type { ProcessorPodArgs } from "../../components/builders/kubernetes";
import { ACCOUNT } from "../mocks";

export const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
export const IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.2`;
export const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
export const OIDC_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;

/** A container's environment as name → value. */
export function envOf(container: { env: { name: string; value: string }[] }): Record<string, string> {
    return Object.fromEntries(container.env.map((e) => [e.name, e.value]));
}

/** The processor's pod (service account "processor", bucket data-bucket in eu-west-1): 2 vCPU, 4 GiB, 1 GiB of scratch space, 90 s to stop. */
export const POD: ProcessorPodArgs = {
    containerName: "processor",
    image: IMAGE,
    serviceAccountName: "processor",
    bucketName: "data-bucket",
    region: "eu-west-1",
    prefixes: PREFIXES,
    size: { cpu: 2000, memory: 4096, scratchSizeMiB: 1024, terminationGracePeriodSeconds: 90 },
    labels: { "app.kubernetes.io/name": "processor" },
};
