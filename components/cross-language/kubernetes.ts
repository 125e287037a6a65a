import * as aws from "../aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ControlPlaneLogType, CronJobTiming, JobOptions, invalid } from "../builders";
import { ClusterChoice, KubernetesJobs as Jobs } from "../kubernetes-jobs";
import { ArgsOverride, BucketArgs, Sharding, existingRole, override, packageToken, processorBucket } from "./common";

/** How pods get AWS credentials. */
export enum PodIdentityMode {
    /** IAM roles for service accounts, through the cluster's IAM OIDC provider. */
    Irsa = "irsa",
    /** EKS Pod Identity (needs EC2 nodes; the Pod Identity Agent add-on is installed). */
    PodIdentity = "pod-identity",
}

/** A small EC2 node group instead of Fargate. */
export interface NodeGroup {
    /** The instance type. Default: "t3.medium" (2 vCPU, 4 GiB: one default-sized processor pod next to the system pods). */
    instanceType?: string;
    /** Nodes to start with. Default: 1. */
    desiredSize?: number;
    /** The fewest nodes. Default: 1. */
    minSize?: number;
    /** The most nodes. Default: 2. */
    maxSize?: number;
}

/** An EKS cluster created by the component. */
export interface CreateEksCluster {
    /** The VPC of the cluster. */
    vpcId: pulumi.Input<string>;
    /** Private subnets in at least two zones, with a route to S3, ECR and STS (NAT or VPC endpoints). */
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster's name; it also names the control-plane log group. Default: "<project>-<stack>-<component name>". */
    name?: string;
    /** Kubernetes version. Default: the version EKS picks for new clusters. */
    version?: pulumi.Input<string>;
    /** CIDR blocks that may reach a public API endpoint. Default: private endpoint only. */
    publicAccessCidrs?: string[];
    /** Control-plane log types sent to CloudWatch Logs (api, audit, authenticator, controllerManager, scheduler); [] turns logging off. Default: ["api", "audit", "authenticator"]. */
    logTypes?: string[];
    /** Retention of the control-plane log group, one of the CloudWatch values. Default: 30. */
    logRetentionDays?: number;
    /** KMS key for the control-plane log group. Default: CloudWatch Logs' own encryption. */
    logGroupKmsKeyArn?: pulumi.Input<string>;
    /** Run pods on a small EC2 node group instead of Fargate. Default: Fargate: a profile for the namespace (and kube-system, for CoreDNS). */
    nodeGroup?: NodeGroup;
    /** How the pod gets its role; "pod-identity" needs `nodeGroup`. Default: "irsa". */
    identity?: PodIdentityMode;
}

/** How each Job runs: one pass over the upload prefix, optionally split into shards (KubernetesJobs' own `JobOptions`). */
export interface JobSettings extends JobOptions {}

/** A Job created on deploy. */
export interface RunOnceJob extends JobSettings {
    /** Let `pulumi up` wait until the Job succeeds, and fail with it. Default: false. */
    waitForCompletion?: boolean;
}

/** What a CronJob does when a run is due while the previous one still runs. */
export enum ConcurrencyPolicy {
    /** Skip the new run. */
    Forbid = "Forbid",
    /** Run both. */
    Allow = "Allow",
    /** Stop the running one and start the new one. */
    Replace = "Replace",
}

/** A CronJob whose Jobs run the processor on a schedule. */
export interface CronJobSchedule extends CronJobTiming {
    /** What to do when a run is due while the previous one still runs. Default: "Forbid" (skip the new run). */
    concurrencyPolicy?: ConcurrencyPolicy;
    /** Settings of the Jobs it starts. Default: the settings of `job`, else the defaults. */
    jobTemplate?: JobSettings;
}

/** Arguments merged over those of the Kubernetes jobs' children. */
export interface KubernetesJobsTransforms {
    /** Merged over the Job's arguments (kubernetes.batch.v1.Job). Default: none. */
    job?: ArgsOverride;
    /** Merged over the CronJob's arguments (kubernetes.batch.v1.CronJob). Default: none. */
    cronJob?: ArgsOverride;
    /** Merged over the pods' IAM role's arguments (aws.iam.Role). Default: none. */
    role?: ArgsOverride;
    /** Merged over the EKS cluster's arguments (eks.Cluster), when created. Default: none. */
    cluster?: ArgsOverride;
    /** Merged over the control-plane log group's arguments (aws.cloudwatch.LogGroup), when the cluster is created. Default: none. */
    controlPlaneLogGroup?: ArgsOverride;
}

export interface KubernetesJobsArgs extends BucketArgs {
    /** The processor image URI (a ProcessorTask's `imageUri`). */
    image: pulumi.Input<string>;
    /** Create an EKS cluster; cannot be combined with `kubeconfig`. Default: use an existing cluster through `kubeconfig`. */
    createCluster?: CreateEksCluster;
    /** A kubeconfig (JSON or YAML; pass a secret) for an existing cluster; cannot be combined with `createCluster`. Default: none. */
    kubeconfig?: pulumi.Input<string>;
    /** An existing cluster's IAM OIDC provider ARN, for IAM roles for service accounts (with `oidcProviderUrl`). Default: none. */
    oidcProviderArn?: pulumi.Input<string>;
    /** An existing cluster's OIDC issuer URL, for IAM roles for service accounts (with `oidcProviderArn`). Default: none. */
    oidcProviderUrl?: pulumi.Input<string>;
    /** An existing cluster's name, for EKS Pod Identity (instead of the OIDC provider). Default: none. */
    eksClusterName?: pulumi.Input<string>;
    /** The namespace the workload runs in. Default: the component's name. */
    namespace?: string;
    /** Create the namespace, with the "restricted" Pod Security Standard enforced; false uses an existing one. Default: true. */
    createNamespace?: boolean;
    /** The ServiceAccount the pods run as (created here). Default: "processor". */
    serviceAccountName?: string;
    /** The processor container's name. Default: "processor". */
    containerName?: string;
    /** CPU in millicores (1000 = 1 vCPU), 250–16000; requests = limits. Default: 1000. */
    cpu?: number;
    /** Memory in MiB, 128–122880; requests = limits. Default: 2048. */
    memory?: number;
    /** Size limit of the /tmp scratch volume in MiB, 64–204800. Default: 2048. */
    scratchSizeMib?: number;
    /** Seconds between SIGTERM and SIGKILL (2–120). Default: 60. */
    terminationGracePeriodSeconds?: number;
    /** Extra environment variables; the ones the component sets cannot be replaced. Default: none. */
    environment?: Record<string, pulumi.Input<string>>;
    /** Your own job for each file (e.g. ["python3", "/app/job/main.py"]): the container's `args`, run by the image's entry point (the processor runtime). Default: the image's CMD: in our image, none (the built-in summariser). */
    command?: string[];
    /** Byte-range shards of large files: with `job.shards` (or the CronJob's) above 1, each pod of the Indexed Job takes its range (docs/sharding.md). Default: off. */
    sharding?: Sharding;
    /** Run once now: a Job created on deploy. Give `job`, `cronJob` or both. Default: no Job. */
    job?: RunOnceJob;
    /** Run on a schedule: a CronJob. Give `job`, `cronJob` or both. Default: no CronJob. */
    cronJob?: CronJobSchedule;
    /** A role of yours that the pods run as (it must trust the ServiceAccount); no role or policy is created, so it must allow what docs/components.md lists for KubernetesJobs' `role`. Default: a role created here. */
    existingRoleArn?: pulumi.Input<string>;
    /** Arguments merged over those of the Kubernetes jobs' children. Default: none. */
    transform?: KubernetesJobsTransforms;
}

/**
 * The processor as a Kubernetes Job (run on deploy) and/or CronJob on EKS, running batch mode over the
 * upload prefix, optionally sharded, in a namespace with the "restricted" Pod Security Standard, as a
 * ServiceAccount whose IAM role (IRSA or EKS Pod Identity) has exactly the ECS task role's permissions.
 */
export class KubernetesJobs extends pulumi.ComponentResource {
    /** The namespace the workload runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** The ServiceAccount the pods run as. */
    public readonly serviceAccountName: pulumi.Output<string>;
    /** The pods' IAM role. */
    public readonly roleArn: pulumi.Output<string>;
    /** The EKS cluster's name, when created here. */
    public readonly clusterName?: pulumi.Output<string>;

    constructor(name: string, args: KubernetesJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("KubernetesJobs"), name, {}, opts);
        const t = args.transform;
        const jobs = new Jobs(
            name,
            {
                cluster: clusterChoice(name, args),
                image: args.image,
                bucket: processorBucket(name, args),
                namespace: { name: args.namespace, create: args.createNamespace },
                serviceAccountName: args.serviceAccountName,
                containerName: args.containerName,
                cpu: args.cpu,
                memory: args.memory,
                scratchSizeMiB: args.scratchSizeMib,
                terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
                environment: args.environment,
                command: args.command,
                sharding: args.sharding,
                job: args.job,
                cronJob: args.cronJob,
                role: existingRole(args.existingRoleArn),
                transform: {
                    job: override<k8s.batch.v1.JobArgs>(t?.job),
                    cronJob: override<k8s.batch.v1.CronJobArgs>(t?.cronJob),
                    role: override<aws.iam.RoleArgs>(t?.role),
                    cluster: override<eks.ClusterArgs>(t?.cluster),
                    controlPlaneLogGroup: override<aws.cloudwatch.LogGroupArgs>(t?.controlPlaneLogGroup),
                },
            },
            { parent: this },
        );
        this.namespace = pulumi.output(jobs.namespace);
        this.serviceAccountName = pulumi.output(jobs.serviceAccountName);
        this.roleArn = jobs.roleArn;
        this.clusterName = jobs.clusterName === undefined ? undefined : pulumi.output(jobs.clusterName);
        this.registerOutputs({ namespace: this.namespace, serviceAccountName: this.serviceAccountName, roleArn: this.roleArn, clusterName: this.clusterName });
    }
}

/** The TypeScript component's cluster choice: `createCluster`, or an existing cluster through `kubeconfig`. */
function clusterChoice(name: string, args: KubernetesJobsArgs): ClusterChoice {
    const { createCluster, kubeconfig } = args;
    if (createCluster !== undefined && kubeconfig !== undefined) {
        invalid(`${name}.createCluster`, "<set>", `cannot be combined with ${name}.kubeconfig`, "create a cluster, or give the kubeconfig of an existing one");
    }
    if (createCluster !== undefined) {
        const existingOnly = (["oidcProviderArn", "oidcProviderUrl", "eksClusterName"] as const).find((k) => args[k] !== undefined);
        if (existingOnly !== undefined) {
            invalid(`${name}.${existingOnly}`, "<set>", `cannot be combined with ${name}.createCluster`, "it describes an existing cluster; leave it unset when the cluster is created here");
        }
        return { create: { ...createCluster, logTypes: createCluster.logTypes as ControlPlaneLogType[] | undefined } };
    }
    if (kubeconfig === undefined) {
        invalid(`${name}.kubeconfig`, undefined, `is not set and neither is ${name}.createCluster`, "give the kubeconfig of an existing cluster, or createCluster to build one");
    }
    if (args.eksClusterName !== undefined) {
        const oidc = (["oidcProviderArn", "oidcProviderUrl"] as const).find((k) => args[k] !== undefined);
        if (oidc !== undefined) {
            invalid(`${name}.eksClusterName`, "<set>", `cannot be combined with ${name}.${oidc}`, "give the OIDC provider for IRSA or the cluster name for EKS Pod Identity, not both");
        }
        return { existing: { kubeconfig, clusterName: args.eksClusterName } };
    }
    const [oidcProviderArn, oidcProviderUrl] = [args.oidcProviderArn, args.oidcProviderUrl];
    if (oidcProviderArn === undefined || oidcProviderUrl === undefined) {
        const missing = oidcProviderArn === undefined ? "oidcProviderArn" : "oidcProviderUrl";
        invalid(`${name}.${missing}`, undefined, "is not set", `an existing cluster needs oidcProviderArn and oidcProviderUrl (IRSA) or eksClusterName (EKS Pod Identity)`);
    }
    return { existing: { kubeconfig, oidcProviderArn, oidcProviderUrl } };
}
