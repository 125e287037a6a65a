/** The estimate as markdown tables. */
import { CostLine, CostReport } from "./estimate";
import { PRICES_TAKEN, PRICE_SOURCES } from "./prices";

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

function num(n: number, maxDecimals = 2): string {
    return n.toLocaleString("en-US", { maximumFractionDigits: maxDecimals });
}

/**
 * USD with cents; amounts that round to zero but are not zero show as "< 0.01".
 * @param n an amount in USD.
 */
export function formatUsd(n: number): string {
    if (n > 0 && n < 0.005) {
        return "< 0.01";
    }
    return n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

const SINGULAR: Readonly<Record<string, string>> = { requests: "request", events: "event", invocations: "invocation" };

function unitPrice(l: CostLine): string {
    const per = l.priceUnit === 1 ? (SINGULAR[l.unit] ?? l.unit) : l.priceUnit === 1000 ? "1,000" : "1M";
    return `${num(l.unitPrice, 10)} / ${per}`;
}

/**
 * The report as markdown: a summary table, then one table per pattern with its latency and notes.
 * @param report what {@link estimateCosts} returned.
 * @param title the heading. @default "Monthly cost by pattern"
 */
export function renderCostMarkdown(report: CostReport, title?: string): string {
    const { stack: s, workload: w } = report;
    const out: string[] = [];
    out.push(`## ${title ?? "Monthly cost by pattern"}`, "");
    const storage = s.ephemeralStorageGiB === undefined ? "20 GiB storage (included)" : `${s.ephemeralStorageGiB} GiB storage`;
    out.push(
        `Stack: ${s.region}, task ${s.taskCpu / 1024} vCPU / ${s.taskMemory / 1024} GB ${s.cpuArchitecture}, ${storage}, ` +
            `capacity base ${s.capacity.fargateBase} / FARGATE ${s.capacity.fargateWeight} : FARGATE_SPOT ${s.capacity.fargateSpotWeight}, ` +
            `logs kept ${s.logRetentionDays} days, public IP ${s.assignPublicIp ? "on" : "off"}.`,
        "",
    );
    const read = w.s3ReadMBps === undefined ? "CPU-bound: S3 read speed is not modelled; give --s3-read-mbps or a measured --seconds-per-file" : `or S3 read at ${num(w.s3ReadMBps)} MB/s if slower`;
    const size = w.derived
        ? `${num(w.fileSizeMB ?? 0)} MB files → ${num(w.secondsPerFile, 1)} s of processing each (${num(((w.fileSizeMB ?? 0) * 1e6) / w.bytesPerRow, 0)} rows at ${num(w.bytesPerRow)} bytes/row, ${num(w.rowsPerSecondPerVcpu / 1e6)} M rows/s per vCPU × ${s.taskCpu / 1024} vCPU, + ${w.requestSecondsPerFile} s of S3 requests; ${read})`
        : `${num(w.secondsPerFile, 1)} s of processing per file (measured, given)`;
    out.push(
        `Workload: ${num(w.filesPerMonth)} files/month, ${size}; ${w.taskStartupSeconds} s billed startup per task; ` +
            `schedule every ${w.scheduleHours} h; workers ${w.minWorkers}–${w.maxWorkers}; free tier ${w.applyFreeTier ? "applied" : "not applied"}; USD, 730 h/month.`,
        "",
    );
    out.push("| Pattern | USD / month | Upload → result |", "|---|---:|---|");
    for (const p of report.patterns) {
        out.push(`| ${p.pattern} | ${formatUsd(p.totalUsd)} | ${p.latencySummary} |`);
    }
    out.push("");
    for (const p of report.patterns) {
        out.push(`### ${p.pattern} — ${p.description}`, "");
        out.push("| Item | Quantity | Unit price (USD) | USD / month |", "|---|---:|---:|---:|");
        for (const l of p.lines) {
            const quantity = `${num(l.quantity, l.quantity < 10 ? 4 : 2)} ${l.unit}${l.freeQuantity > 0 ? ` (${num(l.freeQuantity, 2)} free)` : ""}`;
            out.push(`| ${l.item} | ${quantity} | ${unitPrice(l)} | ${formatUsd(l.monthlyUsd)} |`);
        }
        out.push(`| **Total** | | | **${formatUsd(p.totalUsd)}** |`, "");
        out.push(`Latency: ${p.latency}`, "");
        for (const n of p.notes) {
            out.push(`- ${n}`);
        }
        out.push("");
    }
    out.push(
        "Not included: S3 storage and data transfer, ECR image storage, NAT gateways, Container Insights, CloudWatch alarms, SNS/Slack notifications, retries and Spot re-runs, Savings Plans.",
        "",
        `Prices taken ${PRICES_TAKEN}:`,
        "",
        ...PRICE_SOURCES.map((src) => `- ${src}`),
        "",
    );
    return out.join("\n");
}
