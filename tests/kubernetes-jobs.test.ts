/**
 * The processor as a Kubernetes Job / CronJob on EKS: the KubernetesJobs component under Pulumi mocks,
 * on an existing cluster (IRSA or EKS Pod Identity) and on a cluster it creates, with both policy packs
 * over what it registers, and its rejected arguments.
 *
 * `eks.Cluster` is a provider-side component: under mocks it registers as one `eks:index:Cluster`
 * resource whose outputs are whatever the mock returns, so this file wraps the shared Recorder to
 * answer what a created cluster reports (kubeconfig, OIDC provider, Fargate profile) and to note which
 * provider each resource was registered with.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { irsaTrustPolicy, jobSpec, normaliseJob, podIdentityTrustPolicy, processorLabels, processorPodTemplate } from "../components/builders/kubernetes";
import { taskRolePolicy } from "../components/builders/iam";
import { KubernetesJobs, KubernetesJobsArgs } from "../components/kubernetes-jobs";
import { ProcessorTask } from "../components/processor-task";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ACCOUNT, PROJECT, Recorded, Recorder, settle, valueOf } from "./mocks";
import { assertParented, inputDoc, throwsExactly } from "./support/assertions";
import { IMAGE, ISSUER, OIDC_ARN, POD, PREFIXES, envOf } from "./support/kubernetes";

const TYPE = `${PROJECT}:kubernetes:KubernetesJobs`;
const BUCKET = { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: PREFIXES };
const KUBECONFIG = JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "existing", cluster: { server: "https://example.eks.amazonaws.com" } }] });
const EXISTING_IRSA = { existing: { kubeconfig: KUBECONFIG, oidcProviderArn: OIDC_ARN, oidcProviderUrl: `https://${ISSUER}` } };
const EXISTING_POD_IDENTITY = { existing: { kubeconfig: KUBECONFIG, clusterName: "shared-cluster" } };
const CREATE = { create: { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"] } };

/** What a created eks.Cluster reports, as the real component would after `pulumi up`. */
function createdClusterOutputs(inputs: Record<string, any>): Record<string, unknown> {
    return {
        kubeconfigJson: JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: inputs.name }] }),
        oidcProviderArn: inputs.createOidcProvider ? OIDC_ARN : "",
        oidcProviderUrl: `https://${ISSUER}`,
        oidcIssuer: ISSUER,
        fargateProfileId: inputs.fargate ? `${inputs.name}:${inputs.name}-fargateProfile` : "",
        defaultNodeGroupAsgName: inputs.fargate ? "" : `${inputs.name}-asg`,
    };
}

/** The shared Recorder, plus created-cluster outputs and the provider each resource was registered with. */
class EksRecorder extends Recorder {
    private readonly providers = new Map<string, string | undefined>();

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const result = super.newResource(args);
        this.providers.set(`${args.type}::${args.name}`, args.provider);
        if (args.type !== "eks:index:Cluster") {
            return result;
        }
        return { id: result.id, state: { ...result.state, ...createdClusterOutputs(args.inputs) } };
    }

    /** The provider reference (`<urn>::<id>`) a resource was registered with. */
    providerOf(r: Recorded): string | undefined {
        return this.providers.get(`${r.type}::${r.name}`);
    }
}

async function useEksMocks(): Promise<EksRecorder> {
    pulumi.runtime.setAllConfig({});
    const recorder = new EksRecorder("eu-west-1");
    await pulumi.runtime.setMocks(recorder, PROJECT, "test", true);
    return recorder;
}

/** A value the engine received as a secret. */
function secret(value: unknown): unknown {
    return { [specialSigKey]: specialSecretSig, value };
}

/** The mandatory findings of both policy packs over what was recorded. */
async function mandatoryFindings(recorder: Recorder): Promise<string[]> {
    const findings = await evaluatePacks([...PACKS], recorder.all());
    return findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`);
}

function counts(recorder: Recorder): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of recorder.all().filter((x) => x.type !== TYPE)) {
        out[r.type] = (out[r.type] ?? 0) + 1;
    }
    return out;
}

describe("KubernetesJobs on an existing cluster with IRSA", () => {
    let recorder: EksRecorder;
    let jobs: KubernetesJobs;
    beforeEach(async () => {
        recorder = await useEksMocks();
        jobs = new KubernetesJobs("batch", { cluster: EXISTING_IRSA, image: IMAGE, bucket: BUCKET, job: {} });
        await settle();
    });

    it("creates a provider, a restricted namespace, a ServiceAccount, the role and its policy, and one Job — nothing else", () => {
        assert.deepEqual(counts(recorder), {
            "pulumi:providers:kubernetes": 1,
            "kubernetes:core/v1:Namespace": 1,
            "kubernetes:core/v1:ServiceAccount": 1,
            "kubernetes:batch/v1:Job": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
        });
        assertParented(recorder, TYPE);
        assert.equal(jobs.cronJob, undefined);
        assert.equal(jobs.cluster, undefined);
        assert.equal(jobs.identity, "irsa");
    });

    it("creates every Kubernetes object with the provider built from the given kubeconfig (kept secret)", () => {
        const provider = recorder.one("pulumi:providers:kubernetes", "batch-provider");
        assert.deepEqual(provider.inputs.kubeconfig, secret(KUBECONFIG));
        for (const type of ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:ServiceAccount", "kubernetes:batch/v1:Job"]) {
            const ref = recorder.providerOf(recorder.one(type));
            assert.ok(ref?.startsWith(`${provider.urn}::`), `${type} uses ${ref}`);
        }
        assert.ok(!recorder.providerOf(recorder.one("aws:iam/role:Role"))?.includes("pulumi:providers:kubernetes"), "AWS resources use the AWS provider");
    });

    it("names the namespace after the component and enforces the restricted Pod Security Standard", () => {
        const ns = recorder.one("kubernetes:core/v1:Namespace").inputs;
        assert.equal(ns.metadata.name, "batch");
        assert.deepEqual(
            Object.fromEntries(Object.entries(ns.metadata.labels).filter(([k]) => k.startsWith("pod-security"))),
            {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        );
    });

    it("annotates the ServiceAccount with the role, mounts no API token, and trusts exactly that ServiceAccount", async () => {
        const role = recorder.one("aws:iam/role:Role");
        const sa = recorder.one("kubernetes:core/v1:ServiceAccount").inputs;
        assert.deepEqual(sa.metadata.annotations, { "eks.amazonaws.com/role-arn": role.state.arn, "eks.amazonaws.com/sts-regional-endpoints": "true" });
        assert.deepEqual([sa.metadata.name, sa.metadata.namespace, sa.automountServiceAccountToken], ["processor", "batch", false]);
        assert.deepEqual(inputDoc(role, "assumeRolePolicy"), irsaTrustPolicy({ namespace: "batch", serviceAccount: "processor", oidcProviderArn: OIDC_ARN, issuer: ISSUER }));
        assert.equal(inputDoc(role, "assumeRolePolicy").Statement[0].Condition.StringEquals[`${ISSUER}:sub`], "system:serviceaccount:batch:processor");
        assert.equal(await valueOf(jobs.roleArn), role.state.arn);
    });

    it("runs the image in batch mode on the bucket, as the ServiceAccount, without making `pulumi up` wait for it", () => {
        const job = recorder.one("kubernetes:batch/v1:Job").inputs;
        assert.deepEqual([job.apiVersion, job.kind, job.metadata.namespace], ["batch/v1", "Job", "batch"]);
        assert.deepEqual(job.metadata.annotations, { "pulumi.com/skipAwait": "true" });
        const labels = processorLabels("batch", PROJECT);
        assert.deepEqual(job.metadata.labels, labels);
        const template = processorPodTemplate({ ...POD, size: { cpu: 1000, memory: 2048, scratchSizeMiB: 2048, terminationGracePeriodSeconds: 60 }, labels });
        assert.deepEqual(job.spec, jobSpec(template, normaliseJob({}, "batch.job")));
        const env = envOf(job.spec.template.spec.containers[0]);
        assert.deepEqual(
            [env.PROCESSOR_MODE, env.S3_BUCKET, env.AWS_REGION, env.SHUTDOWN_GRACE_MS, env.SUMMARY_PARALLELISM],
            ["batch", "data-bucket", "eu-west-1", "55000", "1"],
        );
    });

    it("gives the role exactly the ECS task role's policy (same bucket, same prefixes)", async () => {
        new ProcessorTask("processor", { bucket: BUCKET, image: IMAGE });
        await settle();
        const k8sPolicy = inputDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "batch-policy"), "policy");
        const ecsPolicy = inputDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-task-policy"), "policy");
        assert.deepEqual(k8sPolicy, ecsPolicy);
        assert.deepEqual(k8sPolicy, taskRolePolicy({ bucketArn: BUCKET.bucketArn, uploadPrefix: "uploads/", outputPrefix: "processed/", statusPrefix: "status/" }));
        assert.equal(recorder.one("aws:iam/rolePolicy:RolePolicy", "batch-policy").inputs.role, recorder.one("aws:iam/role:Role", "batch-role").state.id);
    });

    it("passes both policy packs", async () => {
        assert.deepEqual(await mandatoryFindings(recorder), []);
    });

    it("would be flagged by the least-privilege pack if the web-identity trust lost its conditions", async () => {
        const loose = await useEksMocks();
        new KubernetesJobs("loose", {
            cluster: EXISTING_IRSA,
            image: IMAGE,
            bucket: BUCKET,
            job: {},
            transform: {
                role: (a) => ({
                    ...a,
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: { Federated: OIDC_ARN }, Action: "sts:AssumeRoleWithWebIdentity" }],
                    }),
                }),
            },
        });
        await settle();
        const findings = await mandatoryFindings(loose);
        assert.equal(findings.length, 1, findings.join("\n"));
        assert.match(findings[0], /^iam-trust-policy-specific-principal: loose-role: .*without a condition on the token/);
    });
});

describe("KubernetesJobs: the role policy with a KMS-encrypted bucket", () => {
    it("adds the bucket key, via S3 only, exactly as the ECS task role does", async () => {
        const recorder = await useEksMocks();
        const bucket = { ...BUCKET, kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234` };
        new KubernetesJobs("batch", { cluster: EXISTING_IRSA, image: IMAGE, bucket, job: {} });
        new ProcessorTask("processor", { bucket, image: IMAGE });
        await settle();
        const k8sPolicy = inputDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "batch-policy"), "policy");
        assert.deepEqual(k8sPolicy, inputDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-task-policy"), "policy"));
        assert.deepEqual(k8sPolicy.Statement.at(-1).Condition, { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } });
    });
});

describe("KubernetesJobs on an existing cluster with EKS Pod Identity", () => {
    let recorder: EksRecorder;
    beforeEach(async () => {
        recorder = await useEksMocks();
        new KubernetesJobs("batch", { cluster: EXISTING_POD_IDENTITY, image: IMAGE, bucket: BUCKET, job: {}, serviceAccountName: "summariser" });
        await settle();
    });

    it("associates the role with the ServiceAccount in the namespace, and the ServiceAccount carries no IRSA annotation", () => {
        const role = recorder.one("aws:iam/role:Role");
        assert.deepEqual(recorder.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "batch-pod-identity").inputs, {
            clusterName: "shared-cluster",
            namespace: "batch",
            serviceAccount: "summariser",
            roleArn: role.state.arn,
        });
        const sa = recorder.one("kubernetes:core/v1:ServiceAccount").inputs;
        assert.deepEqual(sa.metadata.annotations, {});
        assert.equal(recorder.one("kubernetes:batch/v1:Job").inputs.spec.template.spec.serviceAccountName, "summariser");
    });

    it("trusts only the EKS Auth service for this cluster, namespace and ServiceAccount", () => {
        assert.deepEqual(
            inputDoc(recorder.one("aws:iam/role:Role"), "assumeRolePolicy"),
            podIdentityTrustPolicy({ namespace: "batch", serviceAccount: "summariser", clusterName: "shared-cluster" }),
        );
    });

    it("passes both policy packs", async () => {
        assert.deepEqual(await mandatoryFindings(recorder), []);
    });
});

describe("KubernetesJobs with a cluster it creates", () => {
    it("GIVEN the defaults THEN Fargate, API authentication, private endpoint only, OIDC provider, audit logging into a log group with retention", async () => {
        const recorder = await useEksMocks();
        const jobs = new KubernetesJobs("batch", { cluster: CREATE, image: IMAGE, bucket: BUCKET, job: {} });
        await settle();
        const clusterName = "s3-fargate-pipeline-test-batch";
        assert.equal(jobs.clusterName, clusterName);
        assert.deepEqual(counts(recorder), {
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "eks:index:Cluster": 1,
            "pulumi:providers:kubernetes": 1,
            "kubernetes:core/v1:Namespace": 1,
            "kubernetes:core/v1:ServiceAccount": 1,
            "kubernetes:batch/v1:Job": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
        });
        const cluster = recorder.one("eks:index:Cluster", "batch-cluster").inputs;
        assert.deepEqual(
            {
                name: cluster.name,
                vpcId: cluster.vpcId,
                privateSubnetIds: cluster.privateSubnetIds,
                authenticationMode: cluster.authenticationMode,
                endpointPrivateAccess: cluster.endpointPrivateAccess,
                endpointPublicAccess: cluster.endpointPublicAccess,
                publicAccessCidrs: cluster.publicAccessCidrs,
                enabledClusterLogTypes: cluster.enabledClusterLogTypes,
                createOidcProvider: cluster.createOidcProvider,
                fargate: cluster.fargate,
                skipDefaultNodeGroup: cluster.skipDefaultNodeGroup,
                instanceType: cluster.instanceType,
            },
            {
                name: clusterName,
                vpcId: "vpc-1",
                privateSubnetIds: ["subnet-a", "subnet-b"],
                authenticationMode: "API",
                endpointPrivateAccess: true,
                endpointPublicAccess: false,
                publicAccessCidrs: undefined,
                enabledClusterLogTypes: ["api", "audit", "authenticator"],
                createOidcProvider: true,
                fargate: { selectors: [{ namespace: "batch" }, { namespace: "kube-system" }] },
                skipDefaultNodeGroup: true,
                instanceType: undefined,
            },
        );
        const logGroup = recorder.one("aws:cloudwatch/logGroup:LogGroup", "batch-control-plane-logs").inputs;
        assert.deepEqual([logGroup.name, logGroup.retentionInDays], [`/aws/eks/${clusterName}/cluster`, 30]);
        assertParented(recorder, TYPE);
    });

    it("uses the created cluster's kubeconfig for the provider and its OIDC provider in the trust policy", async () => {
        const recorder = await useEksMocks();
        new KubernetesJobs("batch", { cluster: CREATE, image: IMAGE, bucket: BUCKET, job: {} });
        await settle();
        const outputs = createdClusterOutputs(recorder.one("eks:index:Cluster").inputs);
        assert.deepEqual(recorder.one("pulumi:providers:kubernetes").inputs.kubeconfig, secret(outputs.kubeconfigJson));
        assert.deepEqual(
            inputDoc(recorder.one("aws:iam/role:Role"), "assumeRolePolicy"),
            irsaTrustPolicy({ namespace: "batch", serviceAccount: "processor", oidcProviderArn: OIDC_ARN, issuer: ISSUER }),
        );
        assert.deepEqual(await mandatoryFindings(recorder), []);
    });

    it("GIVEN public CIDRs, a node group and Pod Identity THEN a public endpoint for those CIDRs, encrypted private nodes, the agent add-on and an association", async () => {
        const recorder = await useEksMocks();
        new KubernetesJobs("batch", {
            cluster: {
                create: {
                    ...CREATE.create,
                    name: "batch-cluster",
                    publicAccessCidrs: ["203.0.113.0/24"],
                    nodeGroup: { instanceType: "m7g.large", maxSize: 3 },
                    identity: "pod-identity",
                    logTypes: ["audit"],
                    logRetentionDays: 90,
                },
            },
            image: IMAGE,
            bucket: BUCKET,
            cronJob: { schedule: "@hourly" },
        });
        await settle();
        const cluster = recorder.one("eks:index:Cluster").inputs;
        assert.deepEqual(
            [cluster.endpointPrivateAccess, cluster.endpointPublicAccess, cluster.publicAccessCidrs, cluster.createOidcProvider, cluster.fargate, cluster.skipDefaultNodeGroup],
            [true, true, ["203.0.113.0/24"], false, undefined, undefined],
        );
        assert.deepEqual(
            [cluster.instanceType, cluster.desiredCapacity, cluster.minSize, cluster.maxSize, cluster.nodeAssociatePublicIpAddress, cluster.nodeRootVolumeEncrypted],
            ["m7g.large", 1, 1, 3, false, true],
        );
        assert.deepEqual(cluster.enabledClusterLogTypes, ["audit"]);
        assert.equal(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 90);
        const addon = recorder.one("aws:eks/addon:Addon", "batch-pod-identity-agent").inputs;
        assert.deepEqual([addon.clusterName, addon.addonName], ["batch-cluster", "eks-pod-identity-agent"]);
        const association = recorder.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs;
        assert.deepEqual([association.clusterName, association.namespace, association.serviceAccount], ["batch-cluster", "batch", "processor"]);
        assert.deepEqual(
            inputDoc(recorder.one("aws:iam/role:Role"), "assumeRolePolicy"),
            podIdentityTrustPolicy({ namespace: "batch", serviceAccount: "processor", clusterName: "batch-cluster" }),
        );
        assert.deepEqual(await mandatoryFindings(recorder), []);
    });

    it("GIVEN logTypes [] THEN control-plane logging is off and no log group is created", async () => {
        const recorder = await useEksMocks();
        new KubernetesJobs("batch", { cluster: { create: { ...CREATE.create, logTypes: [] } }, image: IMAGE, bucket: BUCKET, job: {} });
        await settle();
        assert.equal(recorder.ofType("aws:cloudwatch/logGroup:LogGroup").length, 0);
        assert.equal(recorder.one("eks:index:Cluster").inputs.enabledClusterLogTypes, undefined);
    });

    it("lets the log-retention pack catch a control-plane log group kept too briefly", async () => {
        const recorder = await useEksMocks();
        new KubernetesJobs("batch", { cluster: { create: { ...CREATE.create, logRetentionDays: 7 } }, image: IMAGE, bucket: BUCKET, job: {} });
        await settle();
        const findings = await mandatoryFindings(recorder);
        assert.equal(findings.length, 1);
        assert.match(findings[0], /^log-group-retention: batch-control-plane-logs: /);
    });
});

describe("KubernetesJobs: Job and CronJob", () => {
    it("GIVEN job and cronJob THEN the CronJob's Jobs have exactly the Job's spec", async () => {
        const recorder = await useEksMocks();
        const jobs = new KubernetesJobs("batch", {
            cluster: EXISTING_IRSA,
            image: IMAGE,
            bucket: BUCKET,
            cpu: 4000,
            memory: 8192,
            job: { shards: 4, parallelism: 2, waitForCompletion: true },
            cronJob: { schedule: "30 1 * * *", timeZone: "Europe/Berlin", concurrencyPolicy: "Replace" },
        });
        await settle();
        const job = recorder.one("kubernetes:batch/v1:Job").inputs;
        const cron = recorder.one("kubernetes:batch/v1:CronJob", "batch-cron-job").inputs;
        assert.deepEqual(job.metadata.annotations, {}, "waitForCompletion lets pulumi up await the Job");
        assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism, job.spec.backoffLimitPerIndex], ["Indexed", 4, 2, 3]);
        const container = job.spec.template.spec.containers[0];
        assert.deepEqual([envOf(container).BATCH_SHARD_COUNT, envOf(container).SUMMARY_PARALLELISM], ["4", "4"]);
        assert.deepEqual(container.resources, { requests: { cpu: "4000m", memory: "8192Mi" }, limits: { cpu: "4000m", memory: "8192Mi" } });
        assert.deepEqual([cron.apiVersion, cron.kind, cron.metadata.namespace], ["batch/v1", "CronJob", "batch"]);
        assert.deepEqual(
            [cron.spec.schedule, cron.spec.timeZone, cron.spec.concurrencyPolicy, cron.spec.startingDeadlineSeconds, cron.spec.suspend],
            ["30 1 * * *", "Europe/Berlin", "Replace", 300, false],
        );
        assert.deepEqual(cron.spec.jobTemplate.spec, job.spec);
        assert.ok(jobs.job && jobs.cronJob);
        assert.deepEqual(await mandatoryFindings(recorder), []);
    });

    it("GIVEN only a cronJob with its own jobTemplate THEN no Job, and the template's shards", async () => {
        const recorder = await useEksMocks();
        new KubernetesJobs("batch", { cluster: EXISTING_IRSA, image: IMAGE, bucket: BUCKET, cronJob: { schedule: "@daily", jobTemplate: { shards: 3 } } });
        await settle();
        assert.equal(recorder.ofType("kubernetes:batch/v1:Job").length, 0);
        const spec = recorder.one("kubernetes:batch/v1:CronJob").inputs.spec.jobTemplate.spec;
        assert.deepEqual([spec.completionMode, spec.completions, spec.parallelism], ["Indexed", 3, 3]);
        assert.equal(envOf(spec.template.spec.containers[0]).BATCH_SHARD_COUNT, "3");
    });

    it("GIVEN an existing namespace THEN none is created and the objects go into it", async () => {
        const recorder = await useEksMocks();
        new KubernetesJobs("batch", { cluster: EXISTING_IRSA, image: IMAGE, bucket: BUCKET, job: {}, namespace: { name: "data-jobs", create: false } });
        await settle();
        assert.equal(recorder.ofType("kubernetes:core/v1:Namespace").length, 0);
        assert.equal(recorder.one("kubernetes:core/v1:ServiceAccount").inputs.metadata.namespace, "data-jobs");
        assert.equal(recorder.one("kubernetes:batch/v1:Job").inputs.metadata.namespace, "data-jobs");
        assert.equal(inputDoc(recorder.one("aws:iam/role:Role"), "assumeRolePolicy").Statement[0].Condition.StringEquals[`${ISSUER}:sub`], "system:serviceaccount:data-jobs:processor");
    });

    it("applies the transform hooks to the Job, the CronJob, the role and the cluster, without changing the caller's args", async () => {
        const recorder = await useEksMocks();
        const args: KubernetesJobsArgs = {
            cluster: CREATE,
            image: IMAGE,
            bucket: BUCKET,
            job: {},
            cronJob: { schedule: "@daily" },
            environment: { SUMMARY_FORMAT: "csv" },
            transform: {
                job: (a) => ({ ...a, metadata: { ...(a.metadata as object), labels: { team: "data" } } }),
                cronJob: (a) => {
                    a.metadata = { labels: { team: "cron" } };
                },
                role: (a) => ({ ...a, maxSessionDuration: 7200 }),
                cluster: (a) => ({ ...a, version: "1.33" }),
                namespace: { metadata: { name: "batch-jobs", labels: { team: "ns" } } },
                serviceAccount: (a) => {
                    a.automountServiceAccountToken = true;
                },
                rolePolicy: { name: "ours" },
            },
        };
        const before = JSON.stringify({ ...args, transform: undefined });
        new KubernetesJobs("batch", args);
        await settle();
        assert.deepEqual(recorder.one("kubernetes:batch/v1:Job").inputs.metadata.labels, { team: "data" });
        assert.deepEqual(recorder.one("kubernetes:batch/v1:CronJob").inputs.metadata.labels, { team: "cron" });
        assert.equal(recorder.one("aws:iam/role:Role").inputs.maxSessionDuration, 7200);
        assert.equal(recorder.one("eks:index:Cluster").inputs.version, "1.33");
        assert.deepEqual(recorder.one("kubernetes:core/v1:Namespace").inputs.metadata.labels, { team: "ns" });
        assert.equal(recorder.one("kubernetes:core/v1:ServiceAccount").inputs.automountServiceAccountToken, true);
        assert.equal(recorder.one("aws:iam/rolePolicy:RolePolicy").inputs.name, "ours");
        assert.equal(envOf(recorder.one("kubernetes:batch/v1:Job").inputs.spec.template.spec.containers[0]).SUMMARY_FORMAT, "csv");
        assert.equal(JSON.stringify({ ...args, transform: undefined }), before);
    });
});

describe("KubernetesJobs: rejected arguments", () => {
    beforeEach(async () => {
        await useEksMocks();
    });
    const base = { cluster: EXISTING_IRSA, image: IMAGE, bucket: BUCKET, job: {} } as KubernetesJobsArgs;
    const cases: [string, Partial<KubernetesJobsArgs> & Record<string, unknown>, string][] = [
        ["neither job nor cronJob", { job: undefined }, "b.job: undefined is not set and neither is b.cronJob; give job (run once on deploy), cronJob (run on a schedule) or both"],
        [
            "both create and existing",
            { cluster: { ...CREATE, ...EXISTING_IRSA } as never },
            'b.cluster: "<create and existing>" gives both create and existing; give { create: {...} } to build one or { existing: {...} } to use one',
        ],
        [
            "Pod Identity on Fargate",
            { cluster: { create: { ...CREATE.create, identity: "pod-identity" } } },
            'b.cluster.create.identity: "pod-identity" does not work on Fargate, where pods run without a nodeGroup; use "irsa", or give b.cluster.create.nodeGroup',
        ],
        [
            "an existing cluster with both IRSA and Pod Identity",
            { cluster: { existing: { ...EXISTING_IRSA.existing, clusterName: "c" } } as never },
            'b.cluster.existing.clusterName: "<set>" cannot be combined with b.cluster.existing.oidcProviderArn/b.cluster.existing.oidcProviderUrl; give the OIDC provider for IRSA or the cluster name for EKS Pod Identity, not both',
        ],
        [
            "an existing cluster with neither",
            { cluster: { existing: { kubeconfig: KUBECONFIG } } as never },
            "b.cluster.existing.oidcProviderArn: undefined is not set and neither is b.cluster.existing.clusterName; give oidcProviderArn and oidcProviderUrl (IRSA) or clusterName (EKS Pod Identity)",
        ],
        [
            "IRSA without the issuer URL",
            { cluster: { existing: { kubeconfig: KUBECONFIG, oidcProviderArn: OIDC_ARN } } as never },
            "b.cluster.existing.oidcProviderUrl: undefined is not set; IRSA needs both oidcProviderArn and oidcProviderUrl",
        ],
        [
            "a malformed OIDC provider ARN",
            { cluster: { existing: { ...EXISTING_IRSA.existing, oidcProviderArn: "arn:aws:iam::123:role/x" } } },
            'b.cluster.existing.oidcProviderArn: "arn:aws:iam::123:role/x" is not an IAM OIDC provider ARN; use arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>',
        ],
        [
            "the default namespace",
            { namespace: { name: "default" } },
            'b.namespace.name: "default" is a namespace Kubernetes creates itself; choose another name, or set b.namespace.create to false to use it',
        ],
        [
            "an invalid namespace name",
            { namespace: { name: "Data_Jobs" } },
            'b.namespace.name: "Data_Jobs" is not a Kubernetes namespace name; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit',
        ],
        ["a reserved variable", { environment: { PROCESSOR_MODE: "worker" } }, 'b.environment.PROCESSOR_MODE: "worker" is set by the component; choose another variable name'],
        ["a shard index", { environment: { BATCH_SHARD_INDEX: "1" } }, 'b.environment.BATCH_SHARD_INDEX: "1" is set by the component; choose another variable name'],
        ["too little CPU", { cpu: 100 }, "b.cpu: 100 is out of range; use a whole number from 250 to 16000"],
        ["a bad schedule", { cronJob: { schedule: "daily" } }, 'b.cronJob.schedule: "daily" has 1 field, not 5; use five fields "minute hour day-of-month month day-of-week" such as "0 2 * * *", or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly'],
        ["a bad time zone", { cronJob: { schedule: "@daily", timeZone: "CET+1" } }, 'b.cronJob.timeZone: "CET+1" is not an IANA time zone; use a tz database name such as "Etc/UTC", "Europe/Berlin" or "America/New_York"'],
        ["bad job settings", { job: { shards: 2000 } }, "b.job.shards: 2000 is out of range; use a whole number from 1 to 1000"],
        [
            "overlapping prefixes",
            { bucket: { ...BUCKET, prefixes: { upload: "data/", output: "data/out/", status: "status/" } } },
            'b.bucket.prefixes.output: "data/out/" overlaps b.bucket.prefixes.upload "data/"; use prefixes where none starts with another (writes under an upload prefix would trigger the processor again)',
        ],
        ["a bad cluster name", { cluster: { create: { ...CREATE.create, name: "-cluster" } } }, 'b.cluster.create.name: "-cluster" is not an EKS cluster name; use 1-100 letters, digits, hyphens and underscores, starting with a letter or digit'],
        ["a bad log retention", { cluster: { create: { ...CREATE.create, logRetentionDays: 10 } } }, "b.cluster.create.logRetentionDays: 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"],
        ["a node group smaller than its minimum", { cluster: { create: { ...CREATE.create, nodeGroup: { minSize: 3, maxSize: 2 } } } }, "b.cluster.create.nodeGroup.maxSize: 2 is below b.cluster.create.nodeGroup.minSize (3); use at least 3"],
        ["a bad instance type", { cluster: { create: { ...CREATE.create, nodeGroup: { instanceType: "large" } } } }, 'b.cluster.create.nodeGroup.instanceType: "large" is not an EC2 instance type; use a name such as "t3.medium" or "m7g.large"'],
    ];
    for (const [what, change, message] of cases) {
        it(`rejects ${what}`, () => {
            throwsExactly(() => new KubernetesJobs("b", { ...base, ...change } as KubernetesJobsArgs), message);
        });
    }
});
