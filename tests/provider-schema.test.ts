/**
 * The Pulumi package `s3-fargate-pipeline` for other languages, as the Pulumi CLI runs it for
 * `pulumi package add` and `pulumi up`: the provider folder (components/provider) with the component
 * library installed from its packed tarball, started through `@pulumi/pulumi/cmd/run-plugin` from an
 * empty consumer folder, asked over gRPC (ResourceProvider) for its version and its schema. The schema
 * is what every SDK is generated from: every component must be there with every argument (described,
 * its default stated) and output, typed as the Python SDK will present them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import * as library from "../components";
import { ROOT } from "./mocks";
import { COMPONENTS_PACKAGE } from "./support/component-package";
import { manifest } from "./support/npm-pack";
import { PACKAGE, PROVIDER_DIR, PackageSchema, SchemaProperty, servedSchema } from "./support/provider";
import { pythonInputType, pythonOutputType, snakeCase } from "./support/python-types";

/** Each component as a Python program sees it: argument and output names, and their annotations in the generated SDK. */
const PYTHON_COMPONENTS: Record<string, { inputs: Record<string, string>; outputs: Record<string, string> }> = {
    KubernetesJobs: {
        inputs: {
            existing_role_arn: "Optional[pulumi.Input[str]]",
            command: "Optional[Sequence[str]]",
            sharding: "Optional['ShardingArgs']",
            image: "pulumi.Input[str]",
            create_cluster: "Optional['CreateEksClusterArgs']",
            kubeconfig: "Optional[pulumi.Input[str]]",
            oidc_provider_arn: "Optional[pulumi.Input[str]]",
            oidc_provider_url: "Optional[pulumi.Input[str]]",
            eks_cluster_name: "Optional[pulumi.Input[str]]",
            namespace: "Optional[str]",
            create_namespace: "Optional[bool]",
            service_account_name: "Optional[str]",
            container_name: "Optional[str]",
            cpu: "Optional[float]",
            memory: "Optional[float]",
            scratch_size_mib: "Optional[float]",
            termination_grace_period_seconds: "Optional[float]",
            environment: "Optional[Mapping[str, pulumi.Input[str]]]",
            job: "Optional['RunOnceJobArgs']",
            cron_job: "Optional['CronJobScheduleArgs']",
            transform: "Optional['KubernetesJobsTransformsArgs']",
            bucket_name: "pulumi.Input[str]",
            bucket_arn: "pulumi.Input[str]",
            bucket_kms_key_arn: "Optional[pulumi.Input[str]]",
            prefixes: "Optional['PrefixesArgs']",
        },
        outputs: {
            namespace: "pulumi.Output[str]",
            service_account_name: "pulumi.Output[str]",
            role_arn: "pulumi.Output[str]",
            cluster_name: "pulumi.Output[Optional[str]]",
        },
    },
    LambdaTrigger: {
        inputs: {
            existing_role_arn: "Optional[pulumi.Input[str]]",
            existing_log_group_name: "Optional[pulumi.Input[str]]",
            bucket_arn: "pulumi.Input[str]",
            platform_version: "Optional[str]",
            runtime: "Optional[str]",
            architecture: "Optional['LambdaArchitecture']",
            memory_size: "Optional[float]",
            timeout_seconds: "Optional[float]",
            reserved_concurrency: "Optional[float]",
            log_retention_days: "Optional[float]",
            max_retry_attempts: "Optional[float]",
            max_event_age_seconds: "Optional[float]",
            dead_letter_retention_seconds: "Optional[float]",
            alarm_topic_arn: "Optional[pulumi.Input[str]]",
            transform: "Optional['LambdaTriggerTransformsArgs']",
            cluster_arn: "pulumi.Input[str]",
            task_definition_arn: "pulumi.Input[str]",
            container_name: "Optional[str]",
            execution_role_arn: "pulumi.Input[str]",
            task_role_arn: "pulumi.Input[str]",
            capacity: "Optional['CapacitySplitArgs']",
            subnet_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            security_group_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            assign_public_ip: "Optional[bool]",
            bucket_name: "pulumi.Input[str]",
            prefixes: "Optional['PrefixesArgs']",
            key_suffixes: "Optional[Sequence[str]]",
        },
        outputs: {
            function_name: "pulumi.Output[str]",
            function_arn: "pulumi.Output[str]",
            role_arn: "pulumi.Output[str]",
            log_group_name: "pulumi.Output[str]",
            dead_letter_queue_url: "pulumi.Output[str]",
        },
    },
    Observability: {
        inputs: {
            existing_notifier_role_arn: "Optional[pulumi.Input[str]]",
            existing_notifier_log_group_name: "Optional[pulumi.Input[str]]",
            cluster_name: "pulumi.Input[str]",
            cluster_arn: "pulumi.Input[str]",
            family: "str",
            container_name: "Optional[str]",
            log_group_name: "pulumi.Input[str]",
            log_group_arn: "pulumi.Input[str]",
            trigger_rule_name: "Optional[pulumi.Input[str]]",
            trigger_dead_letter_queue_name: "Optional[pulumi.Input[str]]",
            slack_webhook_url: "Optional[pulumi.Input[str]]",
            slack_channel_label: "Optional[str]",
            notify_spot_interruptions: "Optional[bool]",
            create_alarms: "Optional[bool]",
            alarms: "Optional['AlarmThresholdsArgs']",
            dashboard: "Optional[bool]",
            log_retention_days: "Optional[float]",
            topic_name: "Optional[str]",
        },
        outputs: {
            topic_arn: "pulumi.Output[str]",
            failure_rule_arn: "pulumi.Output[str]",
            failure_dead_letter_queue_url: "pulumi.Output[str]",
            dashboard_name: "pulumi.Output[Optional[str]]",
            notifier_function_name: "pulumi.Output[Optional[str]]",
        },
    },
    ProcessingCluster: {
        inputs: {
            capacity: "Optional['CapacitySplitArgs']",
            container_insights: "Optional['ContainerInsightsMode']",
            transform: "Optional['ProcessingClusterTransformsArgs']",
        },
        outputs: {
            cluster_name: "pulumi.Output[str]",
            cluster_arn: "pulumi.Output[str]",
        },
    },
    ProcessingNetwork: {
        inputs: {
            subnet_ids: "Optional[Sequence[pulumi.Input[str]]]",
            security_group_ids: "Optional[Sequence[pulumi.Input[str]]]",
            assign_public_ip: "Optional[bool]",
            vpc_cidr: "Optional[str]",
            availability_zone_count: "Optional[float]",
        },
        outputs: {
            subnet_ids: "pulumi.Output[Sequence[str]]",
            security_group_ids: "pulumi.Output[Sequence[str]]",
            assign_public_ip: "pulumi.Output[bool]",
            vpc_id: "pulumi.Output[Optional[str]]",
        },
    },
    ProcessorTask: {
        inputs: {
            existing_execution_role_arn: "Optional[pulumi.Input[str]]",
            existing_task_role_arn: "Optional[pulumi.Input[str]]",
            existing_log_group_name: "Optional[pulumi.Input[str]]",
            sharding: "Optional['TaskShardingArgs']",
            command: "Optional[Sequence[str]]",
            container_name: "Optional[str]",
            family: "Optional[str]",
            force_delete_repository: "Optional[bool]",
            transform: "Optional['ProcessorTaskTransformsArgs']",
            image: "Optional[pulumi.Input[str]]",
            build: "Optional['ImageBuildArgs']",
            cpu: "Optional[float]",
            memory: "Optional[float]",
            cpu_architecture: "Optional['CpuArchitecture']",
            ephemeral_storage_gib: "Optional[float]",
            stop_timeout_seconds: "Optional[float]",
            log_retention_days: "Optional[float]",
            log_group_kms_key_arn: "Optional[pulumi.Input[str]]",
            environment: "Optional[Mapping[str, pulumi.Input[str]]]",
            bucket_name: "pulumi.Input[str]",
            bucket_arn: "pulumi.Input[str]",
            bucket_kms_key_arn: "Optional[pulumi.Input[str]]",
            prefixes: "Optional['PrefixesArgs']",
        },
        outputs: {
            task_definition_arn: "pulumi.Output[str]",
            family: "pulumi.Output[str]",
            container_name: "pulumi.Output[str]",
            execution_role_arn: "pulumi.Output[str]",
            task_role_arn: "pulumi.Output[str]",
            log_group_name: "pulumi.Output[str]",
            log_group_arn: "pulumi.Output[str]",
            image_uri: "pulumi.Output[str]",
            repository_url: "pulumi.Output[Optional[str]]",
        },
    },
    QueueWorkerService: {
        inputs: {
            existing_execution_role_arn: "Optional[pulumi.Input[str]]",
            existing_task_role_arn: "Optional[pulumi.Input[str]]",
            existing_log_group_name: "Optional[pulumi.Input[str]]",
            command: "Optional[Sequence[str]]",
            sharding: "Optional['TaskShardingArgs']",
            cluster_arn: "pulumi.Input[str]",
            cluster_name: "pulumi.Input[str]",
            max_job_seconds: "Optional[float]",
            visibility_timeout_seconds: "Optional[float]",
            max_receive_count: "Optional[float]",
            message_retention_seconds: "Optional[float]",
            queue_kms_key_arn: "Optional[pulumi.Input[str]]",
            messages_per_poll: "Optional[float]",
            feed_uploads: "Optional[bool]",
            feed_key_suffixes: "Optional[Sequence[str]]",
            min_tasks: "Optional[float]",
            max_tasks: "Optional[float]",
            backlog_per_task_target: "Optional[float]",
            capacity: "Optional['CapacitySplitArgs']",
            platform_version: "Optional[str]",
            service_name: "Optional[str]",
            create_alarms: "Optional[bool]",
            oldest_message_age_seconds: "Optional[float]",
            alarm_topic_arn: "Optional[pulumi.Input[str]]",
            transform: "Optional['QueueWorkerServiceTransformsArgs']",
            image: "Optional[pulumi.Input[str]]",
            build: "Optional['ImageBuildArgs']",
            cpu: "Optional[float]",
            memory: "Optional[float]",
            cpu_architecture: "Optional['CpuArchitecture']",
            ephemeral_storage_gib: "Optional[float]",
            stop_timeout_seconds: "Optional[float]",
            log_retention_days: "Optional[float]",
            log_group_kms_key_arn: "Optional[pulumi.Input[str]]",
            environment: "Optional[Mapping[str, pulumi.Input[str]]]",
            bucket_name: "pulumi.Input[str]",
            bucket_arn: "pulumi.Input[str]",
            bucket_kms_key_arn: "Optional[pulumi.Input[str]]",
            prefixes: "Optional['PrefixesArgs']",
            subnet_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            security_group_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            assign_public_ip: "Optional[bool]",
        },
        outputs: {
            queue_url: "pulumi.Output[str]",
            queue_arn: "pulumi.Output[str]",
            dead_letter_queue_url: "pulumi.Output[str]",
            service_name: "pulumi.Output[str]",
            task_definition_arn: "pulumi.Output[str]",
            log_group_name: "pulumi.Output[str]",
        },
    },
    ScheduledTask: {
        inputs: {
            existing_role_arn: "Optional[pulumi.Input[str]]",
            family: "Optional[str]",
            bucket_name: "pulumi.Input[str]",
            schedule_expression: "str",
            timezone: "Optional[str]",
            flexible_time_window_minutes: "Optional[float]",
            max_retry_attempts: "Optional[float]",
            max_event_age_seconds: "Optional[float]",
            platform_version: "Optional[str]",
            environment: "Optional[Mapping[str, str]]",
            started_by: "Optional[str]",
            state: "Optional['ScheduleState']",
            schedule_group_name: "Optional[str]",
            alarm_topic_arn: "Optional[pulumi.Input[str]]",
            transform: "Optional['ScheduledTaskTransformsArgs']",
            cluster_arn: "pulumi.Input[str]",
            task_definition_arn: "pulumi.Input[str]",
            container_name: "Optional[str]",
            execution_role_arn: "pulumi.Input[str]",
            task_role_arn: "pulumi.Input[str]",
            capacity: "Optional['CapacitySplitArgs']",
            subnet_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            security_group_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            assign_public_ip: "Optional[bool]",
        },
        outputs: {
            schedule_arn: "pulumi.Output[str]",
            dead_letter_queue_url: "pulumi.Output[str]",
            role_arn: "pulumi.Output[str]",
        },
    },
    UploadBucket: {
        inputs: {
            prefixes: "Optional['PrefixesArgs']",
            kms_key_arn: "Optional[pulumi.Input[str]]",
            versioning: "Optional[bool]",
            expire_uploads_after_days: "Optional[float]",
            expire_noncurrent_versions_after_days: "Optional[float]",
            force_destroy: "Optional[bool]",
            event_bridge: "Optional[bool]",
            transform: "Optional['UploadBucketTransformsArgs']",
        },
        outputs: {
            bucket_name: "pulumi.Output[str]",
            bucket_arn: "pulumi.Output[str]",
            upload_prefix: "pulumi.Output[str]",
            output_prefix: "pulumi.Output[str]",
            status_prefix: "pulumi.Output[str]",
        },
    },
    UploadTrigger: {
        inputs: {
            existing_role_arn: "Optional[pulumi.Input[str]]",
            platform_version: "Optional[str]",
            max_event_age_seconds: "Optional[float]",
            max_retry_attempts: "Optional[float]",
            dead_letter_retention_seconds: "Optional[float]",
            transform: "Optional['UploadTriggerTransformsArgs']",
            cluster_arn: "pulumi.Input[str]",
            task_definition_arn: "pulumi.Input[str]",
            container_name: "Optional[str]",
            execution_role_arn: "pulumi.Input[str]",
            task_role_arn: "pulumi.Input[str]",
            capacity: "Optional['CapacitySplitArgs']",
            subnet_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            security_group_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
            assign_public_ip: "Optional[bool]",
            bucket_name: "pulumi.Input[str]",
            prefixes: "Optional['PrefixesArgs']",
            key_suffixes: "Optional[Sequence[str]]",
        },
        outputs: {
            rule_arn: "pulumi.Output[str]",
            rule_name: "pulumi.Output[str]",
            dead_letter_queue_url: "pulumi.Output[str]",
            dead_letter_queue_name: "pulumi.Output[str]",
            role_arn: "pulumi.Output[str]",
        },
    },
};

/** The argument types (their `…Args` classes) and enums of the Python SDK. */
const PYTHON_TYPES: Record<string, Record<string, string> | (string | number)[]> = {
    AlarmThresholdsArgs: {
        cpu_percent: "Optional[float]",
        memory_percent: "Optional[float]",
        evaluation_periods: "Optional[float]",
    },
    CapacitySplitArgs: {
        fargate_base: "Optional[float]",
        fargate_weight: "Optional[float]",
        fargate_spot_weight: "Optional[float]",
    },
    ConcurrencyPolicy: ["Forbid", "Allow", "Replace"],
    ContainerInsightsMode: ["enabled", "enhanced"],
    CpuArchitecture: ["X86_64", "ARM64"],
    CreateEksClusterArgs: {
        vpc_id: "pulumi.Input[str]",
        private_subnet_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
        name: "Optional[str]",
        version: "Optional[pulumi.Input[str]]",
        public_access_cidrs: "Optional[Sequence[str]]",
        log_types: "Optional[Sequence[str]]",
        log_retention_days: "Optional[float]",
        log_group_kms_key_arn: "Optional[pulumi.Input[str]]",
        node_group: "Optional['NodeGroupArgs']",
        identity: "Optional['PodIdentityMode']",
    },
    CronJobScheduleArgs: {
        schedule: "str",
        time_zone: "Optional[str]",
        concurrency_policy: "Optional['ConcurrencyPolicy']",
        starting_deadline_seconds: "Optional[float]",
        successful_jobs_history_limit: "Optional[float]",
        failed_jobs_history_limit: "Optional[float]",
        suspend: "Optional[bool]",
        job_template: "Optional['JobSettingsArgs']",
    },
    ImageBuildArgs: {
        context: "str",
        dockerfile: "Optional[str]",
    },
    JobSettingsArgs: {
        shards: "Optional[float]",
        parallelism: "Optional[float]",
        completions: "Optional[float]",
        backoff_limit: "Optional[float]",
        ttl_seconds_after_finished: "Optional[float]",
        active_deadline_seconds: "Optional[float]",
    },
    KubernetesJobsTransformsArgs: {
        job: "Optional[Mapping[str, Any]]",
        cron_job: "Optional[Mapping[str, Any]]",
        role: "Optional[Mapping[str, Any]]",
        cluster: "Optional[Mapping[str, Any]]",
        control_plane_log_group: "Optional[Mapping[str, Any]]",
    },
    LambdaArchitecture: ["arm64", "x86_64"],
    LambdaTriggerTransformsArgs: {
        function: "Optional[Mapping[str, Any]]",
        role: "Optional[Mapping[str, Any]]",
        log_group: "Optional[Mapping[str, Any]]",
        dead_letter_queue: "Optional[Mapping[str, Any]]",
        invoke_config: "Optional[Mapping[str, Any]]",
        notification: "Optional[Mapping[str, Any]]",
    },
    NodeGroupArgs: {
        instance_type: "Optional[str]",
        desired_size: "Optional[float]",
        min_size: "Optional[float]",
        max_size: "Optional[float]",
    },
    PodIdentityMode: ["irsa", "pod-identity"],
    PrefixesArgs: {
        upload: "Optional[str]",
        output: "Optional[str]",
        status: "Optional[str]",
    },
    ProcessingClusterTransformsArgs: {
        cluster: "Optional[Mapping[str, Any]]",
    },
    ProcessorTaskTransformsArgs: {
        task_definition: "Optional[Mapping[str, Any]]",
        log_group: "Optional[Mapping[str, Any]]",
    },
    QueueWorkerServiceTransformsArgs: {
        queue: "Optional[Mapping[str, Any]]",
        dead_letter_queue: "Optional[Mapping[str, Any]]",
        queue_policy: "Optional[Mapping[str, Any]]",
        service: "Optional[Mapping[str, Any]]",
        scaling_target: "Optional[Mapping[str, Any]]",
        scaling_policy: "Optional[Mapping[str, Any]]",
        feed_rule: "Optional[Mapping[str, Any]]",
        feed_target: "Optional[Mapping[str, Any]]",
        dead_letter_alarm: "Optional[Mapping[str, Any]]",
        oldest_message_alarm: "Optional[Mapping[str, Any]]",
    },
    RunOnceJobArgs: {
        wait_for_completion: "Optional[bool]",
        shards: "Optional[float]",
        parallelism: "Optional[float]",
        completions: "Optional[float]",
        backoff_limit: "Optional[float]",
        ttl_seconds_after_finished: "Optional[float]",
        active_deadline_seconds: "Optional[float]",
    },
    ScheduleState: ["ENABLED", "DISABLED"],
    ScheduledTaskTransformsArgs: {
        schedule: "Optional[Mapping[str, Any]]",
        dead_letter_queue: "Optional[Mapping[str, Any]]",
        dead_letter_queue_policy: "Optional[Mapping[str, Any]]",
        role: "Optional[Mapping[str, Any]]",
        role_policy: "Optional[Mapping[str, Any]]",
        alarm: "Optional[Mapping[str, Any]]",
    },
    ShardingArgs: {
        above_bytes: "float",
        command_accepts_range: "Optional[bool]",
        max_shards: "Optional[float]",
        partials_prefix: "Optional[str]",
        shard_bytes: "Optional[float]",
    },
    TaskShardingArgs: {
        above_bytes: "float",
        assign_public_ip: "Optional[bool]",
        capacity: "Optional['CapacitySplitArgs']",
        cluster_arn: "pulumi.Input[str]",
        command_accepts_range: "Optional[bool]",
        max_shards: "Optional[float]",
        partials_prefix: "Optional[str]",
        security_group_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
        shard_bytes: "Optional[float]",
        subnet_ids: "pulumi.Input[Sequence[pulumi.Input[str]]]",
    },
    UploadBucketTransformsArgs: {
        bucket: "Optional[Mapping[str, Any]]",
        policy: "Optional[Mapping[str, Any]]",
        lifecycle: "Optional[Mapping[str, Any]]",
    },
    UploadTriggerTransformsArgs: {
        rule: "Optional[Mapping[str, Any]]",
        target: "Optional[Mapping[str, Any]]",
    },
};

/** The library's components (ComponentResource classes the main entry point exports), by name. */
function libraryComponents(): string[] {
    return Object.entries(library)
        .filter(([, value]) => typeof value === "function" && value.prototype instanceof pulumi.ComponentResource)
        .map(([name]) => name)
        .sort();
}

/** Every property of the schema, as [where, name, property, required]. */
function allProperties(schema: PackageSchema): [string, string, SchemaProperty, boolean][] {
    const out: [string, string, SchemaProperty, boolean][] = [];
    for (const [token, r] of Object.entries(schema.resources)) {
        for (const [name, p] of Object.entries(r.inputProperties)) out.push([`${token} input`, name, p, r.requiredInputs.includes(name)]);
        for (const [name, p] of Object.entries(r.properties)) out.push([`${token} output`, name, p, true]);
    }
    for (const [token, t] of Object.entries(schema.types)) {
        for (const [name, p] of Object.entries(t.properties ?? {})) out.push([token, name, p, (t.required ?? []).includes(name)]);
    }
    return out;
}

/** `@default` texts of the TypeScript components' argument interfaces: interface → property → text. */
function typeScriptDefaults(): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>();
    const files = [...fs.readdirSync(path.join(ROOT, "components")).map((f) => path.join("components", f)), ...fs.readdirSync(path.join(ROOT, "components", "builders")).map((f) => path.join("components", "builders", f))];
    for (const file of files.filter((f) => f.endsWith(".ts"))) {
        const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.ES2022, true);
        source.forEachChild((node) => {
            if (!ts.isInterfaceDeclaration(node)) return;
            const props = new Map<string, string>();
            for (const member of node.members) {
                const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === "default");
                if (tag && member.name && ts.isIdentifier(member.name)) {
                    props.set(member.name.text, normalise(ts.getTextOfJSDocComment(tag.comment) ?? ""));
                }
            }
            out.set(node.name.text, props);
        });
    }
    return out;
}

const normalise = (text: string) => text.replace(/\s+/g, " ").trim().replace(/\.$/, "");

/** The cross-language form of a component or type, and the TypeScript interfaces its arguments come from. */
const TYPESCRIPT_SOURCES: Record<string, string[]> = {
    UploadBucket: ["UploadBucketArgs"],
    ProcessingNetwork: ["ProcessingNetworkArgs"],
    ProcessingCluster: ["ProcessingClusterArgs"],
    ProcessorTask: ["ProcessorTaskArgs"],
    UploadTrigger: ["UploadTriggerArgs", "TaskNetwork"],
    LambdaTrigger: ["LambdaTriggerArgs", "TaskNetwork"],
    ScheduledTask: ["ScheduledTaskArgs", "TaskNetwork"],
    QueueWorkerService: ["QueueWorkerServiceArgs", "ProcessorTaskArgs", "TaskNetwork"],
    Observability: ["ObservabilityArgs", "SlackArgs"],
    KubernetesJobs: ["KubernetesJobsArgs"],
    CapacitySplit: ["CapacitySplit"],
    AlarmThresholds: ["AlarmThresholds"],
    ImageBuild: ["ImageBuild"],
    NodeGroup: ["NodeGroupArgs"],
    JobSettings: ["JobOptions"],
    RunOnceJob: ["JobOptions"],
    CronJobSchedule: ["CronJobOptions"],
    CreateEksCluster: ["CreateClusterArgs"],
    Sharding: ["ShardingSettings"],
    TaskSharding: ["ShardingSettings"],
};

/** Cross-language arguments named differently from the TypeScript ones (units in lower case read better in snake_case). */
const RENAMED: Record<string, string> = { ephemeralStorageGib: "ephemeralStorageGiB", scratchSizeMib: "scratchSizeMiB" };

/** Where the cross-language default reads differently on purpose, and why. */
const DIFFERENT_DEFAULTS: Record<string, string> = {
    "UploadBucket.expireUploadsAfterDays": "no `false` across languages: leaving it unset keeps the uploads",
    "ScheduledTask.flexibleTimeWindowMinutes": "no `false` across languages: leaving it unset runs on time",
    "KubernetesJobs.namespace": "TypeScript's { name, create } object is two arguments here, namespace and createNamespace",
};

describe("the Pulumi package s3-fargate-pipeline, started as the Pulumi CLI starts a plugin", function () {
    this.timeout(300000);
    let version: string;
    let schema: PackageSchema;
    let enums: Set<string>;
    before(async () => {
        ({ version, schema } = await servedSchema());
        enums = new Set(Object.entries(schema.types).filter(([, t]) => t.enum !== undefined).map(([token]) => token));
    });

    it("announces the version of the provider, which is the library's, and hosts exactly that version of the library", () => {
        const provider = manifest(PROVIDER_DIR);
        const libraryVersion = manifest(path.join(ROOT, "components")).version;
        assert.equal(version, provider.version);
        assert.equal(provider.version, libraryVersion);
        assert.equal(provider.dependencies?.[COMPONENTS_PACKAGE], libraryVersion);
        assert.deepEqual([schema.name, schema.version], [PACKAGE, provider.version]);
        assert.equal(schema.description, provider.description);
    });

    it("has one component for each component of the library, each described", () => {
        assert.deepEqual(Object.keys(schema.resources).sort(), libraryComponents().map((c) => `${PACKAGE}:index:${c}`));
        assert.deepEqual(Object.keys(PYTHON_COMPONENTS).sort(), libraryComponents());
        for (const [token, r] of Object.entries(schema.resources)) {
            assert.equal(r.isComponent, true, token);
            assert.ok((r.description ?? "").length > 20, `${token} has no description`);
        }
    });

    it("gives every argument and output of every component the name and type a Python program sees", () => {
        for (const [token, r] of Object.entries(schema.resources)) {
            const name = token.split(":")[2];
            const inputs = Object.fromEntries(Object.entries(r.inputProperties).map(([n, p]) => [snakeCase(n), pythonInputType(p, r.requiredInputs.includes(n), enums)]));
            const outputs = Object.fromEntries(Object.entries(r.properties).map(([n, p]) => [snakeCase(n), pythonOutputType(p, r.required.includes(n), enums)]));
            assert.deepEqual({ inputs, outputs }, PYTHON_COMPONENTS[name], name);
        }
    });

    it("gives every argument type its fields and every enum its values, as the Python SDK's classes", () => {
        const types: Record<string, Record<string, string> | (string | number)[]> = {};
        for (const [token, t] of Object.entries(schema.types)) {
            const name = token.split(":")[2];
            if (t.enum) {
                types[name] = t.enum.map((e) => e.value);
            } else {
                types[`${name}Args`] = Object.fromEntries(Object.entries(t.properties ?? {}).map(([n, p]) => [snakeCase(n), pythonInputType(p, (t.required ?? []).includes(n), enums)]));
            }
        }
        assert.deepEqual(types, PYTHON_TYPES);
    });

    it("has names that read as Python words (no one-letter parts in snake_case)", () => {
        const odd = allProperties(schema).map(([, name]) => snakeCase(name)).filter((n) => n.split("_").some((part) => part.length === 1));
        assert.deepEqual(odd, []);
    });

    it("describes every argument and output, and states the default of every optional argument", () => {
        const problems: string[] = [];
        for (const [where, name, p, required] of allProperties(schema)) {
            if ((p.description ?? "").trim().length < 10) {
                problems.push(`${where} ${name}: no description`);
            } else if (!where.endsWith(" output") && !required && !/Default: \S/.test(p.description ?? "")) {
                problems.push(`${where} ${name}: optional, but its description states no "Default: …"`);
            }
        }
        for (const [token, t] of Object.entries(schema.types)) {
            for (const e of t.enum ?? []) {
                if (!e.description) problems.push(`${token} ${e.value}: no description`);
            }
        }
        assert.deepEqual(problems, []);
    });

    it("states the default the TypeScript component documents, wherever an argument is the same", () => {
        const defaults = typeScriptDefaults();
        const differences: string[] = [];
        let compared = 0;
        const check = (name: string, properties: Record<string, SchemaProperty>) => {
            for (const [prop, p] of Object.entries(properties)) {
                const stated = /Default: (.*)$/s.exec(p.description ?? "")?.[1];
                const tsName = RENAMED[prop] ?? prop;
                const documented = (TYPESCRIPT_SOURCES[name] ?? []).map((i) => defaults.get(i)?.get(tsName)).find((d) => d !== undefined);
                if (stated === undefined || documented === undefined) continue;
                compared++;
                if (normalise(stated) !== documented && DIFFERENT_DEFAULTS[`${name}.${prop}`] === undefined) {
                    differences.push(`${name}.${prop}: "${normalise(stated)}" here, "${documented}" in TypeScript`);
                }
            }
        };
        for (const [token, r] of Object.entries(schema.resources)) check(token.split(":")[2], r.inputProperties);
        for (const [token, t] of Object.entries(schema.types)) check(token.split(":")[2], t.properties ?? {});
        assert.deepEqual(differences, []);
        assert.ok(compared > 50, `only ${compared} defaults compared`);
    });
});
