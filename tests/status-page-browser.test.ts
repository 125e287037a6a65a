/**
 * The status page in a real browser: headless Chromium (the system's /usr/bin/chromium, driven by
 * playwright-core) against the status server, over a real S3-compatible server on loopback.
 * Also takes the screenshots the README shows, docs/status-page.png (1280×800) and
 * docs/status-page-mobile.png (375×800); it writes them only with UPDATE_SCREENSHOTS=1, so a test run
 * never changes tracked files.
 *
 * Without /usr/bin/chromium these tests fail (they are not skipped): install it with
 * `apt-get install chromium`.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Browser, chromium, Page } from "playwright-core";
import type { StatusDocument } from "../app/src/processor/status";
import { startStatusServer, StatusServer } from "../app/src/status-page/server";
import { LocalS3, startS3 } from "./support/s3";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const DOCS = path.join(__dirname, "..", "docs");

/** Takes a screenshot (a PNG of some substance), writing it to docs/ only with UPDATE_SCREENSHOTS=1. */
async function screenshot(page: Page, file: string): Promise<void> {
    const png = await page.screenshot();
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG");
    assert.ok(png.length > 10000, `a screenshot of a rendered page, not a blank one: ${png.length} bytes`);
    if (process.env.UPDATE_SCREENSHOTS === "1") {
        fs.writeFileSync(path.join(DOCS, file), png);
    }
}
const BUCKET = "pipeline";
const EVIL = `<b>&"x".csv`;

/** The few browser globals the tests read inside page.evaluate (the project compiles without the DOM library). */
interface El {
    textContent: string | null;
    tagName: string;
    getBoundingClientRect(): { top: number; height: number };
    blur(): void;
    querySelector(selector: string): El | null;
}
interface Win {
    marker?: number;
    scrollY: number;
    scrollTo(x: number, y: number): void;
    document: { activeElement: El | null; scrollingElement: { scrollWidth: number } | null; documentElement: { clientWidth: number }; querySelector(selector: string): El | null };
    getComputedStyle(el: El, pseudo?: string): { outlineStyle: string; outlineWidth: string; display: string; content: string };
}

const ago = (minutes: number) => new Date(Date.now() - minutes * 60000).toISOString();

function statusDoc(relative: string, over: Partial<StatusDocument> & Pick<StatusDocument, "state" | "startedAt">): StatusDocument {
    return { schemaVersion: 1, bucket: BUCKET, key: `uploads/${relative}`, attempt: 1, ...over };
}

async function putJson(s3: LocalS3, key: string, value: unknown): Promise<void> {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(value), ContentType: "application/json" }));
}

async function succeeded(s3: LocalS3, relative: string, minutesAgo: number, rows: number, durationMs: number, extra: Partial<StatusDocument> = {}): Promise<void> {
    const outputKey = `processed/${relative}.summary.json`;
    await putJson(s3, outputKey, { rows, source: { bucket: BUCKET, key: `uploads/${relative}` }, columns: [{ name: "id", type: "integer" }] });
    await putJson(s3, `status/${relative}.json`, statusDoc(relative, { state: "succeeded", startedAt: ago(minutesAgo), completedAt: ago(minutesAgo - durationMs / 60000), durationMs, rowsProcessed: rows, outputKey, ...extra }));
}

async function seed(s3: LocalS3): Promise<void> {
    await s3.createBucket(BUCKET);
    await succeeded(s3, "2026/11/sales-eu.csv", 3, 124_806, 4_230, { badRows: 3 });
    await succeeded(s3, "2026/11/orders.csv.gz", 12, 1_048_576, 61_500);
    await succeeded(s3, EVIL, 25, 2, 180);
    await succeeded(s3, "inventory ünï 数据.tsv", 95, 9_301, 2_050, { attempt: 2 });
    await putJson(s3, "status/2026/11/clickstream.jsonl.json", statusDoc("2026/11/clickstream.jsonl", { state: "running", startedAt: ago(2) }));
    await putJson(
        s3,
        "status/2026/11/export.bin.json",
        statusDoc("2026/11/export.bin", { state: "failed", startedAt: ago(7), durationMs: 95, error: { class: "InputError:binary", message: "the file looks binary (NUL bytes in the first 4 KiB); expected delimited text", exitCode: 65 } }),
    );
    await putJson(
        s3,
        "status/empty.csv.json",
        statusDoc("empty.csv", { state: "failed", startedAt: ago(40), durationMs: 30, error: { class: "InputError:empty", message: "the file is empty", exitCode: 65 } }),
    );
    await putJson(
        s3,
        "status/2026/11/events.jsonl.json",
        statusDoc("2026/11/events.jsonl", { state: "interrupted", startedAt: ago(55), durationMs: 118_000, rowsProcessed: 40_000, error: { class: "Interrupted", message: "SIGTERM received (Spot capacity reclaimed); stopped after 40,000 rows", exitCode: 6 } }),
    );
}

describe("status page in a browser (headless Chromium)", function () {
    this.timeout(90000);
    let s3: LocalS3;
    let server: StatusServer;
    let browser: Browser;

    before(async function () {
        if (!fs.existsSync(CHROMIUM)) {
            throw new Error(`${CHROMIUM} does not exist: the status page's browser tests need Debian's chromium (apt-get install chromium). They are not skipped on purpose.`);
        }
        s3 = await startS3();
        await seed(s3);
        server = await startStatusServer({
            s3: s3.client,
            bucket: BUCKET,
            statusPrefix: "status/",
            linkExpirySeconds: 900,
            title: "Pipeline status — dev",
            source: `s3://${BUCKET}/status/`,
        });
        // A fresh, temporary profile each launch.
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    });
    after(async () => {
        await browser?.close();
        await server?.close();
        await s3?.close();
    });

    async function open(width: number, height: number, javaScriptEnabled = true): Promise<Page> {
        const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, isMobile: width < 500, hasTouch: width < 500, javaScriptEnabled, reducedMotion: "reduce" });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
        await page.goto(server.url);
        (page as Page & { errors?: string[] }).errors = errors;
        return page;
    }
    const errorsOf = (page: Page) => (page as Page & { errors?: string[] }).errors ?? [];

    it("shows every file as a table row with accessible roles: file, state as text, rows, error, links", async () => {
        const page = await open(1280, 800);
        try {
            assert.equal(await page.locator("html").getAttribute("lang"), "en");
            assert.equal(await page.getByRole("main").count(), 1);
            assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Pipeline status — dev");
            const table = page.getByRole("table", { name: /Status of each file under s3:\/\/pipeline\/status\// });
            assert.equal(await table.count(), 1);
            const headers = await table.getByRole("columnheader").allTextContents();
            assert.deepEqual(headers, ["File", "State", "Rows", "Duration", "Started", "Error", "Links"]);
            assert.equal(await table.getByRole("row").count(), 1 + 8);
            const keys = await table.getByRole("rowheader").allTextContents();
            assert.equal(keys[0], "uploads/2026/11/clickstream.jsonl", "running first");
            assert.deepEqual(keys.slice(1, 4), ["uploads/2026/11/sales-eu.csv", "uploads/2026/11/export.bin", "uploads/2026/11/orders.csv.gz"], "then most recently started");
            assert.ok(keys.includes(`uploads/${EVIL}`), `the key with markup characters is shown as text: ${keys.join(" | ")}`);
            assert.ok(keys.includes("uploads/inventory ünï 数据.tsvattempt 2"));

            const sales = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "uploads/2026/11/sales-eu.csv" }) });
            const cells = await sales.getByRole("cell").allInnerTexts();
            assert.equal(cells.length, 6);
            assert.match(cells[0], /Succeeded/);
            assert.match(cells[1], /^124,806 \(3 bad\)$/);
            assert.match(cells[2], /^4\.2 s$/);
            assert.match(cells[3], /UTC \(3 min ago\)/);

            const counts = await page.getByRole("list", { name: "8 files" }).getByRole("listitem").allInnerTexts();
            assert.deepEqual(counts.map((c) => c.replace(/^\W+\s*/, "")), ["1 running", "4 succeeded", "2 failed", "1 interrupted"]);
            assert.match(await page.getByText(/Links expire in 15 minutes/).innerText(), /Links expire in 15 minutes \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/);
            assert.deepEqual(errorsOf(page), []);
        } finally {
            await page.context().close();
        }
    });

    it("shows a failed file's error class and message, and links no summary for it", async () => {
        const page = await open(1280, 800);
        try {
            const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "uploads/2026/11/export.bin" }) });
            const cells = await row.getByRole("cell").allInnerTexts();
            assert.match(cells[0], /Failed/);
            assert.match(cells[4], /InputError:binary \(exit 65\) the file looks binary \(NUL bytes in the first 4 KiB\)/);
            assert.deepEqual(await row.getByRole("link").allInnerTexts(), ["Status document of export.bin"]);
            const interrupted = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "uploads/2026/11/events.jsonl" }) });
            assert.match((await interrupted.getByRole("cell").allInnerTexts())[4], /Interrupted \(exit 6\) SIGTERM received/);
        } finally {
            await page.context().close();
        }
    });

    it("summary links resolve to the summary JSON (fetched, and followed by a click)", async () => {
        const page = await open(1280, 800);
        try {
            const link = page.getByRole("link", { name: "Summary of sales-eu.csv" });
            const href = (await link.getAttribute("href"))!;
            assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/pipeline\/processed\/2026\/11\/sales-eu\.csv\.summary\.json\?.*X-Amz-Signature=/);
            const res = await page.request.get(href);
            assert.equal(res.status(), 200);
            assert.equal(((await res.json()) as { rows: number }).rows, 124_806);

            const evil = page.getByRole("link", { name: `Summary of ${EVIL}` });
            const evilJson = (await (await page.request.get((await evil.getAttribute("href"))!)).json()) as { source: { key: string } };
            assert.equal(evilJson.source.key, `uploads/${EVIL}`);

            await Promise.all([page.waitForURL(/summary\.json/), link.click()]);
            assert.equal((JSON.parse(await page.locator("body").innerText()) as { rows: number }).rows, 124_806);
        } finally {
            await page.context().close();
        }
    });

    it("shows a file that completes after the page loaded, without a reload, keeping focus", async () => {
        const page = await open(1280, 800);
        try {
            await page.evaluate(() => ((globalThis as unknown as Win).marker = 42));
            const link = page.getByRole("link", { name: "Summary of orders.csv.gz" });
            await link.focus();
            await page.evaluate(() => (globalThis as unknown as Win).scrollTo(0, 150));
            assert.equal(await page.getByRole("rowheader", { name: "uploads/late-arrival.csv" }).count(), 0);
            assert.equal(await page.getByRole("status").innerText(), "Live: this table updates every 2 seconds.");

            const lateRow = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "uploads/late-arrival.csv" }) });
            await putJson(s3, "status/late-arrival.csv.json", statusDoc("late-arrival.csv", { state: "running", startedAt: ago(0.2) }));
            await lateRow.getByRole("cell", { name: /Running/ }).waitFor({ timeout: 10000 });
            assert.equal(await page.getByRole("table").getByRole("rowheader").first().textContent(), "uploads/late-arrival.csv", "a new running file goes on top");
            await succeeded(s3, "late-arrival.csv", 0.2, 77, 850);
            await putJson(s3, "status/2026/11/returns.csv.json", statusDoc("2026/11/returns.csv", { state: "running", startedAt: ago(0.1) }));
            await putJson(s3, "status/2026/11/clickstream.jsonl.json", statusDoc("2026/11/clickstream.jsonl", { state: "succeeded", startedAt: ago(2), durationMs: 95_000, rowsProcessed: 5_120_000, outputKey: "processed/2026/11/clickstream.jsonl.summary.json" }));
            await putJson(s3, "processed/2026/11/clickstream.jsonl.summary.json", { rows: 5_120_000 });

            await lateRow.getByRole("cell", { name: /Succeeded/ }).waitFor({ timeout: 10000 });
            assert.equal(await page.evaluate(() => (globalThis as unknown as Win).marker), 42, "the page was not reloaded");
            const late = await page.request.get((await page.getByRole("link", { name: "Summary of late-arrival.csv" }).getAttribute("href"))!);
            assert.equal(((await late.json()) as { rows: number }).rows, 77);
            await page.getByRole("link", { name: "Summary of clickstream.jsonl" }).waitFor({ timeout: 10000 });
            await page.getByRole("rowheader", { name: "uploads/2026/11/returns.csv" }).waitFor({ timeout: 10000 });

            const focused = await page.evaluate(() => (globalThis as unknown as Win).document.activeElement?.textContent);
            assert.equal(focused, "Summary of orders.csv.gz", "focus stays on the same link across updates");
            assert.equal(await page.evaluate(() => (globalThis as unknown as Win).scrollY), 150, "the scroll position stays");
            assert.match(await page.getByRole("status").innerText(), /Updated: 10 files: 1 running, 6 succeeded, 2 failed, 1 interrupted\./);
            assert.deepEqual(errorsOf(page), []);
        } finally {
            await page.context().close();
        }
    });

    it("shows the keyboard focus and takes the desktop screenshot (1280×800)", async () => {
        const page = await open(1280, 800);
        try {
            await page.keyboard.press("Tab");
            const skip = await page.evaluate(() => {
                const w = (globalThis as unknown as Win);
                const el = w.document.activeElement!;
                const r = el.getBoundingClientRect();
                return { text: el.textContent, top: r.top, outline: w.getComputedStyle(el).outlineStyle };
            });
            assert.deepEqual([skip.text, skip.top >= 0, skip.outline], ["Skip to the file table", true, "solid"]);
            await page.keyboard.press("Tab");
            await page.keyboard.press("Tab");
            const link = await page.evaluate(() => {
                const w = (globalThis as unknown as Win);
                const el = w.document.activeElement!;
                return { tag: el.tagName, outline: w.getComputedStyle(el).outlineStyle, width: w.getComputedStyle(el).outlineWidth };
            });
            assert.deepEqual(link, { tag: "A", outline: "solid", width: "3px" });
            await page.locator("body").click({ position: { x: 1, y: 1 } });
            await page.evaluate(() => (globalThis as unknown as Win).document.activeElement?.blur());
            assert.ok((await page.evaluate(() => (globalThis as unknown as Win).document.scrollingElement!.scrollWidth)) <= 1280);
            await screenshot(page, "status-page.png");
        } finally {
            await page.context().close();
        }
    });

    it("at 375 px wide, shows stacked cards with labels and no horizontal scroll; takes the mobile screenshot", async () => {
        const page = await open(375, 800);
        try {
            const width = await page.evaluate(() => ({ scroll: (globalThis as unknown as Win).document.scrollingElement!.scrollWidth, client: (globalThis as unknown as Win).document.documentElement.clientWidth }));
            assert.ok(width.scroll <= 375, `scrollWidth ${width.scroll} > 375`);
            assert.equal(width.client, 375);
            const layout = await page.evaluate(() => {
                const w = (globalThis as unknown as Win);
                const row = w.document.querySelector("tbody tr")!;
                const cell = row.querySelector("td")!;
                return { row: w.getComputedStyle(row).display, label: w.getComputedStyle(cell, "::before").content, theadHeight: w.document.querySelector("thead")!.getBoundingClientRect().height };
            });
            assert.deepEqual(layout, { row: "block", label: '"State"', theadHeight: 1 });
            // Still a table with rows and cells for assistive technology.
            assert.equal(await page.getByRole("table").count(), 1);
            assert.equal(await page.getByRole("columnheader").count(), 7);
            assert.ok((await page.getByRole("row").count()) >= 9);
            for (const el of await page.locator("tbody tr").all()) {
                const box = (await el.boundingBox())!;
                assert.ok(box.x >= 0 && box.x + box.width <= 375, `a card fits: ${JSON.stringify(box)}`);
            }
            await screenshot(page, "status-page-mobile.png");
        } finally {
            await page.context().close();
        }
    });

    it("shows the data with JavaScript disabled", async () => {
        const page = await open(1280, 800, false);
        try {
            assert.ok((await page.getByRole("row").count()) >= 9);
            assert.equal(await page.getByRole("status").innerText(), "");
            assert.equal(await page.getByRole("link", { name: "Summary of sales-eu.csv" }).count(), 1);
        } finally {
            await page.context().close();
        }
    });
});
