/**
 * The builders behind the processor as a Kubernetes Job / CronJob on EKS, checked without mocks: the
 * pod template, the Job and CronJob specs, the IRSA and EKS Pod Identity trust policies, and the
 * cluster settings (exact manifests and documents).
 */
import { strict as assert } from "assert";
import { readConfig } from "../app/src/processor/config";
import { batchEnvironment, processorPodTemplate, validatePodSize } from "../components/builders/kubernetes";
import { CONFIG_ERROR_EXIT_CODE, JOB_DEFAULTS, cronJobSpec, jobSpec, normaliseCronJob, normaliseJob, validateCronSchedule, validateTimeZone } from "../components/builders/kubernetes";
import { controlPlaneLogGroupName, defaultClusterName, irsaTrustPolicy, podIdentityTrustPolicy, validateCidrs, validateLogTypes } from "../components/builders/kubernetes";
import { throwsExactly } from "./support/assertions";
import { IMAGE, ISSUER, OIDC_ARN, POD, envOf } from "./support/kubernetes";

describe("Kubernetes builders", () => {
    describe("pod template", () => {
        it("builds a restricted, non-root, read-only pod with requests = limits and the batch environment", () => {
            assert.deepEqual(processorPodTemplate(POD), {
                metadata: { labels: { "app.kubernetes.io/name": "processor" } },
                spec: {
                    serviceAccountName: "processor",
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    restartPolicy: "Never",
                    terminationGracePeriodSeconds: 90,
                    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "processor",
                            image: IMAGE,
                            env: [
                                { name: "AWS_REGION", value: "eu-west-1" },
                                { name: "PROCESSOR_MODE", value: "batch" },
                                { name: "S3_BUCKET", value: "data-bucket" },
                                { name: "S3_OUTPUT_PREFIX", value: "processed/" },
                                { name: "S3_STATUS_PREFIX", value: "status/" },
                                { name: "S3_UPLOAD_PREFIX", value: "uploads/" },
                                { name: "SHUTDOWN_GRACE_MS", value: "85000" },
                                { name: "SUMMARY_PARALLELISM", value: "2" },
                                { name: "TMPDIR", value: "/tmp" },
                            ],
                            resources: { requests: { cpu: "2000m", memory: "4096Mi" }, limits: { cpu: "2000m", memory: "4096Mi" } },
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: 65532,
                                runAsGroup: 65532,
                                readOnlyRootFilesystem: true,
                                allowPrivilegeEscalation: false,
                                privileged: false,
                                capabilities: { drop: ["ALL"] },
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            volumeMounts: [{ name: "scratch", mountPath: "/tmp" }],
                            terminationMessagePolicy: "FallbackToLogsOnError",
                        },
                    ],
                    volumes: [{ name: "scratch", emptyDir: { sizeLimit: "1024Mi" } }],
                },
            });
        });

        it("sets BATCH_SHARD_COUNT only for a sharded Job and never the shard index (Kubernetes sets JOB_COMPLETION_INDEX)", () => {
            assert.equal(envOf(processorPodTemplate({ ...POD, shardCount: 4 }).spec.containers[0]).BATCH_SHARD_COUNT, "4");
            const plain = envOf(processorPodTemplate(POD).spec.containers[0]);
            assert.equal(plain.BATCH_SHARD_COUNT, undefined);
            assert.equal(plain.BATCH_SHARD_INDEX, undefined);
        });

        it("gives one summarising thread per whole vCPU, 1 to 16, and the shutdown grace 5 s inside the termination grace", () => {
            const env = (cpu: number, grace: number) => envOf({ env: batchEnvironment({ ...POD, size: { ...POD.size, cpu, terminationGracePeriodSeconds: grace } }) });
            assert.deepEqual(
                [250, 999, 1000, 2500, 16000].map((cpu) => env(cpu, 60).SUMMARY_PARALLELISM),
                ["1", "1", "1", "2", "16"],
            );
            assert.deepEqual([2, 6, 60, 120].map((g) => env(1000, g).SHUTDOWN_GRACE_MS), ["1000", "1000", "55000", "115000"]);
        });

        it("lets extra variables through but never over the ones it sets", () => {
            const env = envOf({ env: batchEnvironment({ ...POD, environment: { SUMMARY_FORMAT: "csv", SUMMARY_PARALLELISM: "1", S3_BUCKET: "other" } }) });
            assert.equal(env.SUMMARY_FORMAT, "csv");
            assert.equal(env.SUMMARY_PARALLELISM, "1");
            assert.equal(env.S3_BUCKET, "data-bucket");
        });

        it("produces an environment the processor's own config reader accepts at both size extremes", () => {
            for (const size of [
                { cpu: 250, memory: 512, scratchSizeMiB: 64, terminationGracePeriodSeconds: 2 },
                { cpu: 16000, memory: 122880, scratchSizeMiB: 204800, terminationGracePeriodSeconds: 120 },
            ]) {
                const env = envOf({ env: batchEnvironment({ ...POD, size }) });
                const config = readConfig({ ...env, S3_KEY: "uploads/x.csv" });
                assert.deepEqual([config.bucket, config.uploadPrefix, config.outputPrefix, config.statusPrefix, config.region], ["data-bucket", "uploads/", "processed/", "status/", "eu-west-1"]);
                assert.equal(config.summary.parallelism, Number(env.SUMMARY_PARALLELISM));
                assert.ok(config.shutdownGraceMs < size.terminationGracePeriodSeconds * 1000);
            }
        });

        it("validates the pod size with the field, the value and the range", () => {
            const f = (n: string) => `jobs.${n}`;
            assert.deepEqual(validatePodSize({}, f), { cpu: 1000, memory: 2048, scratchSizeMiB: 2048, terminationGracePeriodSeconds: 60 });
            throwsExactly(() => validatePodSize({ cpu: 100 }, f), "jobs.cpu: 100 is out of range; use a whole number from 250 to 16000");
            throwsExactly(() => validatePodSize({ memory: 64 }, f), "jobs.memory: 64 is out of range; use a whole number from 128 to 122880");
            throwsExactly(() => validatePodSize({ scratchSizeMiB: 0 }, f), "jobs.scratchSizeMiB: 0 is out of range; use a whole number from 64 to 204800");
            throwsExactly(() => validatePodSize({ terminationGracePeriodSeconds: 121 }, f), "jobs.terminationGracePeriodSeconds: 121 is out of range; use a whole number from 2 to 120");
        });
    });

    describe("Job", () => {
        const template = processorPodTemplate(POD);
        const failurePolicy = {
            rules: [
                { action: "FailJob", onExitCodes: { containerName: "processor", operator: "In", values: [CONFIG_ERROR_EXIT_CODE] } },
                { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
            ],
        };

        it("GIVEN no settings THEN one pod, NonIndexed, 3 retries, deleted an hour after it finishes", () => {
            assert.deepEqual(normaliseJob(undefined, "jobs.job"), { shards: undefined, parallelism: 1, completions: 1, backoffLimit: 3, ttlSecondsAfterFinished: 3600, activeDeadlineSeconds: undefined });
            assert.deepEqual(jobSpec(template, normaliseJob({}, "jobs.job")), {
                completionMode: "NonIndexed",
                completions: 1,
                parallelism: 1,
                backoffLimit: 3,
                ttlSecondsAfterFinished: 3600,
                podFailurePolicy: failurePolicy,
                template,
            });
        });

        it("GIVEN shards THEN an Indexed Job, one completion per shard, parallelism capped at the shards, retries per shard", () => {
            assert.deepEqual(jobSpec(template, normaliseJob({ shards: 4, parallelism: 10, backoffLimit: 2, ttlSecondsAfterFinished: 60, activeDeadlineSeconds: 7200 }, "jobs.job")), {
                completionMode: "Indexed",
                completions: 4,
                parallelism: 4,
                backoffLimitPerIndex: 2,
                ttlSecondsAfterFinished: 60,
                activeDeadlineSeconds: 7200,
                podFailurePolicy: failurePolicy,
                template,
            });
            assert.equal(normaliseJob({ shards: 8, parallelism: 3 }, "j").parallelism, 3);
            assert.equal(normaliseJob({ shards: 8 }, "j").parallelism, 8);
            assert.equal(normaliseJob({ shards: 8, completions: 8 }, "j").completions, 8);
            assert.equal(normaliseJob({ backoffLimit: 0 }, "j").backoffLimit, 0, "0 retries stays 0");
        });

        it("rejects bad settings naming the field, the value and what is allowed", () => {
            throwsExactly(() => normaliseJob({ shards: 0 }, "jobs.job"), "jobs.job.shards: 0 is out of range; use a whole number from 1 to 1000");
            throwsExactly(
                () => normaliseJob({ shards: 4, completions: 2 }, "jobs.job"),
                "jobs.job.completions: 2 cannot differ from jobs.job.shards (4); leave jobs.job.completions unset with jobs.job.shards: an Indexed Job runs one completion per shard",
            );
            throwsExactly(() => normaliseJob({ parallelism: 1.5 }, "jobs.job"), "jobs.job.parallelism: 1.5 is out of range; use a whole number from 1 to 1000");
            throwsExactly(() => normaliseJob({ backoffLimit: -1 }, "jobs.job"), "jobs.job.backoffLimit: -1 is out of range; use a whole number from 0 to 100");
            throwsExactly(() => normaliseJob({ ttlSecondsAfterFinished: -5 }, "jobs.job"), "jobs.job.ttlSecondsAfterFinished: -5 is out of range; use a whole number from 0 to 31536000");
            throwsExactly(() => normaliseJob({ activeDeadlineSeconds: 0 }, "jobs.job"), "jobs.job.activeDeadlineSeconds: 0 is out of range; use a whole number from 1 to 2592000");
            assert.equal(JOB_DEFAULTS.backoffLimit, 3);
        });
    });

    describe("CronJob", () => {
        it("GIVEN a schedule THEN UTC, Forbid, a 5-minute start deadline, 3/1 history and the Job's exact spec as its template", () => {
            const template = processorPodTemplate(POD);
            const job = normaliseJob({ shards: 2 }, "jobs.job");
            const cron = normaliseCronJob({ schedule: "0 2 * * *" }, "jobs.cronJob");
            assert.deepEqual(cron, {
                schedule: "0 2 * * *",
                timeZone: "Etc/UTC",
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 300,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 1,
                suspend: false,
            });
            assert.deepEqual(cronJobSpec(template, job, cron), {
                ...cron,
                jobTemplate: { metadata: { labels: template.metadata.labels }, spec: jobSpec(template, job) },
            });
        });

        it("accepts the schedules Kubernetes accepts", () => {
            for (const s of ["0 2 * * *", "*/15 * * * MON-FRI", "0,30 8-18 1,15 jan-jun ?", "5 4 * * sun", "0 0 28-31 * *", "@hourly", "@daily", "@yearly", " 1 2 3 4 5 "]) {
                assert.doesNotThrow(() => validateCronSchedule(s, "s"), s);
            }
            assert.equal(validateCronSchedule("  0  2 * *   * ", "s"), "0 2 * * *");
        });

        it("rejects schedules with the reason and the allowed forms", () => {
            const allowed = 'use five fields "minute hour day-of-month month day-of-week" such as "0 2 * * *", or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly';
            const cases: [string, string][] = [
                ["0 2 * *", 'jobs.cronJob.schedule: "0 2 * *" has 4 fields, not 5'],
                ["0 0 2 * * *", 'jobs.cronJob.schedule: "0 0 2 * * *" has 6 fields, not 5'],
                ["60 * * * *", 'jobs.cronJob.schedule: "60 * * * *" is not a valid cron schedule: minute 60 is outside 0-59'],
                ["0 24 * * *", 'jobs.cronJob.schedule: "0 24 * * *" is not a valid cron schedule: hour 24 is outside 0-23'],
                ["0 0 0 * *", 'jobs.cronJob.schedule: "0 0 0 * *" is not a valid cron schedule: day-of-month 0 is outside 1-31'],
                ["0 0 * 13 *", 'jobs.cronJob.schedule: "0 0 * 13 *" is not a valid cron schedule: month 13 is outside 1-12'],
                ["0 0 * * 7", 'jobs.cronJob.schedule: "0 0 * * 7" is not a valid cron schedule: day-of-week 7 is outside 0-6'],
                ["0 0 * * FUN", 'jobs.cronJob.schedule: "0 0 * * FUN" is not a valid cron schedule: day-of-week "FUN" is not a number or a name (SUN, MON, TUE, WED, THU, FRI, SAT)'],
                ["*/0 * * * *", 'jobs.cronJob.schedule: "*/0 * * * *" is not a valid cron schedule: minute "*/0" is not a value, range or step'],
                ["30-10 * * * *", 'jobs.cronJob.schedule: "30-10 * * * *" is not a valid cron schedule: minute range "30-10" runs backwards'],
                ["? * * * *", 'jobs.cronJob.schedule: "? * * * *" is not a valid cron schedule: minute "?" is not a number'],
                ["@every 5m", 'jobs.cronJob.schedule: "@every 5m" is not a cron macro Kubernetes knows'],
                ["", 'jobs.cronJob.schedule: "" is not a cron schedule'],
            ];
            for (const [schedule, start] of cases) {
                throwsExactly(() => validateCronSchedule(schedule, "jobs.cronJob.schedule"), `${start}; ${allowed}`);
            }
            throwsExactly(
                () => validateCronSchedule("CRON_TZ=Europe/Berlin 0 2 * * *", "jobs.cronJob.schedule"),
                'jobs.cronJob.schedule: "CRON_TZ=Europe/Berlin 0 2 * * *" sets a time zone inside the schedule, which Kubernetes rejects; give the zone in timeZone and five fields here',
            );
        });

        it("accepts IANA time zones and rejects anything else", () => {
            for (const z of ["Etc/UTC", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+3"]) {
                assert.equal(validateTimeZone(z, "z"), z);
            }
            const allowed = 'use a tz database name such as "Etc/UTC", "Europe/Berlin" or "America/New_York"';
            for (const z of ["Mars/Olympus_Mons", "Local", "+01:00", "Europe/", "", "Europe/Berlin "]) {
                throwsExactly(() => validateTimeZone(z, "jobs.cronJob.timeZone"), `jobs.cronJob.timeZone: ${JSON.stringify(z)} is not an IANA time zone; ${allowed}`);
            }
        });

        it("rejects bad CronJob settings", () => {
            throwsExactly(
                () => normaliseCronJob({ schedule: "@daily", concurrencyPolicy: "Sometimes" as never }, "c"),
                'c.concurrencyPolicy: "Sometimes" is not a CronJob concurrency policy; use one of Forbid, Allow, Replace',
            );
            throwsExactly(() => normaliseCronJob({ schedule: "@daily", startingDeadlineSeconds: 5 }, "c"), "c.startingDeadlineSeconds: 5 is out of range; use a whole number from 10 to 86400");
            throwsExactly(() => normaliseCronJob({ schedule: "@daily", successfulJobsHistoryLimit: 101 }, "c"), "c.successfulJobsHistoryLimit: 101 is out of range; use a whole number from 0 to 100");
            throwsExactly(() => normaliseCronJob({ schedule: "@daily", failedJobsHistoryLimit: -1 }, "c"), "c.failedJobsHistoryLimit: -1 is out of range; use a whole number from 0 to 100");
            assert.deepEqual(normaliseCronJob({ schedule: "@daily", concurrencyPolicy: "Replace", suspend: true, successfulJobsHistoryLimit: 0 }, "c"), {
                schedule: "@daily",
                timeZone: "Etc/UTC",
                concurrencyPolicy: "Replace",
                startingDeadlineSeconds: 300,
                successfulJobsHistoryLimit: 0,
                failedJobsHistoryLimit: 1,
                suspend: true,
            });
        });
    });

    describe("trust policies", () => {
        it("IRSA: only this ServiceAccount's token, issued for STS, via the cluster's OIDC provider", () => {
            const expected = {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "ServiceAccountWebIdentity",
                        Effect: "Allow",
                        Principal: { Federated: OIDC_ARN },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                [`${ISSUER}:sub`]: "system:serviceaccount:batch:processor",
                                [`${ISSUER}:aud`]: "sts.amazonaws.com",
                            },
                        },
                    },
                ],
            };
            const subject = { namespace: "batch", serviceAccount: "processor", oidcProviderArn: OIDC_ARN };
            assert.deepEqual(irsaTrustPolicy({ ...subject, issuer: ISSUER }), expected);
            assert.deepEqual(irsaTrustPolicy({ ...subject, issuer: `https://${ISSUER}` }), expected, "the issuer URL's scheme is not part of the condition key");
        });

        it("Pod Identity: the EKS Auth service, AssumeRole + TagSession, only for this cluster, namespace and ServiceAccount", () => {
            const policy = podIdentityTrustPolicy({ namespace: "batch", serviceAccount: "processor", clusterName: "shared" });
            assert.equal(policy.Statement.length, 1);
            const [only] = policy.Statement;
            assert.deepEqual([only.Effect, only.Principal, only.Action], ["Allow", { Service: "pods.eks.amazonaws.com" }, ["sts:AssumeRole", "sts:TagSession"]]);
            // The session tags Pod Identity sets, each bound to this cluster, namespace and ServiceAccount.
            const tags = Object.entries(only.Condition?.StringEquals ?? {}).map(([key, value]) => `${key.replace("aws:RequestTag/", "")}=${String(value)}`);
            assert.deepEqual(tags, ["eks-cluster-name=shared", "kubernetes-namespace=batch", "kubernetes-service-account=processor"]);
            assert.deepEqual(Object.keys(only.Condition ?? {}), ["StringEquals"]);
        });
    });

    describe("cluster settings", () => {
        it("names the control-plane log group the way EKS does, and the cluster after project, stack and component", () => {
            assert.equal(controlPlaneLogGroupName("batch-cluster"), "/aws/eks/batch-cluster/cluster");
            assert.equal(defaultClusterName("s3-fargate-pipeline", "dev", "jobs"), "s3-fargate-pipeline-dev-jobs");
            assert.equal(defaultClusterName("p", "s", "a.b/c"), "p-s-a-b-c");
            assert.equal(defaultClusterName("p", "s", "x".repeat(200)).length, 100);
        });

        it("rejects unknown or repeated log types and malformed CIDR blocks", () => {
            assert.deepEqual(validateLogTypes(["api", "scheduler"], "l"), ["api", "scheduler"]);
            throwsExactly(() => validateLogTypes(["api", "kubelet"], "l"), 'l[1]: "kubelet" is not an EKS control-plane log type; use one of api, audit, authenticator, controllerManager, scheduler');
            throwsExactly(() => validateLogTypes(["api", "api"], "l"), 'l[1]: "api" is listed twice; name each log type once');
            assert.deepEqual(validateCidrs(["203.0.113.0/24"], "c"), ["203.0.113.0/24"]);
            throwsExactly(() => validateCidrs(["203.0.113.0"], "c"), 'c[0]: "203.0.113.0" is not an IPv4 CIDR block; write it as "203.0.113.0/24"');
            throwsExactly(() => validateCidrs(["300.0.0.0/8"], "c"), 'c[0]: "300.0.0.0/8" is not an IPv4 CIDR block; write it as "203.0.113.0/24"');
            throwsExactly(() => validateCidrs([], "c"), "c: [] is empty; leave it unset for a private-only endpoint, or list the CIDR blocks that may reach the public endpoint");
        });
    });
});
