import * as aws from "./aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { taskRolePolicy } from "./builders/iam";
import * as kube from "./builders/kubernetes";
import { validateJobCommand } from "./builders/container";
import { ShardingSettings, shardingEnvironment, validateSharding } from "./builders/sharding";
import { validatePrefixes } from "./builders/prefixes";
import { DEFAULT_LOG_RETENTION_DAYS, validateRetention } from "./builders/retention";
import { Transform, applyTransform, transformed } from "./builders/transform";
import { invalid, requireIntegerInRange } from "./builders/validation";
import { ExistingRole, existingRoleArn, useOrCreateRole } from "./overrides";
import { PROJECT, typeToken } from "./names";
import { ProcessorBucket } from "./processor-task";

/** How pods get AWS credentials: IAM roles for service accounts, or EKS Pod Identity. */
export type PodIdentityMode = "irsa" | "pod-identity";

/** A small EC2 node group instead of Fargate. */
export interface NodeGroupArgs {
    /** @default "t3.medium" (2 vCPU, 4 GiB: one default-sized processor pod next to the system pods) */
    instanceType?: string;
    /** @default 1 */
    desiredSize?: number;
    /** @default 1 */
    minSize?: number;
    /** @default 2 */
    maxSize?: number;
}

/** An EKS cluster created by this component (with `@pulumi/eks`). */
export interface CreateClusterArgs {
    /** The VPC of the cluster. */
    vpcId: pulumi.Input<string>;
    /**
     * Private subnets (in at least two zones) for the control plane's network interfaces and the
     * pods; they need a route to S3, ECR and STS (NAT or VPC endpoints). Fargate pods only run in
     * private subnets.
     */
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The cluster's name; it also names the control-plane log group `/aws/eks/<name>/cluster`.
     * @default "<project>-<stack>-<component name>"
     */
    name?: string;
    /** Kubernetes version. @default the version EKS picks for new clusters */
    version?: pulumi.Input<string>;
    /**
     * CIDR blocks that may reach a public API endpoint. The private endpoint is always on; without
     * this the API is reachable only from inside the VPC (so `pulumi up` must run there too).
     * @default private endpoint only
     * @example ["203.0.113.0/24"]
     */
    publicAccessCidrs?: string[];
    /**
     * Control-plane log types sent to CloudWatch Logs; `[]` turns control-plane logging off.
     * @default ["api", "audit", "authenticator"]
     */
    logTypes?: kube.ControlPlaneLogType[];
    /** Retention of the control-plane log group, one of the CloudWatch values. @default 30 */
    logRetentionDays?: number;
    /** KMS key for the control-plane log group. @default CloudWatch Logs' own encryption */
    logGroupKmsKeyArn?: pulumi.Input<string>;
    /**
     * Run pods on a small EC2 node group instead of Fargate. Fargate needs no nodes (nothing to patch
     * or pay for while no Job runs) and keeps pods away from any node's instance role; EKS Pod
     * Identity, however, does not work on Fargate.
     * @default Fargate: a profile for the namespace (and kube-system, for CoreDNS)
     */
    nodeGroup?: NodeGroupArgs;
    /**
     * How the pod gets its role. `"pod-identity"` needs `nodeGroup` and installs the EKS Pod Identity
     * Agent add-on; `"irsa"` creates the cluster's IAM OIDC provider.
     * @default "irsa"
     */
    identity?: PodIdentityMode;
}

/** A cluster managed elsewhere, with IAM roles for service accounts. */
export interface ExistingIrsaCluster {
    /** A kubeconfig for the cluster (JSON or YAML). */
    kubeconfig: pulumi.Input<string>;
    /** ARN of the cluster's IAM OIDC provider. */
    oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`; the scheme is optional). */
    oidcProviderUrl: pulumi.Input<string>;
}

/** A cluster managed elsewhere, with EKS Pod Identity (the Pod Identity Agent add-on must be installed). */
export interface ExistingPodIdentityCluster {
    /** A kubeconfig for the cluster (JSON or YAML). */
    kubeconfig: pulumi.Input<string>;
    /** The EKS cluster's name, for the Pod Identity association. */
    clusterName: pulumi.Input<string>;
}

export type ClusterChoice = { create: CreateClusterArgs } | { existing: ExistingIrsaCluster | ExistingPodIdentityCluster };

export interface KubernetesJobsArgs {
    /**
     * The cluster: `{ create: {...} }` builds one, `{ existing: {...} }` uses one managed elsewhere
     * (with `oidcProviderArn` + `oidcProviderUrl` for IRSA, or `clusterName` for Pod Identity).
     */
    cluster: ClusterChoice;
    /** The processor image URI (a ProcessorTask's `imageUri` fits). */
    image: pulumi.Input<string>;
    /** The bucket the processor works on. */
    bucket: ProcessorBucket;
    /**
     * The namespace the workload runs in. With `create` (the default) it is created with the Pod
     * Security Standard "restricted" enforced; otherwise it must exist.
     * @default { name: <component name>, create: true }
     */
    namespace?: { name?: string; create?: boolean };
    /** The ServiceAccount the pods run as (created here). @default "processor" */
    serviceAccountName?: string;
    /**
     * The role the pods run as: by default one created here, trusted only by this namespace's
     * ServiceAccount (IRSA: the cluster's OIDC provider; Pod Identity: `pods.eks.amazonaws.com`), with the
     * ECS task role's permissions. `{ existing: { arn } }`: a role of yours, named in the ServiceAccount's
     * annotation (IRSA) or the Pod Identity association; no role or policy is created, and yours must
     * trust the ServiceAccount that way and allow `s3:GetObject` on the upload and status prefixes,
     * `s3:ListBucket` on them, `s3:PutObject` and `s3:AbortMultipartUpload` on the output and status
     * prefixes, `kms:Decrypt` and `kms:GenerateDataKey` on the bucket's key (with SSE-KMS), and with
     * sharding `s3:GetObject`, `s3:PutObject`, `s3:DeleteObject`, `s3:ListBucket` on the partials prefix.
     * Cannot be combined with `transform.role` or `transform.rolePolicy`. `false` is refused: the processor
     * reads and writes S3 with this role. The control-plane log group (`cluster.create`) takes no
     * `existing`: EKS writes to `/aws/eks/<cluster name>/cluster` only; `logTypes: []` turns it off.
     * @default a role created here
     */
    role?: ExistingRole;
    /** The processor container's name. @default "processor" */
    containerName?: string;
    /** CPU in millicores (1000 = 1 vCPU), 250–16000; requests = limits. @default 1000 */
    cpu?: number;
    /** Memory in MiB, 128–122880; requests = limits. @default 2048 */
    memory?: number;
    /** Size limit of the /tmp scratch volume in MiB, 64–204800. @default 2048 */
    scratchSizeMiB?: number;
    /** Seconds between SIGTERM and SIGKILL (2–120); the processor gets 5 s less to record `interrupted`. @default 60 */
    terminationGracePeriodSeconds?: number;
    /** Extra environment variables; the ones this component sets cannot be replaced. */
    environment?: Record<string, pulumi.Input<string>>;
    /**
     * Byte-range shards of large files (docs/sharding.md): with `job.shards` (or the CronJob's) above
     * 1, every pod of the Indexed Job takes its byte range (JOB_COMPLETION_INDEX) of each file above
     * `aboveBytes`, and the last merges; the role may then read, write, list and delete under
     * `partialsPrefix`. Without shards, large files run whole in one pod as before.
     * @default off
     */
    sharding?: ShardingSettings;
    /**
     * Your own job for each file, as ProcessorTask's `command`: the container's `args`, so the
     * image's entry point (the processor runtime) runs it. `$` reaches the command as it is written.
     * @default the image's CMD: in our image, none (the built-in summariser)
     * @example ["python3", "/app/job/main.py"]
     */
    command?: string[];
    /**
     * Run once now: a Job created on deploy (created again only when replaced). Give `job`,
     * `cronJob` or both.
     * @default no Job
     */
    job?: kube.JobOptions & {
        /** Let `pulumi up` wait until the Job succeeds (and fail with it). @default false */
        waitForCompletion?: boolean;
    };
    /**
     * Run on a schedule: a CronJob whose Jobs have the same pod template.
     * @default no CronJob
     */
    cronJob?: kube.CronJobOptions & {
        /** Settings of the Jobs it starts. @default the settings of `job`, else the defaults */
        jobTemplate?: kube.JobOptions;
    };
    /**
     * Overrides for each child resource: a partial arguments object merged over ours, or a function
     * `(args, opts, name)` that edits them (see builders/transform.ts; the first five get copies of the
     * arguments only).
     */
    transform?: {
        job?: Transform<k8s.batch.v1.JobArgs>;
        cronJob?: Transform<k8s.batch.v1.CronJobArgs>;
        role?: Transform<aws.iam.RoleArgs>;
        cluster?: Transform<eks.ClusterArgs>;
        controlPlaneLogGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
        provider?: Transform<k8s.ProviderArgs, pulumi.CustomResourceOptions>;
        namespace?: Transform<k8s.core.v1.NamespaceArgs, pulumi.CustomResourceOptions>;
        rolePolicy?: Transform<aws.iam.RolePolicyArgs, pulumi.CustomResourceOptions>;
        serviceAccount?: Transform<k8s.core.v1.ServiceAccountArgs, pulumi.CustomResourceOptions>;
        podIdentityAssociation?: Transform<aws.eks.PodIdentityAssociationArgs, pulumi.CustomResourceOptions>;
        podIdentityAgent?: Transform<aws.eks.AddonArgs, pulumi.CustomResourceOptions>;
    };
}

/** What the pod's role trusts, once the cluster is known. */
type Identity =
    | { mode: "irsa"; oidcProviderArn: pulumi.Input<string>; issuer: pulumi.Input<string> }
    | { mode: "pod-identity"; clusterName: pulumi.Input<string> };

interface ClusterPlan {
    create?: {
        name: string;
        logTypes: kube.ControlPlaneLogType[];
        retention: number;
        publicAccessCidrs?: string[];
        nodeGroup?: Required<NodeGroupArgs>;
        identity: PodIdentityMode;
    };
    existing?: { mode: PodIdentityMode };
}

const DEFAULT_NODE_GROUP: Required<NodeGroupArgs> = { instanceType: "t3.medium", desiredSize: 1, minSize: 1, maxSize: 2 };

/**
 * The processor as a Kubernetes batch workload on EKS: a Job (run on deploy) and/or a CronJob (on a
 * schedule) running `PROCESSOR_MODE=batch` over the upload prefix, optionally sharded, in a
 * namespace with the "restricted" Pod Security Standard, as a ServiceAccount whose IAM role (IRSA
 * or EKS Pod Identity) has exactly the ECS task role's permissions. The cluster is created here
 * (Fargate or a small node group, API authentication mode, private endpoint, control-plane logs in
 * a log group with retention) or given.
 */
export class KubernetesJobs extends pulumi.ComponentResource {
    /** The EKS cluster, when created here. */
    public readonly cluster?: eks.Cluster;
    /** Its name, when created here. */
    public readonly clusterName?: string;
    /** The control-plane log group, when the cluster is created here with logging on. */
    public readonly controlPlaneLogGroup?: aws.cloudwatch.LogGroup;
    /** The Kubernetes provider every object of this component is created with. */
    public readonly provider: k8s.Provider;
    /** The namespace the pods run in. */
    public readonly namespace: string;
    /** The ServiceAccount the pods run as. */
    public readonly serviceAccountName: string;
    /** IRSA or EKS Pod Identity. */
    public readonly identity: PodIdentityMode;
    /** The role the pods run as, when created here (not with `role: { existing }`). */
    public readonly role?: aws.iam.Role;
    /** The ARN of the role the pods run as. */
    public readonly roleArn: pulumi.Output<string>;
    /** The Job, when `job` is given. */
    public readonly job?: k8s.batch.v1.Job;
    /** The CronJob, when `cronJob` is given. */
    public readonly cronJob?: k8s.batch.v1.CronJob;
    /** The validated pod size. */
    public readonly size: kube.PodSize;

    constructor(name: string, args: KubernetesJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("kubernetes", "KubernetesJobs"), name, {}, opts);
        const s = settleKubernetesJobs(name, args);
        this.namespace = s.namespaceName;
        this.serviceAccountName = s.serviceAccountName;
        this.size = s.size;
        this.identity = s.plan.create?.identity ?? s.plan.existing?.mode ?? "irsa";

        const cluster = this.connectCluster(name, args, s.plan, s.namespaceName);
        this.cluster = cluster.created?.cluster;
        this.clusterName = cluster.created?.name;
        this.controlPlaneLogGroup = cluster.created?.logGroup;
        this.provider = new k8s.Provider(...transformed(args.transform?.provider, `${name}-provider`, { kubeconfig: pulumi.secret(cluster.kubeconfig) }, { parent: this }));
        const k8sOpts = (more: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: this.provider,
            dependsOn: [...cluster.waitFor, ...more],
        });
        const labels = kube.processorLabels(labelValue(name), PROJECT);
        const namespaceRef = this.createNamespace(name, args, s.createNamespace, labels, k8sOpts());
        ({ role: this.role, arn: this.roleArn } = useOrCreateRole(s.existingRole, () => this.createRole(name, cluster.identity, args, s.sharding)));
        const podReady = this.createServiceAccount(name, args, cluster.identity, namespaceRef, labels, k8sOpts(), cluster.waitFor);
        const template = this.podTemplate(args, s, labels);
        if (s.job !== undefined) {
            this.job = this.createJob(name, namespaceRef, labels, template, s.job, args, k8sOpts(podReady));
        }
        if (s.cron !== undefined) {
            this.cronJob = this.createCronJob(name, namespaceRef, labels, template, s.cron.template, s.cron.schedule, args, k8sOpts(podReady));
        }

        this.registerOutputs({
            clusterName: this.clusterName,
            namespace: this.namespace,
            serviceAccountName: this.serviceAccountName,
            roleArn: this.roleArn,
            jobName: this.job?.metadata.name,
            cronJobName: this.cronJob?.metadata.name,
        });
    }

    /** The cluster created here or given: what the pod's role trusts, a kubeconfig, and what objects must wait for. */
    private connectCluster(
        name: string,
        args: KubernetesJobsArgs,
        plan: ClusterPlan,
        namespaceName: string,
    ): {
        identity: Identity;
        kubeconfig: pulumi.Input<string>;
        waitFor: pulumi.Resource[];
        created?: { cluster: eks.Cluster; name: string; logGroup?: aws.cloudwatch.LogGroup };
    } {
        if (plan.create === undefined) {
            const existing = (args.cluster as { existing: ExistingIrsaCluster & ExistingPodIdentityCluster }).existing;
            const identity: Identity =
                plan.existing?.mode === "pod-identity"
                    ? { mode: "pod-identity", clusterName: existing.clusterName }
                    : { mode: "irsa", oidcProviderArn: existing.oidcProviderArn, issuer: existing.oidcProviderUrl };
            return { identity, kubeconfig: existing.kubeconfig, waitFor: [] };
        }
        const created = this.createCluster(name, args.cluster as { create: CreateClusterArgs }, plan.create, namespaceName, args);
        const identity: Identity =
            plan.create.identity === "irsa"
                ? { mode: "irsa", oidcProviderArn: created.cluster.oidcProviderArn, issuer: created.cluster.oidcIssuer }
                : { mode: "pod-identity", clusterName: plan.create.name };
        // The kubeconfig is used only once the compute the pods need (Fargate profile or nodes) exists.
        const kubeconfig = pulumi
            .all([created.cluster.kubeconfigJson, created.cluster.fargateProfileId, created.cluster.defaultNodeGroupAsgName])
            .apply(([config]) => config);
        return { identity, kubeconfig, waitFor: [created.cluster, ...created.addons], created: { cluster: created.cluster, name: plan.create.name, logGroup: created.logGroup } };
    }

    /** The namespace, created here with the "restricted" Pod Security Standard, or named. */
    private createNamespace(name: string, args: KubernetesJobsArgs, create: boolean, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
        if (!create) {
            return pulumi.output(this.namespace);
        }
        const namespace = new k8s.core.v1.Namespace(
            ...transformed(args.transform?.namespace, `${name}-namespace`, { metadata: { name: this.namespace, labels: { ...kube.restrictedNamespaceLabels(), ...labels } } }, opts),
        );
        return namespace.metadata.name;
    }

    /** The ServiceAccount bound to the role (and, with Pod Identity, the association): what pods wait for. */
    private createServiceAccount(
        name: string,
        args: KubernetesJobsArgs,
        identity: Identity,
        namespaceRef: pulumi.Output<string>,
        labels: Record<string, string>,
        opts: pulumi.CustomResourceOptions,
        clusterReady: pulumi.Resource[],
    ): pulumi.Resource[] {
        const t = args.transform ?? {};
        const serviceAccount = new k8s.core.v1.ServiceAccount(...transformed(t.serviceAccount, `${name}-service-account`, {
            metadata: {
                name: this.serviceAccountName,
                namespace: namespaceRef,
                labels,
                annotations: this.roleArn.apply((arn) => kube.serviceAccountAnnotations(this.identity, arn)),
            },
            automountServiceAccountToken: false,
        }, opts));
        if (identity.mode !== "pod-identity") {
            return [serviceAccount];
        }
        const association = new aws.eks.PodIdentityAssociation(...transformed(t.podIdentityAssociation, `${name}-pod-identity`, {
            clusterName: identity.clusterName,
            namespace: this.namespace,
            serviceAccount: this.serviceAccountName,
            roleArn: this.roleArn,
        }, { parent: this, dependsOn: clusterReady }));
        return [serviceAccount, association];
    }

    /** The pod template for a shard count (the Job's and the CronJob's may differ). */
    private podTemplate(args: KubernetesJobsArgs, s: SettledKubernetesJobs, labels: Record<string, string>): (shardCount: number | undefined) => pulumi.Output<kube.PodTemplate> {
        const region = aws.getRegionOutput({}, { parent: this }).region;
        return (shardCount) =>
            pulumi.all([args.image, args.bucket.bucketName, region, pulumi.output(args.environment ?? {})]).apply(([image, bucketName, r, environment]) =>
                kube.processorPodTemplate({
                    containerName: s.containerName,
                    image,
                    serviceAccountName: this.serviceAccountName,
                    bucketName,
                    region: r,
                    prefixes: s.prefixes,
                    size: this.size,
                    labels,
                    shardCount,
                    environment: { ...environment, ...(s.sharding ? shardingEnvironment(s.sharding) : {}) },
                    command: s.command,
                }),
            );
    }

    /** The EKS cluster, its control-plane log group (created first, with retention) and add-ons. */
    private createCluster(
        name: string,
        choice: { create: CreateClusterArgs },
        plan: NonNullable<ClusterPlan["create"]>,
        namespaceName: string,
        args: KubernetesJobsArgs,
    ): { cluster: eks.Cluster; logGroup?: aws.cloudwatch.LogGroup; addons: aws.eks.Addon[] } {
        const c = choice.create;
        const logGroup =
            plan.logTypes.length === 0
                ? undefined
                : new aws.cloudwatch.LogGroup(
                      `${name}-control-plane-logs`,
                      applyTransform<aws.cloudwatch.LogGroupArgs>(
                          { name: kube.controlPlaneLogGroupName(plan.name), retentionInDays: plan.retention, kmsKeyId: c.logGroupKmsKeyArn },
                          args.transform?.controlPlaneLogGroup,
                      ),
                      { parent: this },
                  );
        // Fargate: no default node group, so no unused node role either.
        const compute: Partial<eks.ClusterArgs> =
            plan.nodeGroup === undefined
                ? { fargate: { selectors: [{ namespace: namespaceName }, { namespace: "kube-system" }] }, skipDefaultNodeGroup: true }
                : {
                      instanceType: plan.nodeGroup.instanceType,
                      desiredCapacity: plan.nodeGroup.desiredSize,
                      minSize: plan.nodeGroup.minSize,
                      maxSize: plan.nodeGroup.maxSize,
                      nodeAssociatePublicIpAddress: false,
                      nodeRootVolumeEncrypted: true,
                  };
        const cluster = new eks.Cluster(
            `${name}-cluster`,
            applyTransform<eks.ClusterArgs>(
                {
                    name: plan.name,
                    version: c.version,
                    vpcId: c.vpcId,
                    privateSubnetIds: c.privateSubnetIds,
                    authenticationMode: "API",
                    endpointPrivateAccess: true,
                    endpointPublicAccess: plan.publicAccessCidrs !== undefined,
                    publicAccessCidrs: plan.publicAccessCidrs,
                    enabledClusterLogTypes: plan.logTypes.length === 0 ? undefined : plan.logTypes,
                    createOidcProvider: plan.identity === "irsa",
                    ...compute,
                },
                args.transform?.cluster,
            ),
            // EKS creates the log group itself (never expiring) if it does not exist when logging starts.
            { parent: this, dependsOn: logGroup ? [logGroup] : [] },
        );
        const addons: aws.eks.Addon[] = [];
        if (plan.identity === "pod-identity") {
            addons.push(
                new aws.eks.Addon(...transformed(args.transform?.podIdentityAgent, `${name}-pod-identity-agent`, {
                    clusterName: plan.name,
                    addonName: "eks-pod-identity-agent",
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                }, { parent: this, dependsOn: [cluster] })),
            );
        }
        return { cluster, logGroup, addons };
    }

    /** The pods' role: trusted only by this ServiceAccount (IRSA) or by Pod Identity for it; the ECS task role's permissions. */
    private createRole(name: string, identity: Identity, args: KubernetesJobsArgs, sharding: SettledKubernetesJobs["sharding"]): aws.iam.Role {
        const subject = { namespace: this.namespace, serviceAccount: this.serviceAccountName };
        const trust =
            identity.mode === "irsa"
                ? pulumi
                      .all([identity.oidcProviderArn, identity.issuer])
                      .apply(([oidcProviderArn, issuer]) => JSON.stringify(kube.irsaTrustPolicy({ ...subject, oidcProviderArn, issuer: kube.oidcIssuerHost(issuer) })))
                : pulumi.output(identity.clusterName).apply((clusterName) => JSON.stringify(kube.podIdentityTrustPolicy({ ...subject, clusterName })));
        const role = new aws.iam.Role(
            `${name}-role`,
            applyTransform<aws.iam.RoleArgs>(
                {
                    description: `Processor pods of ${this.namespace}/${this.serviceAccountName}: read ${args.bucket.prefixes.upload}, write ${args.bucket.prefixes.output} and ${args.bucket.prefixes.status}`,
                    assumeRolePolicy: trust,
                },
                args.transform?.role,
            ),
            { parent: this },
        );
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const prefixes = args.bucket.prefixes;
        new aws.iam.RolePolicy(...transformed(args.transform?.rolePolicy, `${name}-policy`, {
            role: role.id,
            policy: pulumi.all([args.bucket.bucketArn, args.bucket.kmsKeyArn, region]).apply(([bucketArn, keyArn, r]) =>
                JSON.stringify(
                    taskRolePolicy({
                        bucketArn,
                        uploadPrefix: prefixes.upload,
                        outputPrefix: prefixes.output,
                        statusPrefix: prefixes.status,
                        kms: keyArn === undefined ? undefined : { keyArn, region: r },
                        sharding: sharding && { partialsPrefix: sharding.partialsPrefix },
                    }),
                ),
            ),
        }, { parent: this }));
        return role;
    }

    private createJob(
        name: string,
        namespace: pulumi.Input<string>,
        labels: Record<string, string>,
        template: (shardCount: number | undefined) => pulumi.Output<kube.PodTemplate>,
        job: kube.NormalisedJob,
        args: KubernetesJobsArgs,
        opts: pulumi.CustomResourceOptions,
    ): k8s.batch.v1.Job {
        // Without the annotation `pulumi up` would wait for the Job to finish (and time out after 10 minutes).
        const annotations: Record<string, string> = args.job?.waitForCompletion ? {} : { "pulumi.com/skipAwait": "true" };
        return new k8s.batch.v1.Job(
            `${name}-job`,
            applyTransform<k8s.batch.v1.JobArgs>(
                {
                    metadata: { namespace, labels, annotations },
                    spec: template(job.shards).apply((t) => kube.jobSpec(t, job)),
                },
                args.transform?.job,
            ),
            opts,
        );
    }

    private createCronJob(
        name: string,
        namespace: pulumi.Input<string>,
        labels: Record<string, string>,
        template: (shardCount: number | undefined) => pulumi.Output<kube.PodTemplate>,
        job: kube.NormalisedJob,
        cron: kube.NormalisedCronJob,
        args: KubernetesJobsArgs,
        opts: pulumi.CustomResourceOptions,
    ): k8s.batch.v1.CronJob {
        return new k8s.batch.v1.CronJob(
            `${name}-cron-job`,
            applyTransform<k8s.batch.v1.CronJobArgs>(
                {
                    metadata: { namespace, labels },
                    spec: template(job.shards).apply((t) => kube.cronJobSpec(t, job, cron)),
                },
                args.transform?.cronJob,
            ),
            opts,
        );
    }
}

/** KubernetesJobs' arguments, validated (errors name `<name>.<field>`), with defaults applied. */
function settleKubernetesJobs(name: string, args: KubernetesJobsArgs) {
    const field = (f: string) => `${name}.${f}`;
    if (args.job === undefined && args.cronJob === undefined) {
        invalid(field("job"), undefined, `is not set and neither is ${field("cronJob")}`, "give job (run once on deploy), cronJob (run on a schedule) or both");
    }
    const plan = planCluster(name, args.cluster, field);
    const prefixes = validatePrefixes(args.bucket.prefixes, {
        upload: field("bucket.prefixes.upload"),
        output: field("bucket.prefixes.output"),
        status: field("bucket.prefixes.status"),
    });
    const namespaceName = kube.validateNamespaceName(args.namespace?.name ?? name, field("namespace.name"));
    const createNamespace = args.namespace?.create ?? true;
    if (createNamespace && (namespaceName === "default" || namespaceName.startsWith("kube-"))) {
        invalid(field("namespace.name"), namespaceName, "is a namespace Kubernetes creates itself", `choose another name, or set ${field("namespace.create")} to false to use it`);
    }
    const serviceAccountName = kube.validateObjectName(args.serviceAccountName ?? "processor", field("serviceAccountName"));
    const containerName = kube.validateDnsLabel(args.containerName ?? "processor", field("containerName"), "a container name");
    const size = kube.validatePodSize(args, (f) => field(f));
    for (const reserved of kube.RESERVED_BATCH_ENVIRONMENT) {
        if (args.environment && reserved in args.environment) {
            const value = args.environment[reserved];
            invalid(field(`environment.${reserved}`), typeof value === "string" ? value : "<output>", "is set by the component", "choose another variable name");
        }
    }
    const command = args.command === undefined ? undefined : validateJobCommand(args.command, field("command"));
    const sharding =
        args.sharding === undefined ? undefined : validateSharding(args.sharding, field("sharding"), [prefixes.upload, prefixes.output, prefixes.status], command !== undefined);
    const job = args.job === undefined ? undefined : kube.normaliseJob(args.job, field("job"));
    const cron =
        args.cronJob === undefined
            ? undefined
            : {
                  schedule: kube.normaliseCronJob(args.cronJob, field("cronJob")),
                  template: args.cronJob.jobTemplate === undefined ? job ?? kube.normaliseJob(undefined, field("cronJob.jobTemplate")) : kube.normaliseJob(args.cronJob.jobTemplate, field("cronJob.jobTemplate")),
              };
    const t = args.transform ?? {};
    const existingRole = existingRoleArn(
        field("role"),
        args.role,
        { [field("transform.role")]: t.role, [field("transform.rolePolicy")]: t.rolePolicy },
        "the processor reads and writes S3 with this role",
    );
    return { plan, prefixes, namespaceName, createNamespace, serviceAccountName, containerName, size, command, sharding, job, cron, existingRole };
}

type SettledKubernetesJobs = ReturnType<typeof settleKubernetesJobs>;

/** A label value (at most 63 letters, digits, `-`, `_`, `.`, alphanumeric at both ends) from a component name. */
function labelValue(text: string): string {
    return text.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "processor";
}

/** Checks the cluster argument and settles what will be created or used. */
function planCluster(name: string, choice: ClusterChoice, field: (f: string) => string): ClusterPlan {
    const hasCreate = choice !== undefined && "create" in choice && choice.create !== undefined;
    const hasExisting = choice !== undefined && "existing" in choice && choice.existing !== undefined;
    if (hasCreate === hasExisting) {
        invalid(field("cluster"), hasCreate ? "<create and existing>" : choice, hasCreate ? "gives both create and existing" : "names no cluster", "give { create: {...} } to build one or { existing: {...} } to use one");
    }
    if (hasExisting) {
        const e = (choice as { existing: Partial<ExistingIrsaCluster & ExistingPodIdentityCluster> }).existing;
        const f = (n: string) => field(`cluster.existing.${n}`);
        if (e.kubeconfig === undefined) {
            invalid(f("kubeconfig"), undefined, "is not set", "give a kubeconfig for the cluster");
        }
        const irsa = e.oidcProviderArn !== undefined || e.oidcProviderUrl !== undefined;
        const podIdentity = e.clusterName !== undefined;
        if (irsa && podIdentity) {
            invalid(f("clusterName"), "<set>", `cannot be combined with ${f("oidcProviderArn")}/${f("oidcProviderUrl")}`, "give the OIDC provider for IRSA or the cluster name for EKS Pod Identity, not both");
        }
        if (!irsa && !podIdentity) {
            invalid(f("oidcProviderArn"), undefined, `is not set and neither is ${f("clusterName")}`, "give oidcProviderArn and oidcProviderUrl (IRSA) or clusterName (EKS Pod Identity)");
        }
        if (irsa) {
            if (e.oidcProviderArn === undefined || e.oidcProviderUrl === undefined) {
                const missing = e.oidcProviderArn === undefined ? "oidcProviderArn" : "oidcProviderUrl";
                invalid(f(missing), undefined, "is not set", "IRSA needs both oidcProviderArn and oidcProviderUrl");
            }
            if (typeof e.oidcProviderArn === "string" && !/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+/.test(e.oidcProviderArn)) {
                invalid(f("oidcProviderArn"), e.oidcProviderArn, "is not an IAM OIDC provider ARN", "use arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>");
            }
            if (typeof e.oidcProviderUrl === "string" && !/^(https:\/\/)?[a-z0-9.-]+(\/[^\s]*)?$/i.test(e.oidcProviderUrl)) {
                invalid(f("oidcProviderUrl"), e.oidcProviderUrl, "is not an OIDC issuer URL", "use https://oidc.eks.<region>.amazonaws.com/id/<id>");
            }
        }
        if (typeof e.clusterName === "string") {
            kube.validateClusterName(e.clusterName, f("clusterName"));
        }
        return { existing: { mode: podIdentity ? "pod-identity" : "irsa" } };
    }

    const c = (choice as { create: CreateClusterArgs }).create;
    const f = (n: string) => field(`cluster.create.${n}`);
    const identity = c.identity ?? "irsa";
    if (identity !== "irsa" && identity !== "pod-identity") {
        invalid(f("identity"), identity, "is not a pod identity mode", 'use "irsa" or "pod-identity"');
    }
    if (identity === "pod-identity" && c.nodeGroup === undefined) {
        invalid(f("identity"), identity, "does not work on Fargate, where pods run without a nodeGroup", `use "irsa", or give ${f("nodeGroup")}`);
    }
    let nodeGroup: Required<NodeGroupArgs> | undefined;
    if (c.nodeGroup !== undefined) {
        const g = f("nodeGroup");
        const instanceType = c.nodeGroup.instanceType ?? DEFAULT_NODE_GROUP.instanceType;
        if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) {
            invalid(`${g}.instanceType`, instanceType, "is not an EC2 instance type", 'use a name such as "t3.medium" or "m7g.large"');
        }
        const minSize = requireIntegerInRange(`${g}.minSize`, c.nodeGroup.minSize ?? DEFAULT_NODE_GROUP.minSize, 0, 100);
        const maxSize = requireIntegerInRange(`${g}.maxSize`, c.nodeGroup.maxSize ?? Math.max(DEFAULT_NODE_GROUP.maxSize, minSize), 1, 100);
        if (maxSize < minSize) {
            invalid(`${g}.maxSize`, maxSize, `is below ${g}.minSize (${minSize})`, `use at least ${minSize}`);
        }
        const desiredSize = requireIntegerInRange(`${g}.desiredSize`, c.nodeGroup.desiredSize ?? Math.max(DEFAULT_NODE_GROUP.desiredSize, minSize), minSize, maxSize);
        nodeGroup = { instanceType, minSize, maxSize, desiredSize };
    }
    return {
        create: {
            name: kube.validateClusterName(c.name ?? kube.defaultClusterName(pulumi.getProject(), pulumi.getStack(), name), f("name")),
            logTypes: kube.validateLogTypes(c.logTypes ?? kube.DEFAULT_CONTROL_PLANE_LOG_TYPES, f("logTypes")),
            retention: validateRetention(c.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS, f("logRetentionDays")),
            publicAccessCidrs: c.publicAccessCidrs === undefined ? undefined : kube.validateCidrs(c.publicAccessCidrs, f("publicAccessCidrs")),
            nodeGroup,
            identity,
        },
    };
}
