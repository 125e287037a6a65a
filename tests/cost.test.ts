/**
 * The cost model: arithmetic against hand-computed figures, every default, Spot weighting, ARM prices,
 * byte-range shards, and rejected inputs with their exact messages. The CLI is in cost-cli.test.ts, the
 * processor's measured S3 requests and log volume that the model's constants rest on in
 * cost-measured.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    COST_DEFAULTS,
    COST_PATTERNS,
    COST_PRICES,
    CostReport,
    CostWorkload,
    FREE_TIER,
    PRICED_REGIONS,
    billedTaskSeconds,
    eksFargatePodSize,
    estimateCosts,
    formatUsd,
    renderCostMarkdown,
    resolveWorkload,
    spotSecondsOfService,
    spotShareOfSingleTasks,
    stackCostConfig,
} from "../tools/cost";
import { SINGLE_TASK_WEIGHTS, singleTaskPlacement } from "../components/builders/capacity";
import { main } from "../scripts/cost";
import { rangedReadGets } from "../components/builders/contracts";
import { ROOT } from "./mocks";
import { MONTH_SECONDS, hasLine, lineOf, near, pattern, stack, stackYaml, throwsExactly } from "./support/cost";

describe("cost model: prices", () => {
    it("has a price table for us-east-1 and eu-west-1 with positive figures", () => {
        assert.deepEqual([...PRICED_REGIONS], ["us-east-1", "eu-west-1"]);
        for (const region of PRICED_REGIONS) {
            const p = COST_PRICES[region];
            const figures = [
                p.fargate.x86.vcpuHour, p.fargate.x86.gbHour, p.fargate.arm.vcpuHour, p.fargate.arm.gbHour, p.fargate.ephemeralGbHour,
                p.publicIpv4Hour, p.eventBridgeEventPerMillion, p.schedulerInvocationPerMillion, p.sqsRequestPerMillion,
                p.lambda.requestPerMillion, p.lambda.gbSecondX86, p.lambda.gbSecondArm, p.eksClusterHour,
                p.logs.ingestGb, p.logs.storageGbMonth, p.metricMonth, p.s3.putPer1000, p.s3.getPer1000,
            ];
            assert.ok(figures.every((n) => n > 0), region);
            // ARM is about 20% cheaper than x86; Spot is at most 70% off ("up to 70%").
            near(p.fargate.arm.vcpuHour / p.fargate.x86.vcpuHour, 0.8, `${region} ARM/x86`, 0.01);
            assert.ok(p.fargate.spotDiscount > 0.5 && p.fargate.spotDiscount <= 0.7, `${region} spot discount`);
        }
    });

    it("uses the price-list figures for Fargate x86 and ARM in us-east-1", () => {
        assert.deepEqual(COST_PRICES["us-east-1"].fargate.x86, { vcpuHour: 0.04048, gbHour: 0.004445 });
        assert.deepEqual(COST_PRICES["us-east-1"].fargate.arm, { vcpuHour: 0.03238, gbHour: 0.00356 });
        assert.equal(COST_PRICES["eu-west-1"].logs.ingestGb, 0.57);
        assert.equal(COST_PRICES["us-east-1"].logs.ingestGb, 0.5);
    });
});

describe("cost model: stack configuration", () => {
    const defaults = stackCostConfig({ "aws:region": "eu-west-1" });
    const expected: Record<string, unknown> = {
        taskCpu: 1024,
        taskMemory: 2048,
        cpuArchitecture: "X86_64",
        ephemeralStorageGiB: undefined,
        capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 },
        logRetentionDays: 30,
        assignPublicIp: true,
        expireUploadsAfterDays: false,
    };
    for (const [key, value] of Object.entries(expected)) {
        it(`defaults ${key} to ${JSON.stringify(value)} like the program`, () => {
            assert.deepEqual((defaults as unknown as Record<string, unknown>)[key], value);
        });
    }

    it("reads numbers and booleans written as strings by pulumi config set", () => {
        const c = stackCostConfig({
            "aws:region": "us-east-1",
            "s3-fargate-pipeline:taskCpu": "512",
            "s3-fargate-pipeline:taskMemory": "2048",
            "s3-fargate-pipeline:assignPublicIp": "false",
            "s3-fargate-pipeline:fargateSpotWeight": "2",
            "s3-fargate-pipeline:ephemeralStorageGiB": 40,
            "s3-fargate-pipeline:expireUploadsAfterDays": "7",
        });
        assert.deepEqual(
            [c.taskCpu, c.taskMemory, c.assignPublicIp, c.capacity.fargateSpotWeight, c.ephemeralStorageGiB, c.expireUploadsAfterDays],
            [512, 2048, false, 2, 40, 7],
        );
    });

    it("reads the dev and prod stack files key by key", () => {
        for (const name of ["dev", "prod"]) {
            const raw = stackYaml(name);
            const c = stackCostConfig(raw);
            const key = (k: string) => raw[`s3-fargate-pipeline:${k}`];
            assert.deepEqual(
                [c.region, c.taskCpu, c.taskMemory, c.cpuArchitecture, c.ephemeralStorageGiB, c.logRetentionDays, c.assignPublicIp],
                [raw["aws:region"], key("taskCpu"), key("taskMemory"), key("cpuArchitecture"), key("ephemeralStorageGiB"), key("logRetentionDays"), key("assignPublicIp")],
                name,
            );
            assert.deepEqual(c.capacity, { fargateBase: key("fargateBase"), fargateWeight: key("fargateWeight"), fargateSpotWeight: key("fargateSpotWeight") }, name);
        }
    });

    it("rejects an unknown region, listing the supported ones", () => {
        throwsExactly(() => stackCostConfig({ "aws:region": "ap-south-1" }), 'aws:region: "ap-south-1" has no price table in this cost model; use one of us-east-1, eu-west-1');
    });

    it("rejects a stack without a region", () => {
        throwsExactly(() => stackCostConfig({}), "aws:region: undefined is not set; set it for the stack (pulumi config set aws:region eu-west-1); priced regions: us-east-1, eu-west-1");
    });

    it("rejects a task size Fargate does not offer, naming the config key", () => {
        throwsExactly(
            () => stackCostConfig({ "aws:region": "eu-west-1", "s3-fargate-pipeline:taskCpu": 3000 }),
            "s3-fargate-pipeline:taskCpu: 3000 is not a Fargate CPU size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384",
        );
    });

    it("rejects a value that is not a number", () => {
        throwsExactly(
            () => stackCostConfig({ "aws:region": "eu-west-1", "s3-fargate-pipeline:taskMemory": "lots" }),
            's3-fargate-pipeline:taskMemory: "lots" is not a number; set a number, e.g. pulumi config set taskMemory 1024',
        );
    });

    it("rejects a boolean that is neither true nor false", () => {
        throwsExactly(() => stackCostConfig({ "aws:region": "eu-west-1", "s3-fargate-pipeline:assignPublicIp": "yes" }), 's3-fargate-pipeline:assignPublicIp: "yes" is not a boolean; use true or false');
    });

    it("rejects an unknown CPU architecture", () => {
        throwsExactly(
            () => stackCostConfig({ "aws:region": "eu-west-1", "s3-fargate-pipeline:cpuArchitecture": "MIPS" }),
            's3-fargate-pipeline:cpuArchitecture: "MIPS" is not a Fargate CPU architecture; use one of X86_64, ARM64',
        );
    });

    it("rejects a capacity split with no weight", () => {
        throwsExactly(
            () => stackCostConfig({ "aws:region": "eu-west-1", "s3-fargate-pipeline:fargateWeight": 0 }),
            "s3-fargate-pipeline:fargateWeight and s3-fargate-pipeline:fargateSpotWeight: [0,0] are both 0; give at least one of them a weight above 0",
        );
    });

    it("rejects a log retention CloudWatch does not accept", () => {
        throwsExactly(
            () => stackCostConfig({ "aws:region": "eu-west-1", "s3-fargate-pipeline:logRetentionDays": 10 }),
            "s3-fargate-pipeline:logRetentionDays: 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
        );
    });
});

describe("cost model: workload", () => {
    const w = resolveWorkload({ filesPerMonth: 10, secondsPerFile: 5 }, stack());
    const expected: [keyof typeof w, unknown][] = [
        ["rowsPerSecondPerVcpu", 2_500_000],
        ["bytesPerRow", 84],
        ["requestSecondsPerFile", 0.5],
        ["s3ReadMBps", undefined],
        ["taskStartupSeconds", 20],
        ["scheduleHours", 24],
        ["minWorkers", 1],
        ["maxWorkers", 10],
        ["pollWaitSeconds", 20],
        ["scaleInSeconds", 300],
        ["lambdaMemoryMB", 128],
        ["lambdaDurationMs", 300],
        ["lambdaArchitecture", "X86_64"],
        ["eksNodes", undefined],
        ["eksNodeHourlyUsd", undefined],
        ["spotDiscount", COST_PRICES["us-east-1"].fargate.spotDiscount],
        ["applyFreeTier", false],
    ];
    for (const [key, value] of expected) {
        it(`defaults ${key} to ${JSON.stringify(value)}`, () => {
            assert.deepEqual(w[key], value);
            if (key in COST_DEFAULTS) {
                assert.deepEqual((COST_DEFAULTS as Record<string, unknown>)[key], value);
            }
        });
    }

    it("uses the region's Spot discount unless one is given", () => {
        assert.equal(resolveWorkload({ filesPerMonth: 1, secondsPerFile: 1 }, stack({ region: "eu-west-1" })).spotDiscount, 0.6893);
        assert.equal(resolveWorkload({ filesPerMonth: 1, secondsPerFile: 1, spotDiscount: 0.5 }, stack()).spotDiscount, 0.5);
    });

    it("derives processing time from the size: 100 MB / 84 B per row / (2.5 M rows/s × vCPU) + 0.5 s", () => {
        // 100e6 / 84 = 1,190,476 rows; / 2.5e6 = 0.47619 s at 1 vCPU, 0.95238 s at 0.5 vCPU.
        near(resolveWorkload({ filesPerMonth: 1, fileSizeMB: 100 }, stack()).secondsPerFile, 0.9761904761904763, "1 vCPU");
        near(resolveWorkload({ filesPerMonth: 1, fileSizeMB: 100 }, stack({ taskCpu: 512, taskMemory: 1024 })).secondsPerFile, 1.4523809523809526, "0.5 vCPU");
        // Reading S3 at 50 MB/s takes 2 s, longer than the CPU's 0.476 s.
        near(resolveWorkload({ filesPerMonth: 1, fileSizeMB: 100, s3ReadMBps: 50 }, stack()).secondsPerFile, 2.5, "read-bound");
        assert.equal(resolveWorkload({ filesPerMonth: 1, secondsPerFile: 42 }, stack()).secondsPerFile, 42);
    });

    const rejects: [string, CostWorkload, string][] = [
        ["negative files", { filesPerMonth: -1, secondsPerFile: 1 }, "filesPerMonth: -1 is out of range; use a whole number from 0 to 1000000000"],
        ["fractional files", { filesPerMonth: 1.5, secondsPerFile: 1 }, "filesPerMonth: 1.5 is out of range; use a whole number from 0 to 1000000000"],
        ["size and seconds together", { filesPerMonth: 1, fileSizeMB: 10, secondsPerFile: 5 }, "fileSizeMB and secondsPerFile: [10,5] are both set; give one: the size to derive processing time from, or the measured seconds per file"],
        ["neither size nor seconds", { filesPerMonth: 1 }, "fileSizeMB and secondsPerFile: neither is set; give the average file size in MB, or the measured processing seconds per file"],
        ["a zero size", { filesPerMonth: 1, fileSizeMB: 0 }, "fileSizeMB: 0 is out of range; use a number above 0 and at most 5000000"],
        ["more workers minimum than maximum", { filesPerMonth: 1, secondsPerFile: 1, minWorkers: 5, maxWorkers: 2 }, "maxWorkers: 2 is below minWorkers (5); use a maximum of at least 5"],
        ["nodes without a price", { filesPerMonth: 1, secondsPerFile: 1, eksNodes: 2 }, "eksNodes: is set without eksNodeHourlyUsd; set both to price KubernetesJobs on nodes, or neither for Fargate pods"],
        ["a node price without nodes", { filesPerMonth: 1, secondsPerFile: 1, eksNodeHourlyUsd: 0.1 }, "eksNodeHourlyUsd: is set without eksNodes; set both to price KubernetesJobs on nodes, or neither for Fargate pods"],
        ["a Spot discount above 90%", { filesPerMonth: 1, secondsPerFile: 1, spotDiscount: 0.95 }, "spotDiscount: 0.95 is out of range; use a number from 0 to 0.9"],
        ["a schedule shorter than a minute", { filesPerMonth: 1, secondsPerFile: 1, scheduleHours: 0 }, "scheduleHours: 0 is out of range; use a number from 0.016666666666666666 to 730"],
        ["a long poll over 20 s", { filesPerMonth: 1, secondsPerFile: 1, pollWaitSeconds: 30 }, "pollWaitSeconds: 30 is out of range; use a whole number from 1 to 20"],
        ["Lambda memory under 128 MB", { filesPerMonth: 1, secondsPerFile: 1, lambdaMemoryMB: 64 }, "lambdaMemoryMB: 64 is out of range; use a whole number from 128 to 10240"],
        ["an unknown Lambda architecture", { filesPerMonth: 1, secondsPerFile: 1, lambdaArchitecture: "MIPS" as never }, 'lambdaArchitecture: "MIPS" is not a Fargate CPU architecture; use one of X86_64, ARM64'],
    ];
    for (const [what, workload, message] of rejects) {
        it(`rejects ${what}`, () => throwsExactly(() => estimateCosts(stack(), workload), message));
    }

    it("rejects a workload the maximum number of workers cannot keep up with", () => {
        // 100,000 files × 300 s = 30,000,000 s; 10 workers give 10 × 2,628,000 = 26,280,000 s.
        throwsExactly(
            () => estimateCosts(stack(), { filesPerMonth: 100_000, secondsPerFile: 300 }),
            "maxWorkers: 10 is too few workers for 100000 files of 300 s (11.42 workers busy all month); use at least 12, or fewer or faster files",
        );
    });

    it("names the CLI's flags in errors when given field names", () => {
        throwsExactly(() => estimateCosts(stack(), { filesPerMonth: -3, secondsPerFile: 1 }, { filesPerMonth: "--files-per-month" }), "--files-per-month: -3 is out of range; use a whole number from 0 to 1000000000");
    });
});

describe("cost model: arithmetic", () => {
    it("prices UploadTrigger for 100 files of 100 s on 1 vCPU / 2 GB x86 on-demand as computed by hand", () => {
        const r = estimateCosts(stack(), { filesPerMonth: 100, secondsPerFile: 100 });
        assert.equal(r.taskSecondsPerFile, 120); // 20 s startup + 100 s
        // 100 × 120 s = 12,000 s = 3.3333 h.
        near(lineOf(r, "UploadTrigger", "Fargate vCPU-hours, on-demand").monthlyUsd, 0.13493333333333335, "vCPU"); // 3.3333 × 1 × 0.04048
        near(lineOf(r, "UploadTrigger", "Fargate GB-hours, on-demand").monthlyUsd, 0.029633333333333334, "GB"); // 3.3333 × 2 × 0.004445
        const events = lineOf(r, "UploadTrigger", "EventBridge S3 events");
        assert.equal(events.quantity, 400); // upload + 3 result writes, no expiry
        near(events.monthlyUsd, 0.0004, "events"); // 400 × $1 / 1M
        near(lineOf(r, "UploadTrigger", "S3 PUT").monthlyUsd, 0.0015, "PUT"); // 300 × $0.005 / 1,000
        near(lineOf(r, "UploadTrigger", "S3 GET").monthlyUsd, 0.00008, "GET"); // 200 × $0.0004 / 1,000
        // A file of at least 8 MiB is read in ranged parts of up to 8 MiB, one per GET in flight at least (8 on 1 vCPU).
        const sized = (mb: number) => lineOf(estimateCosts(stack(), { filesPerMonth: 100, fileSizeMB: mb }), "UploadTrigger", "S3 GET");
        assert.equal(sized(8).quantity, 200, "under 8 MiB: the opened stream");
        assert.equal(sized(34).quantity, 100 * (2 + 8), "8 parts of 4.25 MB");
        assert.equal(sized(1000).quantity, 100 * (2 + 119), "1 GB: 119 parts of 8 MiB, the last with the rest (1.7 MB)");
        assert.match(sized(1000).item, /8 MiB ranged parts/);
        assert.deepEqual([rangedReadGets(8 * 1048576, 1), rangedReadGets(100 * 1048576, 4), rangedReadGets(100 * 1048576, 16)], [8, 13, 16]);
        // 1,520 + 342 bytes per file (one progress line when the size is unknown) × 100 = 186,200 bytes.
        near(lineOf(r, "UploadTrigger", "CloudWatch Logs ingestion").monthlyUsd, 0.0000931, "ingestion"); // 0.0001862 GB × $0.50
        // 0.0001862 GB × 30 / 30.4167 days × 0.25 compressed × $0.03.
        near(lineOf(r, "UploadTrigger", "CloudWatch Logs storage").monthlyUsd, 1.3773698630136984e-6, "storage");
        // 10 metrics × (1 − e^(−100/730)) active hours × $0.30.
        near(lineOf(r, "UploadTrigger", "CloudWatch custom metrics").monthlyUsd, 0.3840534869653748, "metrics");
        assert.equal(hasLine(r, "UploadTrigger", "Public IPv4"), false);
        assert.equal(hasLine(r, "UploadTrigger", "Fargate vCPU-hours, Spot"), false);
        assert.equal(hasLine(r, "UploadTrigger", "Ephemeral"), false);
        near(pattern(r, "UploadTrigger").totalUsd, 0.5506946310019045, "total");
    });

    it("bills a short task a full minute", () => {
        assert.equal(billedTaskSeconds(20, 5), 60);
        assert.equal(billedTaskSeconds(20, 40.2), 61);
        const r = estimateCosts(stack(), { filesPerMonth: 100, secondsPerFile: 5 });
        near(lineOf(r, "UploadTrigger", "Fargate vCPU-hours, on-demand").quantity, 100 * 60 / 3600, "vCPU-h");
    });

    it("charges a public IPv4 address for every task-hour when tasks get one", () => {
        const r = estimateCosts(stack({ assignPublicIp: true }), { filesPerMonth: 100, secondsPerFile: 100 });
        near(lineOf(r, "UploadTrigger", "Public IPv4").monthlyUsd, (12000 / 3600) * 0.005, "IPv4");
    });

    it("charges ephemeral storage only above the included 20 GiB", () => {
        const r = estimateCosts(stack({ ephemeralStorageGiB: 50 }), { filesPerMonth: 100, secondsPerFile: 100 });
        const storage = lineOf(r, "UploadTrigger", "Ephemeral storage above 20 GiB");
        near(storage.quantity, 100, "GB-h"); // 30 GB × 3.3333 h
        near(storage.monthlyUsd, 0.0111, "USD"); // 100 × $0.000111
    });

    it("counts the expiry deletion as a fifth S3 event per file when uploads expire", () => {
        const r = estimateCosts(stack({ expireUploadsAfterDays: 14 }), { filesPerMonth: 100, secondsPerFile: 1 });
        assert.equal(lineOf(r, "UploadTrigger", "EventBridge S3 events").quantity, 500);
    });

    it("prices ScheduledTask: 10 runs of 100 files of 3 s", () => {
        // 730 h / 73 h = 10 runs; each 20 s + 100 × 3 s = 320 s.
        const r = estimateCosts(stack(), { filesPerMonth: 1000, secondsPerFile: 3, scheduleHours: 73 });
        near(lineOf(r, "ScheduledTask", "Fargate vCPU-hours, on-demand").monthlyUsd, 0.03598222222222222, "vCPU"); // 3,200 s × 0.04048 / 3600
        const scheduler = lineOf(r, "ScheduledTask", "EventBridge Scheduler");
        assert.equal(scheduler.quantity, 10);
        near(scheduler.monthlyUsd, 0.00001, "scheduler");
        assert.equal(lineOf(r, "ScheduledTask", "S3 PUT/LIST").quantity, 3010); // 3 per file + one listing page per run
        near(lineOf(r, "ScheduledTask", "CloudWatch custom metrics").quantity, 0.2191780821917808, "metric-months"); // 16 × 10 h / 730 h
        assert.equal(hasLine(r, "ScheduledTask", "EventBridge S3 events"), false);
    });

    it("prices an always-on QueueWorkerService with its idle long polls", () => {
        const r = estimateCosts(stack(), { filesPerMonth: 1000, secondsPerFile: 60 });
        near(lineOf(r, "QueueWorkerService", "Fargate vCPU-hours, on-demand").monthlyUsd, 29.5504, "vCPU"); // 730 h × 0.04048
        near(lineOf(r, "QueueWorkerService", "Fargate GB-hours, on-demand").monthlyUsd, 6.4897, "GB"); // 1,460 GB-h × 0.004445
        assert.equal(lineOf(r, "QueueWorkerService", "SQS requests").quantity, 3000);
        // Idle: 2,628,000 − 60,000 s, one empty receive per 20 s.
        assert.equal(lineOf(r, "QueueWorkerService", "SQS empty receives").quantity, 128_400);
        near(lineOf(r, "QueueWorkerService", "SQS requests").monthlyUsd + lineOf(r, "QueueWorkerService", "SQS empty receives").monthlyUsd, 0.05256, "SQS");
    });

    it("prices a QueueWorkerService scaled to zero by the task lifetime of each file", () => {
        // 100 files × (20 s start + 60 s + 300 s until scale-in) = 38,000 s.
        const r = estimateCosts(stack(), { filesPerMonth: 100, secondsPerFile: 60, minWorkers: 0 });
        near(lineOf(r, "QueueWorkerService", "Fargate vCPU-hours, on-demand").quantity, 38_000 / 3600, "vCPU-h");
        assert.equal(lineOf(r, "QueueWorkerService", "SQS empty receives").quantity, 1600); // (38,000 − 6,000) / 20
        // 10,000 files arrive more often than a task lives: one task stays up all month.
        const busy = estimateCosts(stack(), { filesPerMonth: 10_000, secondsPerFile: 60, minWorkers: 0 });
        near(lineOf(busy, "QueueWorkerService", "Fargate vCPU-hours, on-demand").quantity, 730, "vCPU-h");
    });

    it("prices Lambda requests and GB-seconds, and takes off the free tier when asked", () => {
        const r = estimateCosts(stack(), { filesPerMonth: 2_000_000, secondsPerFile: 1, maxWorkers: 1000 });
        near(lineOf(r, "LambdaTrigger", "Lambda requests").monthlyUsd, 0.4, "requests"); // 2M × $0.20 / 1M
        const duration = lineOf(r, "LambdaTrigger", "Lambda duration");
        assert.equal(duration.quantity, 75_000); // 2M × 0.3 s × 0.125 GB
        near(duration.monthlyUsd, 1.2500025, "GB-s"); // 75,000 × 0.0000166667
        const arm = estimateCosts(stack(), { filesPerMonth: 2_000_000, secondsPerFile: 1, maxWorkers: 1000, lambdaArchitecture: "ARM64" });
        near(lineOf(arm, "LambdaTrigger", "Lambda duration").monthlyUsd, 1.000005, "Arm GB-s"); // 75,000 × 0.0000133334
        const free = estimateCosts(stack(), { filesPerMonth: 2_000_000, secondsPerFile: 1, maxWorkers: 1000, applyFreeTier: true });
        near(lineOf(free, "LambdaTrigger", "Lambda requests").monthlyUsd, 0.2, "requests after 1M free");
        assert.equal(lineOf(free, "LambdaTrigger", "Lambda duration").monthlyUsd, 0);
        assert.equal(lineOf(free, "LambdaTrigger", "CloudWatch custom metrics").monthlyUsd, 0); // 10 metrics free
        assert.equal(lineOf(free, "LambdaTrigger", "Lambda requests").freeQuantity, FREE_TIER.lambdaRequests);
    });

    it("prices KubernetesJobs: the control plane all month and a pod per run, rounded up with EKS's 256 MiB", () => {
        assert.deepEqual(eksFargatePodSize(512, 1024), { cpu: 512, memory: 2048 });
        assert.deepEqual(eksFargatePodSize(2048, 4096), { cpu: 2048, memory: 5120 });
        assert.deepEqual(eksFargatePodSize(1024, 8192), { cpu: 2048, memory: 9216 });
        assert.deepEqual(eksFargatePodSize(256, 512), { cpu: 256, memory: 1024 });
        throwsExactly(() => eksFargatePodSize(16384, 122880), "taskMemory: 122880 plus the 256 MiB EKS adds fits no Fargate pod size; use a smaller memory size");
        const r = estimateCosts(stack({ taskCpu: 512, taskMemory: 1024 }), { filesPerMonth: 0, secondsPerFile: 1, scheduleHours: 73 });
        near(lineOf(r, "KubernetesJobs", "EKS control plane").monthlyUsd, 73, "control plane"); // 730 h × $0.10
        // 10 runs of the 60 s minimum on a 0.5 vCPU / 2 GB pod.
        near(lineOf(r, "KubernetesJobs", "Fargate vCPU-hours, on-demand").quantity, 600 / 3600 * 0.5, "vCPU-h");
        near(lineOf(r, "KubernetesJobs", "Fargate GB-hours, on-demand").quantity, 600 / 3600 * 2, "GB-h");
        const nodes = estimateCosts(stack(), { filesPerMonth: 0, secondsPerFile: 1, eksNodes: 2, eksNodeHourlyUsd: 0.0416 });
        near(lineOf(nodes, "KubernetesJobs", "Worker nodes").monthlyUsd, 60.736, "nodes"); // 2 × 730 × 0.0416
        assert.equal(hasLine(nodes, "KubernetesJobs", "Fargate"), false);
    });

    it("keeps a total equal to the sum of its lines for every pattern", () => {
        const r = estimateCosts(stack({ assignPublicIp: true, ephemeralStorageGiB: 30, capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 1 } }), { filesPerMonth: 5000, fileSizeMB: 40 });
        assert.deepEqual(r.patterns.map((p) => p.pattern), [...COST_PATTERNS]);
        for (const p of r.patterns) {
            near(p.totalUsd, p.lines.reduce((s, l) => s + l.monthlyUsd, 0), p.pattern);
        }
    });
});

describe("cost model: Spot weighting", () => {
    // ECS documents weights as shares of the tasks one RunTask call (or one service) launches; each upload is a
    // one-task call, so only all-or-nothing splits have a documented placement per file.
    it("prices one-task calls at Spot only where every such task is documented to run there", () => {
        assert.equal(singleTaskPlacement({ fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 }), "FARGATE_SPOT");
        assert.equal(singleTaskPlacement({ fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 }), "FARGATE");
        assert.equal(singleTaskPlacement({ fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 }), "FARGATE");
        assert.equal(singleTaskPlacement({ fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 3 }), "unspecified");
        assert.equal(singleTaskPlacement({ fargateBase: 0, fargateWeight: 7, fargateSpotWeight: 3 }), "unspecified");
        assert.equal(spotShareOfSingleTasks({ fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 }), 1);
        assert.equal(spotShareOfSingleTasks({ fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 3 }), 0);
        assert.equal(spotShareOfSingleTasks({ fargateBase: 1, fargateWeight: 0, fargateSpotWeight: 1 }), 0);
    });

    it("GIVEN mixed weights THEN prices per-upload tasks on demand (the upper bound) and states the all-Spot figure and the rule", () => {
        const r = estimateCosts(stack({ capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 3 } }), { filesPerMonth: 100, secondsPerFile: 100 });
        // 12,000 task-seconds, all priced on demand.
        near(lineOf(r, "UploadTrigger", "Fargate vCPU-hours, on-demand").quantity, 12000 / 3600, "on-demand vCPU-h");
        for (const p of ["UploadTrigger", "LambdaTrigger", "ScheduledTask"] as const) {
            assert.equal(hasLine(r, p, "Fargate vCPU-hours, Spot"), false, p);
            const note = pattern(r, p).notes.find((n) => n.startsWith("Priced all on FARGATE, the upper bound"));
            assert.ok(note, `${p}: ${pattern(r, p).notes.join(" | ")}`);
            assert.ok(note.includes(SINGLE_TASK_WEIGHTS), p);
            assert.match(note, /All on FARGATE_SPOT, these Fargate lines would cost \$[\d,.]+ instead of \$[\d,.]+\.$/);
        }
        // A service's tasks do split by weight.
        assert.ok(pattern(r, "QueueWorkerService").notes.some((n) => /% of task time on FARGATE_SPOT/.test(n)));
    });

    it("is the rule the configuration reference and the stack files state, word for word", () => {
        const flat = (text: string) => text.replace(/`/g, "").replace(/\s+/g, " ");
        assert.ok(flat(fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8")).includes(SINGLE_TASK_WEIGHTS), "docs/configuration.md states SINGLE_TASK_WEIGHTS");
        for (const stack of ["dev", "prod"]) {
            const placement = singleTaskPlacement({
                fargateBase: Number(stackYaml(stack)["s3-fargate-pipeline:fargateBase"] ?? 0),
                fargateWeight: Number(stackYaml(stack)["s3-fargate-pipeline:fargateWeight"] ?? 1),
                fargateSpotWeight: Number(stackYaml(stack)["s3-fargate-pipeline:fargateSpotWeight"] ?? 0),
            });
            assert.notEqual(placement, "unspecified", `Pulumi.${stack}.yaml has a documented placement for its uploads' tasks`);
        }
    });

    it("GIVEN every task on Spot THEN prices one-task calls at the Spot price", () => {
        const r = estimateCosts(stack({ capacity: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 } }), { filesPerMonth: 100, secondsPerFile: 100 });
        assert.equal(hasLine(r, "UploadTrigger", "Fargate vCPU-hours, on-demand"), false);
        const spot = lineOf(r, "UploadTrigger", "Fargate vCPU-hours, Spot");
        near(spot.quantity, 12000 / 3600, "Spot vCPU-h");
        near(spot.unitPrice, 0.012641904, "Spot price"); // 0.04048 × (1 − 0.6877)
        near(spot.monthlyUsd, 0.04213968, "Spot USD");
        const given = estimateCosts(stack({ capacity: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 } }), { filesPerMonth: 100, secondsPerFile: 100, spotDiscount: 0.5 });
        near(lineOf(given, "UploadTrigger", "Fargate vCPU-hours, Spot").monthlyUsd, (12000 / 3600) * 0.02024, "Spot at 50% off"); // 3.3333 h × 0.02024
        assert.ok(pattern(r, "UploadTrigger").notes.includes("100% of task time on FARGATE_SPOT (fargateBase 0, weights 0:1); an interrupted task is re-run from the start (not priced)."));
    });

    it("keeps every single task on FARGATE with a base of 1", () => {
        const r = estimateCosts(stack({ capacity: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 } }), { filesPerMonth: 100, secondsPerFile: 100 });
        assert.equal(hasLine(r, "UploadTrigger", "Fargate vCPU-hours, Spot"), false);
        assert.equal(hasLine(r, "LambdaTrigger", "Fargate vCPU-hours, Spot"), false);
        assert.equal(hasLine(r, "ScheduledTask", "Fargate vCPU-hours, Spot"), false);
    });

    it("runs a service's base tasks on FARGATE and splits the rest by weight", () => {
        // 3 workers all month, base 2: the third worker's 730 h split 1:1.
        assert.equal(spotSecondsOfService(3 * MONTH_SECONDS, { fargateBase: 2, fargateWeight: 1, fargateSpotWeight: 1 }), MONTH_SECONDS / 2);
        const r = estimateCosts(stack({ capacity: { fargateBase: 2, fargateWeight: 1, fargateSpotWeight: 1 } }), { filesPerMonth: 10, secondsPerFile: 1, minWorkers: 3 });
        near(lineOf(r, "QueueWorkerService", "Fargate vCPU-hours, on-demand").quantity, 2.5 * 730, "on-demand");
        near(lineOf(r, "QueueWorkerService", "Fargate vCPU-hours, Spot").quantity, 0.5 * 730, "Spot");
    });

    it("gives EKS Fargate pods no Spot", () => {
        const r = estimateCosts(stack({ capacity: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 } }), { filesPerMonth: 100, secondsPerFile: 1 });
        assert.equal(hasLine(r, "KubernetesJobs", "Fargate vCPU-hours, Spot"), false);
        assert.equal(hasLine(r, "UploadTrigger", "Fargate vCPU-hours, on-demand"), false, "no on-demand line when every task is on Spot");
    });
});

describe("cost model: ARM pricing", () => {
    it("uses the ARM prices for an ARM64 stack", () => {
        const r = estimateCosts(stack({ cpuArchitecture: "ARM64" }), { filesPerMonth: 100, secondsPerFile: 100 });
        const vcpu = lineOf(r, "UploadTrigger", "Fargate vCPU-hours, on-demand (ARM)");
        assert.equal(vcpu.unitPrice, 0.03238);
        near(vcpu.monthlyUsd, 0.10793333333333333, "vCPU"); // 3.3333 h × 0.03238
        const gb = lineOf(r, "UploadTrigger", "Fargate GB-hours, on-demand (ARM)");
        near(gb.monthlyUsd, 0.023733333333333332, "GB"); // 6.6667 GB-h × 0.00356
        const x86 = estimateCosts(stack(), { filesPerMonth: 100, secondsPerFile: 100 });
        near(vcpu.monthlyUsd / lineOf(x86, "UploadTrigger", "Fargate vCPU-hours").monthlyUsd, 0.03238 / 0.04048, "ratio");
    });

    it("prices Spot on ARM off the ARM price", () => {
        const r = estimateCosts(stack({ cpuArchitecture: "ARM64", capacity: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 } }), { filesPerMonth: 1, secondsPerFile: 1, spotDiscount: 0.5 });
        assert.equal(lineOf(r, "UploadTrigger", "Fargate vCPU-hours, Spot (ARM").unitPrice, 0.01619);
    });

    it("keeps EKS Fargate pods on x86 (EKS Fargate has no ARM)", () => {
        const r = estimateCosts(stack({ cpuArchitecture: "ARM64" }), { filesPerMonth: 100, secondsPerFile: 100 });
        assert.equal(lineOf(r, "KubernetesJobs", "Fargate vCPU-hours, on-demand (x86)").unitPrice, 0.04048);
    });
});

describe("cost model: markdown", () => {
    it("renders a summary and a table with a total for every pattern", () => {
        const md = renderCostMarkdown(estimateCosts(stack(), { filesPerMonth: 10, fileSizeMB: 1 }), "Example");
        assert.ok(md.startsWith("## Example\n"));
        assert.match(md, /\| Pattern \| USD \/ month \| Upload → result \|/);
        for (const p of COST_PATTERNS) {
            assert.match(md, new RegExp(`^### ${p} — `, "m"));
            assert.match(md, new RegExp(`^\\| ${p} \\| [0-9.,<  ]+ \\| .+ \\|$`, "m"));
        }
        assert.equal(md.match(/^\| \*\*Total\*\* \| \| \| \*\*[0-9.,<  ]+\*\* \|$/gm)?.length, COST_PATTERNS.length);
        assert.match(md, /Prices taken 2026-11-23/);
        assert.match(md, /https:\/\/aws\.amazon\.com\/fargate\/pricing\//);
    });

    it("formats dollars with cents and marks amounts below a cent", () => {
        assert.equal(formatUsd(1234.5), "1,234.50");
        assert.equal(formatUsd(0), "0.00");
        assert.equal(formatUsd(0.004), "< 0.01");
        assert.equal(formatUsd(0.005), "0.01");
    });
});

describe("cost model: byte-range shards", () => {
    const big: CostWorkload = { filesPerMonth: 100, fileSizeMB: 100_000, s3ReadMBps: 90 };
    const shardedStack = stack({ sharding: { aboveBytes: 10e9, shardBytes: 10e9, maxShards: 16 } });

    it("reads processor.shardAboveBytes, shardBytes and maxShards from the stack, with the program's defaults and checks", () => {
        assert.deepEqual(stackCostConfig({ "aws:region": "us-east-1", "s3-fargate-pipeline:processor": { shardAboveBytes: 5e9 } }).sharding, { aboveBytes: 5e9, shardBytes: 2 ** 30, maxShards: 16 });
        assert.equal(stackCostConfig({ "aws:region": "us-east-1", "s3-fargate-pipeline:processor": { command: ["x"] } }).sharding, undefined);
        assert.throws(() => stackCostConfig({ "aws:region": "us-east-1", "s3-fargate-pipeline:processor": { shardAboveBytes: 5e9, maxShards: 1 } }), {
            message: "s3-fargate-pipeline:processor.maxShards: 1 is out of range; use a whole number from 2 to 1000",
        });
    });

    it("prices a file above the threshold as ceil(size / shardBytes) tasks, capped: more task time, less waiting", () => {
        const one = estimateCosts(stack(), big);
        const ten = estimateCosts(shardedStack, big);
        assert.equal(ten.workload.shards, 10);
        assert.equal(estimateCosts(stack({ sharding: { aboveBytes: 10e9, shardBytes: 1e9, maxShards: 16 } }), big).workload.shards, 16);
        assert.ok(ten.taskSecondsPerFile > one.taskSecondsPerFile, "every shard pays its own task start");
        const perShard = (one.workload.secondsPerFile - one.workload.requestSecondsPerFile) / 10 + one.workload.requestSecondsPerFile;
        assert.equal(ten.taskSecondsPerFile, billedTaskSeconds(20, 20 + perShard) + 9 * billedTaskSeconds(20, perShard));
        assert.ok(pattern(ten, "UploadTrigger").totalUsd > pattern(one, "UploadTrigger").totalUsd);
        assert.match(pattern(ten, "UploadTrigger").latencySummary, /10 shards/);
        assert.ok(pattern(ten, "UploadTrigger").lines.some((l) => /ranged reads/.test(l.item) && l.quantity >= 100 * Math.ceil(100_000e6 / (8 * 1048576))));
    });

    it("leaves small files, and files priced by measured seconds, in one task", () => {
        assert.equal(estimateCosts(shardedStack, { filesPerMonth: 100, fileSizeMB: 10_000 }).workload.shards, 1);
        assert.equal(estimateCosts(shardedStack, { filesPerMonth: 100, secondsPerFile: 3600 }).workload.shards, 1);
    });

    it("npm run cost prices shards from flags as well", () => {
        let out = "";
        const code = main(["--stack", "dev", "--files-per-month", "10", "--file-size-mb", "50000", "--shard-above-mb", "1000", "--shard-mb", "10000", "--json"], { out: (t) => (out += t), err: () => undefined });
        assert.equal(code, 0);
        assert.equal((JSON.parse(out) as CostReport).workload.shards, 5);
    });
});
