/**
 * The status page: the pure renderer, collecting status documents from a real S3-compatible
 * server (s3rver on loopback) with presigned links that really fetch, and the CLI as a child
 * process writing the page atomically.
 */
import { strict as assert } from "assert";
import { DeleteObjectCommand, ListObjectsV2Command, ListObjectsV2CommandOutput, S3Client } from "@aws-sdk/client-s3";
import { spawn } from "child_process";
import * as fs from "fs";
import { once } from "events";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { StatusDocument } from "../app/src/processor/status";
import { parseArgs, UsageError } from "../app/src/status-page/cli";
import { localS3Client } from "../app/src/local/s3-server";
import { collectStatus, mapLimit } from "../app/src/status-page/collect";
import { startStatusServer } from "../app/src/status-page/server";
import { countStates, describeSeconds, escapeHtml, formatDuration, relativeTime, renderStatusPage, sortEntries, summaryText } from "../app/src/status-page/page";
import type { LiveUpdate, PageOptions, StatusEntry } from "../app/src/status-page/types";
import { Exited, exited } from "./support/child-process";
import { CREDENTIALS, LocalS3, startS3 } from "./support/s3";
import { TS_REGISTER } from "./support/ts-process";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "app/src/status-page/cli.ts");
const NOW = "2026-11-23T12:00:00.000Z";
const EVIL_KEY = `uploads/<b>&"x".csv`;

function doc(over: Partial<StatusDocument> & Pick<StatusDocument, "state" | "key" | "startedAt">): StatusDocument {
    return { schemaVersion: 1, bucket: "pipeline", attempt: 1, ...over };
}

function entry(relative: string, over: Partial<StatusDocument> & Pick<StatusDocument, "state" | "startedAt">, extra: Partial<StatusEntry> = {}): StatusEntry {
    return { statusKey: `status/${relative}.json`, status: doc({ key: `uploads/${relative}`, ...over }), statusUrl: `https://s3.example/status/${encodeURIComponent(relative)}.json?X-Amz-Signature=abc&X-Amz-Expires=900`, ...extra };
}

const OPTIONS: PageOptions = { title: "Pipeline status — dev", generatedAt: NOW, source: "s3://pipeline/status/", linkExpirySeconds: 900 };

const SAMPLE: StatusEntry[] = [
    entry("old.csv", { state: "succeeded", startedAt: "2026-11-23T09:00:00.000Z", completedAt: "2026-11-23T09:00:02.500Z", durationMs: 2500, rowsProcessed: 1234567, badRows: 2, outputKey: "processed/old.csv.summary.json" }, { summaryUrl: "https://s3.example/processed/old.csv.summary.json?X-Amz-Signature=s1&X-Amz-Expires=900" }),
    entry("day.csv", { state: "succeeded", startedAt: "2026-11-23T11:55:00.000Z", durationMs: 125000, rowsProcessed: 10, outputKey: "processed/day.csv.summary.json" }, { summaryUrl: "https://s3.example/processed/day.csv.summary.json?X-Amz-Signature=s2&X-Amz-Expires=900" }),
    entry("broken.csv", { state: "failed", startedAt: "2026-11-23T11:58:00.000Z", durationMs: 40, error: { class: "InputError:binary", message: "the file looks binary (NUL bytes in the first 4 KiB)", exitCode: 65 } }, { summaryUrl: "https://s3.example/should-not-appear" }),
    entry("slow.csv", { state: "running", startedAt: "2026-11-23T10:00:00.000Z" }),
    entry("spot.csv", { state: "interrupted", startedAt: "2026-11-23T11:00:00.000Z", durationMs: 61000, error: { class: "Interrupted", message: "SIGTERM received", exitCode: 6 } }),
    entry("new-run.csv", { state: "running", startedAt: "2026-11-23T11:59:30.000Z" }),
];

/** The status keys of the table's rows, in order. */
function rowKeys(html: string): string[] {
    return [...html.matchAll(/<tr [^>]*data-status-key="([^"]*)"/g)].map((m) => m[1]);
}

/** The HTML of the row for a status key. */
function row(html: string, statusKey: string): string {
    const start = html.indexOf(`data-status-key="${escapeHtml(statusKey)}"`);
    assert.ok(start >= 0, `a row for ${statusKey}`);
    return html.slice(start, html.indexOf("</tr>", start));
}

describe("status page: renderStatusPage", () => {
    const html = renderStatusPage(SAMPLE, OPTIONS);

    it("is a complete HTML5 document with lang, charset, viewport, title and a main landmark", () => {
        assert.ok(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert.match(html, /<meta charset="utf-8">/);
        assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
        assert.match(html, /<title>Pipeline status — dev<\/title>/);
        assert.equal(html.match(/<main\b/g)?.length, 1);
        assert.equal(html.match(/<h1>/g)?.length, 1);
        assert.ok(html.trimEnd().endsWith("</html>"));
    });

    it("has balanced table markup: one table with a caption, seven column headers, a row header per file", () => {
        assert.equal(html.match(/<table\b/g)?.length, 1);
        assert.equal(html.match(/<caption>/g)?.length, 1);
        const cols = [...html.matchAll(/<th role="columnheader" scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
        assert.deepEqual(cols, ["File", "State", "Rows", "Duration", "Started", "Error", "Links"]);
        assert.equal(html.match(/<th role="rowheader" scope="row"/g)?.length, SAMPLE.length);
        for (const tag of ["tr", "td", "th", "thead", "tbody", "table", "ul", "li", "a", "time", "span", "p", "main"]) {
            const open = html.match(new RegExp(`<${tag}[\\s>]`, "g"))?.length ?? 0;
            const close = html.match(new RegExp(`</${tag}>`, "g"))?.length ?? 0;
            assert.equal(open, close, `<${tag}> opened ${open} times, closed ${close}`);
        }
        for (const r of html.match(/<tr role="row" class="s-[^>]*>[\s\S]*?<\/tr>/g) ?? []) {
            assert.equal((r.match(/<t[dh][\s>]/g) ?? []).length, 7, r);
        }
    });

    it("loads nothing from elsewhere: inline CSS only, no script without a live-update URL", () => {
        assert.doesNotMatch(html, /<link\b|<img\b|<iframe\b|\bsrc=|@import|url\(/);
        assert.doesNotMatch(html, /<script/);
        assert.match(html, /<style>[\s\S]*@media \(max-width:48rem\)[\s\S]*<\/style>/);
    });

    it("escapes keys, messages, title and source with <, &, quotes; keeps unicode", () => {
        const evil: StatusEntry = {
            statusKey: `status/<b>&"x".csv.json`,
            status: doc({ key: EVIL_KEY, state: "failed", startedAt: NOW, error: { class: `Bad<Class>`, message: `can't parse "<script>alert(1)</script>" & more`, exitCode: 65 } }),
            statusUrl: `https://s3.example/status/x.json?a=1&b="2"`,
        };
        const uni = entry("ünï 数据 'q'.csv", { state: "running", startedAt: NOW });
        const out = renderStatusPage([evil, uni], { ...OPTIONS, title: `<T> & "q"`, source: `s3://b/<s>/` });
        assert.ok(!out.includes(`<b>&"x"`), "raw key never appears");
        assert.ok(!out.includes("<script>alert"), "raw message never appears");
        assert.ok(out.includes(`<span class="key">uploads/<wbr>&lt;b&gt;&amp;&quot;x&quot;.csv</span>`));
        assert.ok(out.includes(`can&#39;t parse &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; more`));
        assert.ok(out.includes(`Bad&lt;Class&gt;`));
        assert.ok(out.includes(`<title>&lt;T&gt; &amp; &quot;q&quot;</title>`));
        assert.ok(out.includes(`s3://b/&lt;s&gt;/`));
        assert.ok(out.includes(`href="https://s3.example/status/x.json?a=1&amp;b=&quot;2&quot;"`));
        assert.ok(out.includes("uploads/<wbr>ünï 数据 &#39;q&#39;.csv"));
        assert.ok(out.includes(`data-status-key="status/&lt;b&gt;&amp;&quot;x&quot;.csv.json"`));
        assert.ok(out.includes(`Status document of &lt;b&gt;&amp;&quot;x&quot;.csv`));
    });

    it("shows bidi overrides and other hidden characters in keys as marked code points, never as themselves", () => {
        // "invoice\u202Efdp.exe" displays as "invoiceexe.pdf" when the override is honoured.
        const disguised = entry("invoice\u202efdp.exe", { state: "failed", startedAt: NOW, error: { class: "InputError:binary", message: "in invoice\u202efdp.exe\u200b", exitCode: 65 } });
        const controls = entry("a\u2066b\u200fc\u0007d\u061c.csv", { state: "running", startedAt: NOW });
        const out = renderStatusPage([disguised, controls], OPTIONS);
        const shown = out.replace(/<[^>]*>/g, "");
        for (const ch of ["\u202e", "\u2066", "\u200f", "\u0007", "\u061c", "\u200b"]) {
            assert.ok(!shown.includes(ch), `U+${ch.codePointAt(0)!.toString(16)} is shown as itself`);
        }
        const marker = (cp: string) => `<span class="hidden-char" title="hidden character U+${cp} in the name">⟨U+${cp}⟩</span>`;
        assert.ok(out.includes(`<span class="key">uploads/<wbr>invoice${marker("202E")}fdp.exe</span>`));
        assert.ok(out.includes(`in invoice${marker("202E")}fdp.exe${marker("200B")}`), "in the error message too");
        assert.ok(out.includes(`Status document of invoice${marker("202E")}fdp.exe`), "and in link text");
        assert.ok(out.includes(`a${marker("2066")}b${marker("200F")}c${marker("0007")}d${marker("061C")}.csv`));
        assert.match(out, /\.key,\.err-msg,\.links a\{unicode-bidi:isolate\}/);
    });

    it("sorts running files first, then the most recently started", () => {
        assert.deepEqual(rowKeys(html), ["status/new-run.csv.json", "status/slow.csv.json", "status/broken.csv.json", "status/day.csv.json", "status/spot.csv.json", "status/old.csv.json"]);
        assert.deepEqual(
            sortEntries(SAMPLE).map((e) => e.status.state),
            ["running", "running", "failed", "succeeded", "interrupted", "succeeded"],
        );
        assert.notStrictEqual(sortEntries(SAMPLE), SAMPLE, "a new array");
    });

    it("shows the counts per state and the total", () => {
        assert.deepEqual(countStates(SAMPLE), { running: 2, succeeded: 2, failed: 1, interrupted: 1, unreadable: 0 });
        assert.equal(summaryText(SAMPLE), "6 files: 2 running, 2 succeeded, 1 failed, 1 interrupted");
        assert.match(html, /<h2 id="counts-heading">6 files<\/h2>/);
        for (const [state, n] of [["running", 2], ["succeeded", 2], ["failed", 1], ["interrupted", 1]] as const) {
            assert.match(html, new RegExp(`data-count-state="${state}"><span class="glyph" aria-hidden="true">[^<]*</span> <strong>${n}</strong> ${state}</li>`));
        }
        assert.doesNotMatch(html, /data-count-state="unreadable"/, "no unreadable count when there are none");
    });

    it("shows the state as text in a badge, not only as colour", () => {
        assert.match(row(html, "status/broken.csv.json"), /<span class="badge s-failed"><span class="glyph" aria-hidden="true">✕<\/span> Failed<\/span>/);
        assert.match(row(html, "status/slow.csv.json"), /class="badge s-running">.*Running<\/span>/);
        assert.match(row(html, "status/spot.csv.json"), /class="badge s-interrupted">.*Interrupted<\/span>/);
    });

    it("shows a failed file's error class, exit code and message, and no summary link", () => {
        const r = row(html, "status/broken.csv.json");
        assert.match(r, /<span class="err-class">InputError:binary<\/span> <span class="muted">\(exit 65\)<\/span> <span class="err-msg">the file looks binary \(NUL bytes in the first 4 KiB\)<\/span>/);
        assert.ok(!r.includes("Summary of"), "no summary link for a failed file");
        assert.ok(!html.includes("should-not-appear"));
        assert.match(r, /<a href="https:\/\/s3\.example\/status\/broken\.csv\.json\?X-Amz-Signature=abc&amp;X-Amz-Expires=900"[^>]*>Status document of broken\.csv<\/a>/);
        assert.match(row(html, "status/spot.csv.json"), /Interrupted<\/span>.*SIGTERM received/);
    });

    it("links a succeeded file's summary with descriptive text, and shows rows and duration", () => {
        const r = row(html, "status/old.csv.json");
        assert.match(r, /<a href="https:\/\/s3\.example\/processed\/old\.csv\.summary\.json\?X-Amz-Signature=s1&amp;X-Amz-Expires=900"[^>]*>Summary of old\.csv<\/a>/);
        assert.match(r, /1,234,567 <span class="muted">\(2 bad\)<\/span>/);
        assert.match(r, /<time datetime="PT2\.5S">2\.5 s<\/time>/);
        assert.match(row(html, "status/day.csv.json"), /<time datetime="PT2M5S">2 min 5 s<\/time>/);
        assert.ok(!row(html, "status/slow.csv.json").includes("Summary of"), "no summary link while running");
    });

    it("gives absolute and relative times in <time datetime>, and a running file's elapsed time", () => {
        assert.match(row(html, "status/day.csv.json"), /<time datetime="2026-11-23T11:55:00\.000Z">2026-11-23 11:55:00 UTC<\/time> <span class="rel">\(5 min ago\)<\/span>/);
        assert.match(row(html, "status/slow.csv.json"), /running for<\/span> <time datetime="PT2H0M?0?S?[^"]*">2 h 0 min<\/time>/);
        assert.match(html, /Generated <time datetime="2026-11-23T12:00:00\.000Z">2026-11-23 12:00:00 UTC<\/time>/);
    });

    it("shows the source, the generated time and when links expire", () => {
        assert.match(html, /Source: <code>s3:\/\/pipeline\/status\/<\/code>/);
        assert.match(html, /Links expire in 15 minutes \(at <time datetime="2026-11-23T12:15:00\.000Z">2026-11-23 12:15:00 UTC<\/time>\)/);
        assert.match(renderStatusPage([], { ...OPTIONS, linkExpirySeconds: 604800 }), /Links expire in 7 days/);
        assert.equal(describeSeconds(90), "1 minute 30 seconds");
        assert.equal(describeSeconds(3600), "1 hour");
    });

    it("shows an unreadable document as unreadable, with its problem, counted apart", () => {
        const bad: StatusEntry = {
            statusKey: "status/junk.csv.json",
            status: doc({ key: "junk.csv", state: "failed", startedAt: NOW, attempt: 0, error: { class: "UnreadableStatus", message: "not valid JSON", exitCode: 0 } }),
            statusUrl: "https://s3.example/status/junk.csv.json",
            warning: "not valid JSON: Unexpected token",
        };
        const out = renderStatusPage([...SAMPLE, bad], OPTIONS);
        assert.match(row(out, "status/junk.csv.json"), /Unreadable<\/span>.*Unreadable status document<\/span> <span class="err-msg">not valid JSON: Unexpected token/);
        assert.match(out, /data-count-state="unreadable">.*<strong>1<\/strong> unreadable/);
        assert.match(out, /data-count-state="failed">.*<strong>1<\/strong> failed/);
    });

    it("says so when there are no status documents", () => {
        const out = renderStatusPage([], OPTIONS);
        assert.match(out, /<td role="cell" colspan="7">No status documents under s3:\/\/pipeline\/status\/ yet/);
        assert.match(out, /<h2 id="counts-heading">0 files<\/h2>/);
    });

    it("links only http(s) URLs", () => {
        const out = renderStatusPage([entry("x.csv", { state: "succeeded", startedAt: NOW, outputKey: "p" }, { summaryUrl: "javascript:alert(1)", statusUrl: "data:text/html,hi" })], OPTIONS);
        assert.doesNotMatch(out, /javascript:|data:text/);
        assert.doesNotMatch(out, /<a href/);
    });

    it("with a live-update URL, embeds a polling script that cannot be broken out of", () => {
        const out = renderStatusPage(SAMPLE, { ...OPTIONS, liveUpdateUrl: "/table.json?x=</script><b>" });
        assert.equal(out.match(/<script>/g)?.length, 1);
        assert.equal(out.match(/<\/script>/g)?.length, 1);
        assert.match(out, /var url = "\/table\.json\?x=\\u003c\/script>\\u003cb>", every = 2000;/);
        assert.match(out, /<p id="live-status" class="live" role="status" aria-live="polite"><\/p>/);
        assert.match(out, /refreshed with every update/);
    });

    it("formats durations and relative times for people", () => {
        assert.deepEqual([850, 4200, 42000, 125000, 3780000, 90000000].map(formatDuration), ["850 ms", "4.2 s", "42 s", "2 min 5 s", "1 h 3 min", "1 d 1 h"]);
        const now = Date.parse(NOW);
        assert.deepEqual([1000, 42000, 300000, 3 * 3600000, 2 * 86400000, -3000, -30000].map((d) => relativeTime(now - d, now)), ["just now", "42 s ago", "5 min ago", "3 h ago", "2 days ago", "just now", "in 30 s"]);
    });
});

interface Seeded {
    s3: LocalS3;
    bucket: string;
}

/** A succeeded file with a summary, a failed one, a running one, and two documents that are not status documents. */
async function seed(s3: LocalS3, bucket: string): Promise<void> {
    await s3.createBucket(bucket);
    const put = (key: string, body: unknown) => s3.put(bucket, key, typeof body === "string" ? body : JSON.stringify(body));
    await put("processed/day.csv.summary.json", { rows: 3, columns: [{ name: "id", type: "integer" }], source: { key: "uploads/day.csv" } });
    await put("status/day.csv.json", doc({ bucket, key: "uploads/day.csv", state: "succeeded", startedAt: "2026-11-23T10:00:00.000Z", durationMs: 1200, rowsProcessed: 3, outputKey: "processed/day.csv.summary.json" }));
    await put("status/bad.csv.json", doc({ bucket, key: "uploads/bad.csv", state: "failed", startedAt: "2026-11-23T10:01:00.000Z", error: { class: "InputError:empty", message: "the file is empty", exitCode: 65 } }));
    await put("status/nested/slow.csv.json", doc({ bucket, key: "uploads/nested/slow.csv", state: "running", startedAt: "2026-11-23T10:02:00.000Z" }));
    await put("status/junk.json", "this is not JSON {");
    await put("status/wrong.json", { hello: "world" });
    await put("uploads/day.csv", "id\n1\n2\n3\n");
}

/** A client for the local server whose ListObjectsV2 answers come `MaxKeys` at a time; records each request's token. */
function pagingClient(local: LocalS3, tokens: (string | undefined)[]): S3Client {
    // The client and command classes of app/'s SDK, which collectStatus's paginator checks with instanceof.
    const client = localS3Client(local.endpoint);
    type Listing = { constructor: new (input: ListObjectsV2Command["input"]) => unknown; input: ListObjectsV2Command["input"] };
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command: unknown) => {
        if ((command as object).constructor.name !== "ListObjectsV2Command") {
            return send(command);
        }
        const listing = command as Listing;
        const { ContinuationToken, MaxKeys = 1000, ...rest } = listing.input;
        tokens.push(ContinuationToken);
        const all = (await send(new listing.constructor({ ...rest, MaxKeys: 1000 }))) as ListObjectsV2CommandOutput;
        const start = ContinuationToken ? Number(ContinuationToken.slice("page:".length)) : 0;
        const contents = (all.Contents ?? []).slice(start, start + MaxKeys);
        const more = start + MaxKeys < (all.Contents ?? []).length;
        return { ...all, Contents: contents, KeyCount: contents.length, IsTruncated: more, NextContinuationToken: more ? `page:${start + MaxKeys}` : undefined };
    };
    return client;
}

describe("status page: collectStatus against a local S3 server", function () {
    this.timeout(30000);
    const ctx = {} as Seeded;

    before(async () => {
        ctx.s3 = await startS3();
        ctx.bucket = "pipeline";
        await seed(ctx.s3, ctx.bucket);
    });
    after(async () => {
        await ctx.s3.close();
    });

    const collect = (extra: { pageSize?: number; concurrency?: number } = {}) => collectStatus(ctx.s3.client, { bucket: ctx.bucket, statusPrefix: "status/", linkExpirySeconds: 900, ...extra });

    it("reads every status document under the prefix, and nothing outside it", async () => {
        const entries = await collect();
        assert.deepEqual(entries.map((e) => e.statusKey).sort(), ["status/bad.csv.json", "status/day.csv.json", "status/junk.json", "status/nested/slow.csv.json", "status/wrong.json"]);
        const by = new Map(entries.map((e) => [e.statusKey, e]));
        assert.deepEqual([by.get("status/day.csv.json")!.status.state, by.get("status/day.csv.json")!.status.rowsProcessed], ["succeeded", 3]);
        assert.deepEqual(by.get("status/bad.csv.json")!.status.error, { class: "InputError:empty", message: "the file is empty", exitCode: 65 });
        assert.equal(by.get("status/nested/slow.csv.json")!.status.state, "running");
    });

    it("presigns the summary of a succeeded file only, and the links really fetch the JSON", async () => {
        const by = new Map((await collect()).map((e) => [e.statusKey, e]));
        const day = by.get("status/day.csv.json")!;
        assert.ok(day.summaryUrl?.startsWith(`${ctx.s3.endpoint}/pipeline/processed/day.csv.summary.json?`), day.summaryUrl);
        assert.match(day.summaryUrl!, /X-Amz-Expires=900/);
        assert.match(day.summaryUrl!, /X-Amz-Credential=S3RVER%2F\d{8}%2Fus-east-1%2Fs3%2Faws4_request&.*X-Amz-Signature=[0-9a-f]{64}/);
        const res = await fetch(day.summaryUrl!);
        assert.equal(res.status, 200);
        assert.deepEqual(((await res.json()) as { rows: number }).rows, 3);
        const st = await fetch(day.statusUrl!);
        assert.equal(((await st.json()) as StatusDocument).state, "succeeded");
        assert.equal(by.get("status/bad.csv.json")!.summaryUrl, undefined);
        assert.equal(by.get("status/nested/slow.csv.json")!.summaryUrl, undefined);
        assert.ok(by.get("status/bad.csv.json")!.statusUrl);
    });

    it("turns a non-JSON or wrongly shaped document into a warning entry instead of failing", async () => {
        const by = new Map((await collect()).map((e) => [e.statusKey, e]));
        const junk = by.get("status/junk.json")!;
        assert.match(junk.warning!, /^not valid JSON/);
        assert.deepEqual([junk.status.state, junk.status.key, junk.status.error?.class], ["failed", "junk", "UnreadableStatus"]);
        assert.ok(junk.statusUrl, "the raw document is still linked");
        assert.match(by.get("status/wrong.json")!.warning!, /^not a status document: "state" is missing/);
        const html = renderStatusPage([...by.values()], { ...OPTIONS, source: "s3://pipeline/status/" });
        assert.match(html, /<strong>2<\/strong> unreadable/);
    });

    it("follows ListObjectsV2 pages", async () => {
        // s3rver cannot page itself under Node 20 (its continuation tokens use DES, which OpenSSL 3
        // lacks), so this client pages s3rver's full answer: `pageSize` keys per response, opaque tokens.
        const pages: (string | undefined)[] = [];
        const client = pagingClient(ctx.s3, pages);
        try {
            const entries = await collectStatus(client, { bucket: ctx.bucket, statusPrefix: "status/", linkExpirySeconds: 900, pageSize: 2, concurrency: 2 });
            assert.equal(entries.length, 5);
            assert.equal(new Set(entries.map((e) => e.statusKey)).size, 5);
            assert.deepEqual(pages, [undefined, "page:2", "page:4"]);
            assert.ok(entries.find((e) => e.statusKey === "status/day.csv.json")!.summaryUrl);
        } finally {
            client.destroy();
        }
    });

    it("runs at most `concurrency` reads at once, keeping the order", async () => {
        let inFlight = 0;
        let peak = 0;
        const out = await mapLimit([...Array(20).keys()], 3, async (i) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((r) => setTimeout(r, 5 + (i % 4)));
            inFlight--;
            return i * 2;
        });
        assert.deepEqual(out, [...Array(20).keys()].map((i) => i * 2));
        assert.equal(peak, 3);
        assert.deepEqual(await mapLimit([], 8, async () => 1), []);
    });

    it("rejects when the bucket does not exist, and on a link expiry S3 does not allow", async () => {
        await assert.rejects(collectStatus(ctx.s3.client, { bucket: "no-such-bucket", statusPrefix: "status/", linkExpirySeconds: 900 }), /NoSuchBucket|does not exist/);
        await assert.rejects(collect({}).then(() => collectStatus(ctx.s3.client, { bucket: ctx.bucket, statusPrefix: "status/", linkExpirySeconds: 604801 })), /linkExpirySeconds/);
    });

    it("returns an empty list for an empty prefix", async () => {
        assert.deepEqual(await collectStatus(ctx.s3.client, { bucket: ctx.bucket, statusPrefix: "nothing-here/", linkExpirySeconds: 60 }), []);
    });
});

/** A raw request, to send a Host header fetch would not. */
function request(url: string, options: http.RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, options, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("status page: the status server", function () {
    this.timeout(30000);
    let s3: LocalS3;

    before(async () => {
        s3 = await startS3();
        await seed(s3, "pipeline");
    });
    after(async () => {
        await s3.close();
    });

    const start = (bucket = "pipeline") =>
        startStatusServer({ s3: s3.client, bucket, statusPrefix: "status/", linkExpirySeconds: 900, title: "Pipeline <status>", source: `s3://${bucket}/status/` });

    it("serves the page at / (rebuilt per request, polling /table.json) and the region at /table.json", async () => {
        const server = await start();
        try {
            assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
            const page = await fetch(server.url);
            assert.equal(page.status, 200);
            assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
            assert.equal(page.headers.get("cache-control"), "no-store");
            assert.match(page.headers.get("content-security-policy")!, /default-src 'none'.*connect-src 'self'/);
            const html = await page.text();
            assert.match(html, /<title>Pipeline &lt;status&gt;<\/title>/);
            assert.match(html, /var url = "\/table\.json", every = 2000;/);
            assert.match(html, /Summary of day\.csv/);
            assert.equal(rowKeys(html).length, 5);

            const json = await fetch(new URL("/table.json", server.url));
            assert.equal(json.headers.get("content-type"), "application/json; charset=utf-8");
            const body = (await json.json()) as LiveUpdate;
            assert.match(body.html, /^<div class="region-inner"[\s\S]*<table role="table" id="status-table">[\s\S]*<\/table>\n<\/div>$/);
            assert.equal(body.summary, "5 files: 1 running, 1 succeeded, 1 failed, 0 interrupted, 2 unreadable");
            assert.ok(Date.parse(body.generatedAt) <= Date.now());

            await s3.put("pipeline", "status/new.csv.json", JSON.stringify(doc({ key: "uploads/new.csv", state: "running", startedAt: new Date().toISOString() })));
            try {
                assert.equal(rowKeys(((await (await fetch(new URL("/table.json", server.url))).json()) as LiveUpdate).html)[0], "status/new.csv.json");
            } finally {
                await s3.client.send(new DeleteObjectCommand({ Bucket: "pipeline", Key: "status/new.csv.json" }));
            }
        } finally {
            await server.close();
        }
    });

    it("answers nothing else: 404 for other paths, 405 for other methods, 421 for other Host names", async () => {
        const server = await start();
        try {
            for (const p of ["/index.html", "/table.json/x", "/favicon.ico", "/../etc/passwd"]) {
                assert.equal((await fetch(new URL(p, server.url))).status, 404, p);
            }
            assert.equal((await fetch(server.url, { method: "POST", body: "x" })).status, 405);
            assert.equal((await fetch(server.url + "?x=1")).status, 200);
            const head = await fetch(server.url, { method: "HEAD" });
            assert.equal(head.status, 200);
            assert.equal(await head.text(), "");
            const rebound = await request(server.url, { headers: { host: "attacker.example:80" } });
            assert.equal(rebound.status, 421);
            assert.ok(!rebound.body.includes("X-Amz"));
            const port = new URL(server.url).port;
            assert.equal((await request(server.url, { headers: { host: `localhost:${port}` } })).status, 200);
        } finally {
            await server.close();
        }
    });

    it("answers 502 with the reason when S3 fails, and close() ends open connections", async () => {
        const server = await start("no-such-bucket");
        const page = await fetch(server.url);
        assert.equal(page.status, 502);
        assert.match(await page.text(), /<p role="alert">Could not read s3:\/\/no-such-bucket\/status\/: NoSuchBucket/);
        const json = await fetch(new URL("/table.json", server.url));
        assert.equal(json.status, 502);
        assert.match(((await json.json()) as { error: string }).error, /NoSuchBucket/);
        // A connection in the middle of a request is not idle: http.Server.close() alone would wait for it.
        const { port } = new URL(server.url);
        const open = net.connect(Number(port), "127.0.0.1");
        await once(open, "connect");
        open.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        open.on("error", () => undefined); // reset by the server: the outcome looked for
        const ended = new Promise((resolve) => open.once("close", resolve));
        await server.close();
        await server.close();
        await ended;
        await assert.rejects(fetch(server.url));
    });
});

function runCli(args: string[], env: Record<string, string> = {}): Promise<Exited> {
    const child = spawn(process.execPath, [...TS_REGISTER, CLI, ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), TMPDIR: os.tmpdir(), AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_EC2_METADATA_DISABLED: "true", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    return exited(child);
}

describe("status page: the CLI", function () {
    this.timeout(60000);
    let s3: LocalS3;
    let dir: string;

    before(async () => {
        s3 = await startS3();
        await seed(s3, "pipeline");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-page-cli-"));
    });
    after(async () => {
        await s3.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("--bucket --endpoint --out writes the page atomically, privately, and prints its path and file:// URL", async () => {
        const out = path.join(dir, "status.html");
        fs.writeFileSync(out, "old content");
        const before = fs.statSync(out).ino;
        const r = await runCli(["--bucket", "pipeline", "--endpoint", s3.endpoint, "--out", out, "--expires", "600"]);
        assert.equal(r.code, 0, r.stderr);
        const [printedPath, printedUrl] = r.stdout.trim().split("\n");
        assert.equal(printedPath, out);
        assert.equal(printedUrl, `file://${out}`);
        const html = fs.readFileSync(out, "utf8");
        assert.ok(html.startsWith("<!DOCTYPE html>") && html.trimEnd().endsWith("</html>"));
        assert.match(html, /Summary of day\.csv/);
        assert.match(html, /InputError:empty/);
        assert.match(html, /Links expire in 10 minutes/);
        assert.match(html, /<strong>2<\/strong> unreadable/);
        assert.match(html, new RegExp(`Source: <code>s3://pipeline/status/ on ${s3.endpoint.replace(/\./g, "\\.")}</code>`));
        assert.notEqual(fs.statSync(out).ino, before, "replaced by a rename, not rewritten in place");
        assert.equal(fs.statSync(out).mode & 0o777, 0o600);
        assert.deepEqual(fs.readdirSync(dir), ["status.html"], "no temporary file left behind");
        assert.match(r.stderr, /5 files: 1 running, 1 succeeded, 1 failed, 0 interrupted, 2 unreadable; links expire in 10 minutes/);
        const href = /<a href="([^"]+)"[^>]*>Summary of day\.csv<\/a>/.exec(html)![1].replace(/&amp;/g, "&");
        assert.equal(((await (await fetch(href)).json()) as { rows: number }).rows, 3);
    });

    it("without --out writes a new file under the temporary directory", async () => {
        const r = await runCli(["--bucket=pipeline", `--endpoint=${s3.endpoint}`]);
        assert.equal(r.code, 0, r.stderr);
        const file = r.stdout.split("\n")[0];
        try {
            assert.equal(path.dirname(file), os.tmpdir());
            assert.match(path.basename(file), /^status-page-pipeline-\d{8}T\d{6}Z-[0-9a-f]{6}\.html$/);
            assert.match(fs.readFileSync(file, "utf8"), /Summary of day\.csv/);
        } finally {
            fs.rmSync(file, { force: true });
        }
    });

    it("--stack reads the bucket and status prefix from `pulumi stack output --json`", async () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
        try {
            const script = `#!/bin/sh
echo "$@" >> "${bin}/calls"
case "$1 $2" in
  "stack output") echo '{"bucketName":"pipeline","statusPrefix":"status/","uploadPrefix":"uploads/"}' ;;
  "config get") echo 'us-east-1' ;;
  *) echo "unexpected: $*" >&2; exit 9 ;;
esac
`;
            fs.writeFileSync(path.join(bin, "pulumi"), script, { mode: 0o755 });
            const out = path.join(dir, "stack.html");
            const r = await runCli(["--stack", "dev", "--endpoint", s3.endpoint, "--out", out], { PATH: bin });
            assert.equal(r.code, 0, r.stderr);
            assert.match(fs.readFileSync(out, "utf8"), /<title>Pipeline status — dev<\/title>[\s\S]*Summary of day\.csv/);
            assert.match(fs.readFileSync(path.join(bin, "calls"), "utf8"), /^stack output --json --stack dev\nconfig get aws:region --stack dev\n$/);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("--stack without the pulumi CLI says so and suggests --bucket (exit 1)", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
        try {
            const r = await runCli(["--stack", "dev", "--out", path.join(dir, "x.html")], { PATH: empty });
            assert.equal(r.code, 1);
            assert.match(r.stderr, /--stack needs the pulumi CLI, and it is not on PATH.*--bucket NAME/);
            assert.ok(!fs.existsSync(path.join(dir, "x.html")));
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });

    it("exits 2 with a message naming the bad flag", async () => {
        const r = await runCli(["--bucket", "pipeline", "--expires", "604801"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--expires "604801" must be a whole number of seconds from 1 to 604800/);
        assert.match(r.stderr, /Usage:/);
        assert.equal(r.stdout, "");
        const unknown = await runCli(["--bucket", "pipeline", "--colour", "red"]);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /unknown flag --colour; allowed: --stack, --bucket/);
    });

    it("exits 1 on an AWS error, naming the bucket", async () => {
        const r = await runCli(["--bucket", "no-such-bucket", "--endpoint", s3.endpoint, "--out", path.join(dir, "none.html")]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /AWS error reading s3:\/\/no-such-bucket\/status\/: NoSuchBucket/);
        assert.ok(!fs.existsSync(path.join(dir, "none.html")));
    });

    const usage: [string[], RegExp][] = [
        [[], /give --stack NAME .* or --bucket NAME/],
        [["--stack", "dev", "--bucket", "b-1"], /either --stack or --bucket, not both/],
        [["--bucket"], /--bucket needs a value/],
        [["--bucket", "--endpoint", "http://x"], /--bucket needs a value/],
        [["--bucket", "Bad_Bucket"], /--bucket "Bad_Bucket" is not a bucket name/],
        [["--bucket", "b-1", "--bucket", "b-2"], /--bucket is given twice/],
        [["--bucket", "b-1", "--status-prefix", "status"], /--status-prefix "status" must be .* ending in "\/"/],
        [["--stack", "dev", "--status-prefix", "status/"], /--status-prefix goes with --bucket/],
        [["--stack", "dev; rm -rf /"], /--stack "dev; rm -rf \/" is not a stack name/],
        [["--bucket", "b-1", "--endpoint", "ftp://x"], /--endpoint "ftp:\/\/x" is not an http/],
        [["--bucket", "b-1", "--region", "Europe"], /--region "Europe" is not an AWS region name/],
        [["--bucket", "b-1", "--expires", "0"], /--expires "0" must be/],
        [["--bucket", "b-1", "--expires", "1.5"], /--expires "1.5" must be/],
        [["--bucket", "b-1", "--out", "/no/such/dir/x.html"], /--out \/no\/such\/dir\/x\.html: directory \/no\/such\/dir does not exist/],
        [["--bucket", "b-1", "extra"], /unexpected argument "extra"/],
    ];
    for (const [argv, message] of usage) {
        it(`rejects ${JSON.stringify(argv)}`, () => {
            assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof UsageError && message.test((e as Error).message));
        });
    }

    it("accepts the documented forms", () => {
        assert.deepEqual(parseArgs(["--bucket", "b-1"]), { bucket: "b-1", statusPrefix: "status/", expires: 900, help: false });
        assert.deepEqual(parseArgs(["--stack", "org/proj/dev", "--region", "eu-west-1", "--expires=3600"]), { stack: "org/proj/dev", region: "eu-west-1", expires: 3600, help: false });
        assert.equal(parseArgs(["--help"]).help, true);
    });
});
