/**
 * The processor as a Kubernetes batch workload on EKS, as plain objects: argument validation, the pod
 * template, Job and CronJob specs, and the IAM trust policies that let the pod's ServiceAccount
 * assume its role (IRSA or EKS Pod Identity). The KubernetesJobs component only wires them to
 * resources; tests read the same objects without mocks.
 */
export * from "./kubernetes-args";
export * from "./kubernetes-cluster";
export * from "./kubernetes-manifests";
