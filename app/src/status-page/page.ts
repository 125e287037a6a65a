/**
 * The status page: one static HTML5 document (inline CSS, no external assets) listing every file's
 * status document. Pure — the same entries and options give the same HTML; "now" is
 * `options.generatedAt`.
 *
 * With `liveUpdateUrl`, a small inline script polls that URL every 2 s and swaps the status region
 * (counts and table) for the answer's `html`, keeping focus and scroll position. Without JavaScript
 * the page still shows everything it was built with.
 */
import type { StatusState } from "../processor/status";
import type { LiveUpdate, PageOptions, StatusEntry } from "./types";

/** How often the page polls `liveUpdateUrl`. */
export const LIVE_UPDATE_INTERVAL_MS = 2000;

/** A state as the page shows it: the processor's four, plus documents that could not be read. */
export type DisplayState = StatusState | "unreadable";

export const DISPLAY_STATES: readonly DisplayState[] = ["running", "succeeded", "failed", "interrupted", "unreadable"];

const STATE_GLYPH: Record<DisplayState, string> = {
    running: "\u21bb", // ↻
    succeeded: "\u2713", // ✓
    failed: "\u2715", // ✕
    interrupted: "\u26a0", // ⚠
    unreadable: "?",
};

const STATE_LABEL: Record<DisplayState, string> = {
    running: "Running",
    succeeded: "Succeeded",
    failed: "Failed",
    interrupted: "Interrupted",
    unreadable: "Unreadable",
};

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: unknown): string {
    return String(text ?? "").replace(/[&<>"']/g, (c) => {
        switch (c) {
            case "&":
                return "&amp;";
            case "<":
                return "&lt;";
            case ">":
                return "&gt;";
            case '"':
                return "&quot;";
            default:
                return "&#39;";
        }
    });
}

/**
 * Characters that do not show, or that reorder what follows: C0/C1 controls, zero-width and
 * bidirectional-text controls (U+202E RIGHT-TO-LEFT OVERRIDE makes `report‮vsc.exe` read as
 * `reportexe.csv`), the byte order mark.
 */
export const HIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** `U+202E` for a character. */
export function codePointLabel(ch: string): string {
    return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Escaped text in which every hidden or reordering character is replaced by a visible, marked `⟨U+202E⟩`. */
export function visibleText(text: unknown): string {
    return escapeHtml(text).replace(HIDDEN_CHARACTERS, (ch) => {
        const label = codePointLabel(ch);
        return `<span class="hidden-char" title="hidden character ${label} in the name">⟨${label}⟩</span>`;
    });
}

/** The state an entry is shown with. */
export function displayState(entry: StatusEntry): DisplayState {
    if (entry.warning !== undefined) {
        return "unreadable";
    }
    const s = entry.status?.state;
    return s === "running" || s === "succeeded" || s === "failed" || s === "interrupted" ? s : "unreadable";
}

function startedMs(entry: StatusEntry): number {
    const t = Date.parse(entry.status?.startedAt ?? "");
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** Running files first, then the most recently started; ties by key. Returns a new array. */
export function sortEntries(entries: readonly StatusEntry[]): StatusEntry[] {
    return [...entries].sort((a, b) => {
        const ra = displayState(a) === "running" ? 0 : 1;
        const rb = displayState(b) === "running" ? 0 : 1;
        if (ra !== rb) {
            return ra - rb;
        }
        const ta = startedMs(a);
        const tb = startedMs(b);
        if (ta !== tb) {
            return tb > ta ? 1 : -1;
        }
        return a.statusKey < b.statusKey ? -1 : a.statusKey > b.statusKey ? 1 : 0;
    });
}

/** How many entries are in each state. */
export function countStates(entries: readonly StatusEntry[]): Record<DisplayState, number> {
    const counts: Record<DisplayState, number> = { running: 0, succeeded: 0, failed: 0, interrupted: 0, unreadable: 0 };
    for (const e of entries) {
        counts[displayState(e)]++;
    }
    return counts;
}

/** "4 files: 1 running, 2 succeeded, 1 failed, 0 interrupted" (unreadable only when there are any). */
export function summaryText(entries: readonly StatusEntry[]): string {
    const counts = countStates(entries);
    const parts = DISPLAY_STATES.filter((s) => s !== "unreadable" || counts.unreadable > 0).map((s) => `${counts[s]} ${s}`);
    return `${plural(entries.length, "file")}: ${parts.join(", ")}`;
}

function plural(n: number, word: string): string {
    return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** "15 minutes", "1 hour", "7 days", "1 minute 30 seconds". */
export function describeSeconds(total: number): string {
    const s = Math.max(0, Math.round(total));
    const units: [number, string][] = [
        [86400, "day"],
        [3600, "hour"],
        [60, "minute"],
        [1, "second"],
    ];
    const parts: string[] = [];
    let rest = s;
    for (const [size, name] of units) {
        const n = Math.floor(rest / size);
        if (n > 0) {
            parts.push(plural(n, name));
            rest -= n * size;
        }
        if (parts.length === 2) {
            break;
        }
    }
    return parts.length ? parts.join(" ") : "0 seconds";
}

/** A duration for people: "850 ms", "4.2 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
    if (!Number.isFinite(ms) || ms < 0) {
        return "–";
    }
    if (ms < 1000) {
        return `${Math.round(ms)} ms`;
    }
    if (ms < 60000) {
        const s = ms / 1000;
        return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
    }
    const totalS = Math.round(ms / 1000);
    if (totalS < 3600) {
        return `${Math.floor(totalS / 60)} min ${totalS % 60} s`;
    }
    const totalMin = Math.floor(totalS / 60);
    if (totalMin < 1440) {
        return `${Math.floor(totalMin / 60)} h ${totalMin % 60} min`;
    }
    return `${Math.floor(totalMin / 1440)} d ${Math.floor((totalMin % 1440) / 60)} h`;
}

/** An HTML duration string (`PT2M5.3S`) for `<time datetime>`. */
function isoDuration(ms: number): string {
    const totalS = Math.max(0, ms) / 1000;
    const h = Math.floor(totalS / 3600);
    const m = Math.floor((totalS % 3600) / 60);
    const s = Math.round((totalS % 60) * 1000) / 1000;
    return `PT${h ? `${h}H` : ""}${m ? `${m}M` : ""}${s}S`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 days ago" (or "in 3 s" for clock skew). */
export function relativeTime(thenMs: number, nowMs: number): string {
    const diff = nowMs - thenMs;
    const abs = Math.abs(diff);
    if (abs < 5000) {
        return "just now";
    }
    let text: string;
    if (abs < 60000) {
        text = `${Math.round(abs / 1000)} s`;
    } else if (abs < 3600000) {
        text = `${Math.round(abs / 60000)} min`;
    } else if (abs < 86400000) {
        text = `${Math.round(abs / 3600000)} h`;
    } else {
        text = plural(Math.round(abs / 86400000), "day");
    }
    return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** "2026-11-23 10:00:05 UTC": the same everywhere, whatever the locale or zone of the viewer. */
export function absoluteTime(ms: number): string {
    return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A `<time>` with the absolute time, then the relative time; plain escaped text when not a date. */
function timeHtml(iso: string | undefined, nowMs: number): string {
    if (!iso) {
        return none();
    }
    const t = Date.parse(iso);
    if (Number.isNaN(t)) {
        return escapeHtml(iso);
    }
    const exact = new Date(t).toISOString();
    return `<time datetime="${exact}">${absoluteTime(t)}</time> <span class="rel">(${escapeHtml(relativeTime(t, nowMs))})</span>`;
}

function none(): string {
    return `<span class="none" aria-hidden="true">–</span><span class="vh">none</span>`;
}

/** Only http(s) URLs and same-origin paths become links. */
function safeUrl(url: string | undefined): string | undefined {
    if (!url) {
        return undefined;
    }
    if (url.startsWith("/") && !url.startsWith("//")) {
        return url;
    }
    try {
        const u = new URL(url);
        return u.protocol === "https:" || u.protocol === "http:" ? url : undefined;
    } catch {
        return undefined;
    }
}

/** The last path segment of a key, for link text ("Summary of day.csv"). */
function baseName(key: string): string {
    const parts = key.split("/").filter((p) => p.length > 0);
    return parts.length ? parts[parts.length - 1] : key;
}

/** An output's name for link text: its path below `<input name>/` (`processed/a.csv/charts/x.png` → `charts/x.png`), else its last segment. */
function outputName(outputKey: string, inputKey: string): string {
    const marker = `/${baseName(inputKey)}/`;
    const at = outputKey.indexOf(marker);
    return at >= 0 && at + marker.length < outputKey.length ? outputKey.slice(at + marker.length) : baseName(outputKey);
}

/**
 * The key, escaped with its hidden characters shown, with a line-break opportunity after each "/"
 * (long keys wrap at folders first). `.key` is bidi-isolated: right-to-left text in a key cannot
 * reorder the rest of the row.
 */
function breakableKey(key: string): string {
    return key.split("/").map(visibleText).join("/<wbr>");
}

function badge(state: DisplayState): string {
    return `<span class="badge s-${state}"><span class="glyph" aria-hidden="true">${STATE_GLYPH[state]}</span> ${STATE_LABEL[state]}</span>`;
}

/** A whole, non-negative count, or undefined (a status document is data from a bucket: never trusted). */
function count(value: unknown): number | undefined {
    return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * A file processed in byte-range shards (docs/sharding.md): while it runs, a progress bar of the
 * shards done and the rows so far; after, how many shards it took (and failed attempts retried).
 */
function shardsHtml(entry: StatusEntry, state: DisplayState): string {
    const shards = entry.status.shards;
    const total = count(shards?.total);
    const done = count(shards?.done);
    if (shards === undefined || total === undefined || total < 1 || done === undefined) {
        return "";
    }
    const failed = count(shards.failed) ?? 0;
    const retried = failed > 0 ? `, ${escapeHtml(plural(failed, "failed attempt"))}` : "";
    if (state !== "running") {
        return `<span class="muted shards">in ${escapeHtml(total)} shards${retried}</span>`;
    }
    const shown = Math.min(done, total);
    const rows = count(shards.rows);
    const label = `${shown} of ${total} shards done${rows === undefined ? "" : `, ${rows.toLocaleString("en-US")} rows so far`}${failed > 0 ? `, ${plural(failed, "failed attempt")} retried` : ""}`;
    return (
        `<span class="shards"><progress max="${escapeHtml(total)}" value="${escapeHtml(shown)}" aria-label="${escapeHtml(label)}">${escapeHtml(shown)}/${escapeHtml(total)}</progress>` +
        ` <span class="muted">${escapeHtml(label)}</span></span>`
    );
}

function rowsHtml(entry: StatusEntry, state: DisplayState): string {
    const shards = shardsHtml(entry, state);
    const rows = entry.status.rowsProcessed;
    if ((typeof rows !== "number" || !Number.isFinite(rows)) && shards !== "") {
        return shards;
    }
    if (typeof rows !== "number" || !Number.isFinite(rows)) {
        return none();
    }
    const bad = entry.status.badRows;
    const badText = typeof bad === "number" && bad > 0 ? ` <span class="muted">(${escapeHtml(bad.toLocaleString("en-US"))} bad)</span>` : "";
    return `${escapeHtml(rows.toLocaleString("en-US"))}${badText}${shards === "" ? "" : ` ${shards}`}`;
}

function durationHtml(entry: StatusEntry, state: DisplayState, nowMs: number): string {
    const d = entry.status.durationMs;
    if (typeof d === "number" && Number.isFinite(d) && d >= 0) {
        return `<time datetime="${isoDuration(d)}">${escapeHtml(formatDuration(d))}</time>`;
    }
    if (state === "running") {
        const started = startedMs(entry);
        if (Number.isFinite(started) && nowMs >= started) {
            return `<span class="muted">running for</span> <time datetime="${isoDuration(nowMs - started)}">${escapeHtml(formatDuration(nowMs - started))}</time>`;
        }
    }
    return none();
}

function errorHtml(entry: StatusEntry, state: DisplayState): string {
    if (state === "unreadable") {
        return `<span class="err-class">Unreadable status document</span> <span class="err-msg">${visibleText(entry.warning ?? entry.status?.error?.message ?? "")}</span>`;
    }
    if (state !== "failed" && state !== "interrupted") {
        return none();
    }
    const e = entry.status.error;
    if (!e) {
        return state === "interrupted" ? `<span class="err-msg">Stopped before it finished</span>` : `<span class="err-msg">No error recorded</span>`;
    }
    const command =
        typeof e.commandExitCode === "number" ? `; command exit ${escapeHtml(e.commandExitCode)}` : typeof e.commandSignal === "string" ? `; command killed by ${visibleText(e.commandSignal)}` : "";
    const exit = typeof e.exitCode === "number" ? ` <span class="muted">(exit ${escapeHtml(e.exitCode)}${command})</span>` : "";
    return `<span class="err-class">${visibleText(e.class)}</span>${exit} <span class="err-msg">${visibleText(e.message)}</span>`;
}

function linksHtml(entry: StatusEntry, state: DisplayState): string {
    const name = visibleText(baseName(entry.status?.key || entry.statusKey));
    const out: string[] = [];
    const summary = state === "succeeded" ? safeUrl(entry.summaryUrl) : undefined;
    if (summary) {
        out.push(
            `<li><a href="${escapeHtml(summary)}" data-focus-id="${escapeHtml(`summary:${entry.statusKey}`)}" rel="noreferrer">Summary of ${name}</a></li>`,
        );
    }
    if (state === "succeeded") {
        for (const output of entry.outputUrls ?? []) {
            const url = safeUrl(output.url);
            if (url) {
                out.push(
                    `<li><a href="${escapeHtml(url)}" data-focus-id="${escapeHtml(`output:${entry.statusKey}:${output.key}`)}" rel="noreferrer">${visibleText(outputName(output.key, entry.status?.key ?? ""))} from ${name}</a></li>`,
                );
            }
        }
        if (entry.moreOutputs) {
            out.push(`<li class="muted">and ${escapeHtml(entry.moreOutputs.toLocaleString("en-US"))} more outputs (in the status document)</li>`);
        }
    }
    const status = safeUrl(entry.statusUrl);
    if (status) {
        out.push(
            `<li><a href="${escapeHtml(status)}" data-focus-id="${escapeHtml(`status:${entry.statusKey}`)}" rel="noreferrer">Status document of ${name}</a></li>`,
        );
    }
    return out.length ? `<ul class="links">${out.join("")}</ul>` : none();
}

const COLUMNS = ["File", "State", "Rows", "Duration", "Started", "Error", "Links"] as const;

function rowHtml(entry: StatusEntry, nowMs: number): string {
    const state = displayState(entry);
    const key = entry.status?.key || entry.statusKey;
    const attempt = typeof entry.status?.attempt === "number" && entry.status.attempt > 1 ? `<span class="muted attempt">attempt ${escapeHtml(entry.status.attempt)}</span>` : "";
    const cells = [
        `<td role="cell" data-label="State" class="c-state">${badge(state)}</td>`,
        `<td role="cell" data-label="Rows" class="c-num">${state === "unreadable" ? none() : rowsHtml(entry, state)}</td>`,
        `<td role="cell" data-label="Duration" class="c-num">${state === "unreadable" ? none() : durationHtml(entry, state, nowMs)}</td>`,
        `<td role="cell" data-label="Started" class="c-started">${timeHtml(entry.status?.startedAt, nowMs)}</td>`,
        `<td role="cell" data-label="Error" class="c-error">${errorHtml(entry, state)}</td>`,
        `<td role="cell" data-label="Links" class="c-links">${linksHtml(entry, state)}</td>`,
    ];
    return (
        `<tr role="row" class="s-${state}" data-state="${state}" data-status-key="${escapeHtml(entry.statusKey)}">` +
        `<th role="rowheader" scope="row" data-label="File" class="c-file"><span class="key">${breakableKey(key)}</span>${attempt}</th>` +
        cells.join("") +
        `</tr>`
    );
}

/**
 * The part of the page that live updates replace: the generated time, the counts per state and
 * the table. `/table.json` answers with this as `html`.
 */
export function renderStatusRegion(entries: readonly StatusEntry[], options: PageOptions): string {
    const sorted = sortEntries(entries);
    const counts = countStates(entries);
    const generated = Date.parse(options.generatedAt);
    const nowMs = Number.isNaN(generated) ? Date.now() : generated;
    const countItems = DISPLAY_STATES.filter((s) => s !== "unreadable" || counts.unreadable > 0)
        .map((s) => `<li class="count s-${s}" data-count-state="${s}"><span class="glyph" aria-hidden="true">${STATE_GLYPH[s]}</span> <strong>${counts[s]}</strong> ${s}</li>`)
        .join("");
    const body = sorted.length
        ? sorted.map((e) => rowHtml(e, nowMs)).join("\n")
        : `<tr role="row" class="empty"><td role="cell" colspan="${COLUMNS.length}">No status documents under ${escapeHtml(options.source)} yet. Upload a file and reload this page.</td></tr>`;
    const head = COLUMNS.map((c) => `<th role="columnheader" scope="col">${c}</th>`).join("");
    return (
        `<div class="region-inner" data-summary="${escapeHtml(summaryText(entries))}">\n` +
        `<p class="generated">Generated ${Number.isNaN(generated) ? escapeHtml(options.generatedAt) : `<time datetime="${new Date(generated).toISOString()}">${absoluteTime(generated)}</time>`}.</p>\n` +
        `<h2 id="counts-heading">${escapeHtml(plural(entries.length, "file"))}</h2>\n` +
        `<ul class="counts" aria-labelledby="counts-heading">${countItems}</ul>\n` +
        `<table role="table" id="status-table">\n` +
        `<caption>Status of each file under ${escapeHtml(options.source)}: running first, then most recently started. Times are UTC; “ago” is relative to when this was generated.</caption>\n` +
        `<thead role="rowgroup"><tr role="row">${head}</tr></thead>\n` +
        `<tbody role="rowgroup">\n${body}\n</tbody>\n` +
        `</table>\n` +
        `</div>`
    );
}

/** What `/table.json` answers for these entries. */
export function liveUpdatePayload(entries: readonly StatusEntry[], options: PageOptions): LiveUpdate {
    return { html: renderStatusRegion(entries, options), summary: summaryText(entries), generatedAt: options.generatedAt };
}

const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",sans-serif;color:#1b1f24;background:#fff}
main{max-width:90rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 .25rem}
h2{font-size:1.15rem;margin:1rem 0 .5rem}
p{margin:.25rem 0}
code{font:.9em/1.4 ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;background:#f1f3f5;padding:.05rem .3rem;border-radius:3px;overflow-wrap:anywhere}
a{color:#0b57b0;text-underline-offset:.15em}
a:visited{color:#5b2a9e}
a:hover{color:#073d7c}
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px;border-radius:2px}
a:focus-visible{background:#fff3b0;color:#1b1f24}
.skip{position:absolute;left:.5rem;top:-3rem;background:#1b1f24;color:#fff;padding:.5rem .75rem;z-index:10}
.skip:focus{top:.5rem;color:#fff}
.vh{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.meta{color:#4a5562}
.meta strong{color:#1b1f24}
.live{min-height:1.5em;color:#4a5562;font-size:.9rem}
.live.error{color:#8b1014;font-weight:600}
.generated{color:#4a5562;font-size:.95rem}
.muted,.rel,.none{color:#4a5562}
.rel{font-size:.9em;white-space:nowrap}
.counts{list-style:none;display:flex;flex-wrap:wrap;gap:.5rem;padding:0;margin:0 0 1rem}
.count{padding:.3rem .7rem;border-radius:999px;border:1px solid;font-size:.95rem}
.shards{display:block;font-size:.9rem}.shards progress{width:8rem;height:.9rem;vertical-align:middle}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;border:1px solid;font-weight:600;font-size:.9rem;white-space:nowrap}
.glyph{display:inline-block;min-width:1em;text-align:center}
.s-running .badge,.count.s-running{color:#08427a;background:#dcebfb;border-color:#5c8fcc;border-style:dashed}
.s-succeeded .badge,.count.s-succeeded{color:#0b5323;background:#dcf3e3;border-color:#5aa574}
.s-failed .badge,.count.s-failed{color:#8b1014;background:#fde2e2;border-color:#d46a6d;border-width:2px}
.s-interrupted .badge,.count.s-interrupted{color:#6b3d00;background:#fdf0cf;border-color:#c79a3c;border-style:dotted;border-width:2px}
.s-unreadable .badge,.count.s-unreadable{color:#4a2a7a;background:#ece4f7;border-color:#9479c2}
table{width:100%;border-collapse:collapse;font-size:.95rem}
caption{text-align:left;color:#4a5562;padding:0 0 .5rem;caption-side:top}
th,td{padding:.55rem .6rem;text-align:left;vertical-align:top;border-bottom:1px solid #d6dbe1}
thead th{background:#eef1f4;border-bottom:2px solid #9aa5b1;font-weight:700;white-space:nowrap}
tbody th{font-weight:600}
tbody tr:nth-child(even){background:#f7f9fb}
tbody tr.s-failed,tbody tr.s-unreadable{background:#fff8f8}
.key,.links a{overflow-wrap:break-word}
.key,.err-msg,.links a{unicode-bidi:isolate}
.hidden-char{font:inherit;font-size:.8em;color:#8a1c00;background:#fff0e6;border:1px solid #d9822b;border-radius:3px;padding:0 2px}
.attempt{display:block;font-weight:400;font-size:.85em}
.c-num{white-space:nowrap}
.c-started time{white-space:nowrap}
@media (min-width:48.0625rem){.c-state,.c-num{width:1%;white-space:nowrap}}
.c-error{max-width:32rem;overflow-wrap:break-word}
.err-class{font-weight:700;color:#8b1014}
.links{list-style:none;margin:0;padding:0}
.links li+li{margin-top:.25rem}
.empty td{padding:1.5rem .6rem;color:#4a5562}
@media (max-width:48rem){
  main{padding:.75rem .75rem 2rem}
  h1{font-size:1.35rem}
  table,tbody,tr,th,td{display:block;width:100%}
  caption{display:block}
  thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
  tbody tr{border:1px solid #c4ccd5;border-left:6px solid #9aa5b1;border-radius:6px;margin:0 0 .85rem;background:#fff!important;padding:.25rem 0}
  tbody tr.s-running{border-left-color:#3d78c2}
  tbody tr.s-succeeded{border-left-color:#2f8a4f}
  tbody tr.s-failed{border-left-color:#c0393d}
  tbody tr.s-interrupted{border-left-color:#b07d12}
  tbody tr.s-unreadable{border-left-color:#7a5aa8}
  tbody th,tbody td{border:0;padding:.3rem .75rem .3rem 6.75rem;position:relative;min-height:2rem;max-width:none}
  tbody th::before,tbody td::before{content:attr(data-label);position:absolute;left:.75rem;top:.3rem;width:5.5rem;font-weight:700;color:#4a5562;font-size:.85rem;line-height:1.7}
  tbody th{font-size:1.02rem;border-bottom:1px solid #e3e7ec;padding-top:.45rem;padding-bottom:.45rem}
  tbody th::before{top:.45rem}
  tbody tr.empty td{padding:1rem .75rem}
  tbody tr.empty td::before{content:none}
  .key,.links a,.c-error{overflow-wrap:anywhere}
}
@media (prefers-reduced-motion:no-preference){a{transition:background-color .15s}}
@media print{.skip,.live{display:none}}
`;

/** The inline live-update script; `url` is embedded as a JSON string safe inside <script>. */
function liveScript(url: string): string {
    const u = JSON.stringify(url).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
    return `<script>
(function () {
  "use strict";
  var url = ${u}, every = ${LIVE_UPDATE_INTERVAL_MS};
  var region = document.getElementById("status-region"), live = document.getElementById("live-status");
  if (!region || !live || !window.fetch) return;
  var timer = null, busy = false, failing = false;
  function summaryOf() { var r = region.querySelector("[data-summary]"); return r ? r.getAttribute("data-summary") : ""; }
  function selecting() { var s = window.getSelection && window.getSelection(); return !!(s && !s.isCollapsed && s.anchorNode && region.contains(s.anchorNode)); }
  function apply(html) {
    var active = document.activeElement, focusId = null;
    if (active && region.contains(active)) focusId = active.getAttribute("data-focus-id");
    var x = window.scrollX, y = window.scrollY, before = summaryOf();
    region.innerHTML = html;
    if (focusId !== null) {
      var all = region.querySelectorAll("[data-focus-id]");
      for (var i = 0; i < all.length; i++) { if (all[i].getAttribute("data-focus-id") === focusId) { all[i].focus({ preventScroll: true }); break; } }
    }
    if (window.scrollX !== x || window.scrollY !== y) window.scrollTo(x, y);
    var after = summaryOf();
    if (after !== before || failing) { live.textContent = "Updated: " + after + "."; }
    live.className = "live"; failing = false;
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(tick, every); }
  function tick() {
    if (busy) return;
    if (document.hidden || selecting()) { schedule(); return; }
    busy = true;
    fetch(url, { cache: "no-store", headers: { accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (d) { if (d && typeof d.html === "string") apply(d.html); })
      .catch(function (e) { failing = true; live.className = "live error"; live.textContent = "Live update failed (" + (e && e.message ? e.message : e) + "); retrying every " + (every / 1000) + " s. The table shows the last data received."; })
      .then(function () { busy = false; schedule(); });
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { clearTimeout(timer); tick(); } });
  live.textContent = "Live: this table updates every " + (every / 1000) + " seconds.";
  schedule();
})();
</script>`;
}

/** The whole page. */
export function renderStatusPage(entries: StatusEntry[], options: PageOptions): string {
    const expiry = describeSeconds(options.linkExpirySeconds);
    const generated = Date.parse(options.generatedAt);
    const expiresAt = Number.isNaN(generated) ? "" : ` (at <time datetime="${new Date(generated + options.linkExpirySeconds * 1000).toISOString()}">${absoluteTime(generated + options.linkExpirySeconds * 1000)}</time>)`;
    const linkNote = options.liveUpdateUrl
        ? `Links expire in ${escapeHtml(expiry)}${expiresAt}; while this page is open they are refreshed with every update.`
        : `Links expire in ${escapeHtml(expiry)}${expiresAt}; build the page again for fresh ones.`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)}</title>
<style>${CSS}</style>
</head>
<body>
<a class="skip" href="#status-table">Skip to the file table</a>
<main id="main">
<h1>${escapeHtml(options.title)}</h1>
<p class="meta">Source: <code>${escapeHtml(options.source)}</code></p>
<p class="meta">${linkNote}</p>
<p id="live-status" class="live" role="status" aria-live="polite"></p>
<div id="status-region">
${renderStatusRegion(entries, options)}
</div>
</main>
${options.liveUpdateUrl ? liveScript(options.liveUpdateUrl) : ""}
</body>
</html>
`;
}
