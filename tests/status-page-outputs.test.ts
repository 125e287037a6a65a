/**
 * The status page with a command's files: a link to each output the status lists (presigned, really
 * fetching), at most MAX_OUTPUT_LINKS of them, and a failed command's own exit code or signal.
 */
import { strict as assert } from "assert";
import type { StatusDocument } from "../app/src/processor/status";
import { MAX_OUTPUT_LINKS, collectStatus } from "../app/src/status-page/collect";
import { renderStatusPage } from "../app/src/status-page/page";
import type { PageOptions, StatusEntry } from "../app/src/status-page/types";
import { LocalS3, startS3 } from "./support/s3";

const BUCKET = "pipeline";
const OPTIONS: PageOptions = { title: "Pipeline status", generatedAt: "2026-11-23T12:00:00.000Z", source: "s3://pipeline/status/", linkExpirySeconds: 900 };

function status(key: string, over: Partial<StatusDocument> & Pick<StatusDocument, "state">): StatusDocument {
    return { schemaVersion: 1, bucket: BUCKET, key, attempt: 1, startedAt: "2026-11-23T11:59:00.000Z", job: "command", ...over };
}

describe("status page: a command's outputs", function () {
    this.timeout(30000);
    let s3: LocalS3;

    before(async () => {
        s3 = await startS3();
        await s3.createBucket(BUCKET);
        await s3.put(BUCKET, "processed/day.csv/totals.csv", "region,rows\nnorth,2\n");
        await s3.put(BUCKET, "processed/day.csv/charts/by region.svg", "<svg/>");
        const put = (relative: string, doc: StatusDocument) => s3.put(BUCKET, `status/${relative}.json`, JSON.stringify(doc));
        await put(
            "day.csv",
            status("uploads/day.csv", {
                state: "succeeded",
                rowsProcessed: 2,
                outputs: [
                    { key: "processed/day.csv/totals.csv", size: 20 },
                    { key: "processed/day.csv/charts/by region.svg", size: 6 },
                ],
            }),
        );
        await put(
            "many.csv",
            status("uploads/many.csv", { state: "succeeded", outputs: Array.from({ length: MAX_OUTPUT_LINKS + 5 }, (_, i) => ({ key: `processed/many.csv/part-${String(i).padStart(3, "0")}.csv`, size: 1 })) }),
        );
        // Outputs are listed by whoever wrote the document: entries that are not { key: string } are ignored.
        await put("odd.csv", { ...status("uploads/odd.csv", { state: "succeeded" }), outputs: [{ key: 7 }, "x", null, { key: "processed/odd.csv/ok.txt" }] } as unknown as StatusDocument);
        await put("failed.csv", status("uploads/failed.csv", { state: "failed", outputs: [{ key: "processed/failed.csv/x", size: 1 }], error: { class: "CommandFailed:exit", message: "the command exited 2: boom", exitCode: 1, commandExitCode: 2, stderr: ["boom"] } }));
        await put("segv.csv", status("uploads/segv.csv", { state: "failed", error: { class: "CommandFailed:signal", message: "the command was killed by SIGSEGV", exitCode: 1, commandSignal: "SIGSEGV" } }));
    });
    after(async () => {
        await s3.close();
    });

    const collect = async () => new Map((await collectStatus(s3.client, { bucket: BUCKET, statusPrefix: "status/", linkExpirySeconds: 900 })).map((e) => [e.statusKey, e]));

    it("presigns each output of a succeeded file, and the links fetch the files", async () => {
        const day = (await collect()).get("status/day.csv.json")!;
        assert.equal(day.summaryUrl, undefined, "a command's status has no summary");
        assert.deepEqual(day.outputUrls!.map((o) => o.key), ["processed/day.csv/totals.csv", "processed/day.csv/charts/by region.svg"]);
        assert.equal(await (await fetch(day.outputUrls![0].url)).text(), "region,rows\nnorth,2\n");
        assert.equal(await (await fetch(day.outputUrls![1].url)).text(), "<svg/>");
        assert.equal(day.moreOutputs, undefined);
    });

    it(`links at most ${MAX_OUTPUT_LINKS} outputs and counts the rest; ignores malformed entries; links no output of a failed file`, async () => {
        const by = await collect();
        const many = by.get("status/many.csv.json")!;
        assert.equal(many.outputUrls!.length, MAX_OUTPUT_LINKS);
        assert.equal(many.moreOutputs, 5);
        assert.deepEqual(by.get("status/odd.csv.json")!.outputUrls!.map((o) => o.key), ["processed/odd.csv/ok.txt"]);
        assert.equal(by.get("status/failed.csv.json")!.outputUrls, undefined);
    });

    it("renders the outputs' links with their names under the file, the rest as a count, and a failed command's exit code and signal", async () => {
        const entries: StatusEntry[] = [...(await collect()).values()];
        const html = renderStatusPage(entries, OPTIONS);
        const row = (statusKey: string) => new RegExp(`<tr[^>]*data-status-key="${statusKey}"[^>]*>(.*?)</tr>`, "s").exec(html)?.[1] ?? "";
        const day = row("status/day.csv.json");
        assert.match(day, /<a href="http:\/\/127\.0\.0\.1:\d+\/pipeline\/processed\/day\.csv\/totals\.csv\?[^"]*" data-focus-id="output:status\/day\.csv\.json:processed\/day\.csv\/totals\.csv" rel="noreferrer">totals\.csv from day\.csv<\/a>/);
        assert.match(day, />charts\/by region\.svg from day\.csv<\/a>/);
        assert.match(row("status/many.csv.json"), /<li class="muted">and 5 more outputs \(in the status document\)<\/li>/);
        assert.match(row("status/failed.csv.json"), /<span class="err-class">CommandFailed:exit<\/span> <span class="muted">\(exit 1; command exit 2\)<\/span> <span class="err-msg">the command exited 2: boom<\/span>/);
        assert.ok(!row("status/failed.csv.json").includes("processed/failed.csv/x"), "no output link for a failed file");
        assert.match(row("status/segv.csv.json"), /\(exit 1; command killed by SIGSEGV\)/);
    });
});
