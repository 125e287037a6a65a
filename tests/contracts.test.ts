/**
 * What two layers share lives in components/builders/contracts.ts. The processor and the Slack notifier
 * build on their own (the image from app/ alone, the Lambda bundle from app/src/notifier alone) and so
 * keep copies; these tests derive every copy from the contracts module, so a value changed in one place
 * and not the other fails here, naming the copy.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import {
    DEFAULT_PREFIXES,
    EXIT_CODES,
    METRICS_NAMESPACE,
    PROJECT,
    RANGED_READ,
    STATUS_SCHEMA_VERSION,
    STATUS_STATES,
    StatusState,
    statusKey,
    summaryKey,
} from "../components/builders/contracts";
import { PROCESSOR_METRICS_NAMESPACE } from "../components/observability";
import { EXIT_CODE_MEANINGS } from "../app/src/notifier/format";
import { readConfig } from "../app/src/processor/config";
import { ExitCode } from "../app/src/processor/exit-codes";
import { RANGED_MIN_BYTES } from "../app/src/processor/job";
import { PART_BYTES } from "../app/src/processor/summarize/s3-reader";
import { METRICS_NAMESPACE as PROCESSOR_NAMESPACE } from "../app/src/processor/metrics";
import * as processorStatus from "../app/src/processor/status";
import { PROJECT as MOCKS_PROJECT } from "../policy/offline/mocks";

const ROOT = path.join(__dirname, "..");

// Compile-time: the processor's status states are exactly the contract's (each assignable to the other).
const toContract = (s: processorStatus.StatusState): StatusState => s;
const fromContract = (s: StatusState): processorStatus.StatusState => s;
const schemaVersion: processorStatus.StatusDocument["schemaVersion"] = STATUS_SCHEMA_VERSION;

describe("the contracts shared by the layers", () => {
    it("the project name is Pulumi.yaml's and the offline policy runner's default", () => {
        const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string };
        assert.equal(doc.name, PROJECT);
        assert.equal(MOCKS_PROJECT, PROJECT, "policy/offline/mocks.ts PROJECT");
    });

    it("the metrics namespace is the processor's and the dashboard's", () => {
        assert.equal(PROCESSOR_NAMESPACE, METRICS_NAMESPACE, "app/src/processor/metrics.ts METRICS_NAMESPACE");
        assert.equal(PROCESSOR_METRICS_NAMESPACE, METRICS_NAMESPACE);
    });

    it("the processor's exit codes are the contract's, and the notifier explains each one", () => {
        const processorCodes = Object.fromEntries(Object.entries(EXIT_CODES).filter(([name]) => name !== "KILLED").map(([name, c]) => [name, c.code]));
        assert.deepEqual({ ...ExitCode }, processorCodes, "app/src/processor/exit-codes.ts ExitCode");
        const meanings = Object.fromEntries(Object.values(EXIT_CODES).map((c) => [c.code, c.meaning]));
        assert.deepEqual({ ...EXIT_CODE_MEANINGS }, meanings, "app/src/notifier/format.ts EXIT_CODE_MEANINGS");
    });

    it("the processor reads a large object in the ranged GETs the cost tool counts", () => {
        assert.equal(RANGED_MIN_BYTES, RANGED_READ.minBytes, "app/src/processor/job.ts RANGED_MIN_BYTES");
        assert.equal(PART_BYTES, RANGED_READ.partBytes, "app/src/processor/summarize/s3-reader.ts PART_BYTES");
    });

    it("the processor's default prefixes are the stack's", () => {
        const c = readConfig({ S3_BUCKET: "b", S3_KEY: `${DEFAULT_PREFIXES.upload}a.csv` });
        assert.deepEqual({ upload: c.uploadPrefix, output: c.outputPrefix, status: c.statusPrefix }, { ...DEFAULT_PREFIXES });
    });

    it("the processor writes status and summary keys where the contract says", () => {
        assert.equal(processorStatus.statusKey("status/", "a/b.csv"), statusKey("status/", "a/b.csv"));
        assert.equal(processorStatus.summaryKey("processed/", "a/b.csv"), summaryKey("processed/", "a/b.csv"));
        assert.deepEqual([statusKey("status/", "a/b.csv"), summaryKey("processed/", "a/b.csv")], ["status/a/b.csv.json", "processed/a/b.csv.summary.json"]);
        assert.deepEqual(STATUS_STATES.map(toContract).map(fromContract), ["running", "succeeded", "failed", "interrupted"]);
        assert.equal(schemaVersion, 1);
    });
});
