/** Unit prices per region, their sources and dates, the free tier (see index.ts for the billing rules). */
import { invalid } from "../../components/builders/validation";


// ---------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------

/** Hours in the month AWS uses for monthly estimates. */
export const COST_HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = COST_HOURS_PER_MONTH * 3600;
export const DAYS_PER_MONTH = COST_HOURS_PER_MONTH / 24;

/** Fargate storage included with every task or pod, GiB. */
export const FARGATE_INCLUDED_STORAGE_GIB = 20;
/** Fargate bills at least this many seconds per task or pod. */
export const FARGATE_MINIMUM_BILLED_SECONDS = 60;
/** Memory EKS adds to every Fargate pod for kubelet, kube-proxy and containerd, MiB. */
export const EKS_FARGATE_POD_OVERHEAD_MIB = 256;

/** The regions with a price table. */
export const PRICED_REGIONS = ["us-east-1", "eu-west-1"] as const;
export type PricedRegion = (typeof PRICED_REGIONS)[number];

/** USD unit prices of one region. */
export interface RegionPrices {
    fargate: {
        /** Linux/x86: per vCPU-hour and per GB-hour. */
        x86: { vcpuHour: number; gbHour: number };
        /** Linux/ARM (ECS only): per vCPU-hour and per GB-hour. */
        arm: { vcpuHour: number; gbHour: number };
        /** Per GB-hour of ephemeral storage above the included 20 GiB. */
        ephemeralGbHour: number;
        /** FARGATE_SPOT price as a fraction off the on-demand vCPU and memory prices (0.69 = 69% off). */
        spotDiscount: number;
    };
    /** Per hour of an in-use public IPv4 address (a task with assignPublicIp). */
    publicIpv4Hour: number;
    /** Per million S3 events ingested by EventBridge (64 KB chunks). */
    eventBridgeEventPerMillion: number;
    /** Per million EventBridge Scheduler invocations. */
    schedulerInvocationPerMillion: number;
    /** Per million SQS standard-queue requests (64 KB chunks). */
    sqsRequestPerMillion: number;
    lambda: { requestPerMillion: number; gbSecondX86: number; gbSecondArm: number };
    /** Per EKS cluster-hour (standard support). */
    eksClusterHour: number;
    logs: {
        /** Per GB ingested, Standard log class. */
        ingestGb: number;
        /** Per GB-month archived (compressed). */
        storageGbMonth: number;
    };
    /** Per custom metric-month (first 10,000 metrics), prorated by the hour. */
    metricMonth: number;
    s3: {
        /** Per 1,000 PUT, COPY, POST and LIST requests (S3 Standard). */
        putPer1000: number;
        /** Per 1,000 GET and other requests (S3 Standard). */
        getPer1000: number;
    };
}

/** The date the prices below were looked up in the sources named next to them. */
export const PRICES_TAKEN = "2026-11-23";

/** One figure per priced region. */
type PerRegion = Readonly<Record<PricedRegion, number>>;

/** {@link RegionPrices} with every figure given per region: the price table, one row per price. */
type PriceTable<T> = { readonly [K in keyof T]: T[K] extends number ? PerRegion : PriceTable<T[K]> };

/** A price that is the same in every priced region. */
function everywhere(price: number): PerRegion {
    return Object.fromEntries(PRICED_REGIONS.map((region) => [region, price])) as Record<PricedRegion, number>;
}

/**
 * Unit prices, USD, one row per price and a figure per region. Each row names its sources; "not confirmed"
 * marks a figure that could not be read from a regional price list or pricing page when these were taken
 * ({@link PRICES_TAKEN}).
 */
const PRICE_TABLE: PriceTable<RegionPrices> = {
    fargate: {
        // us-east-1: AWS Price List, AmazonECS us-east-1 (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonECS/current/us-east-1/index.csv):
        // USE1-Fargate-vCPU-Hours:perCPU 0.04048, USE1-Fargate-GB-Hours 0.004445.
        // eu-west-1: AWS Price List, AmazonECS eu-west-1: EU-Fargate-vCPU-Hours:perCPU 0.04048 (SKU K4EXFQ5YFQCP98EN),
        // EU-Fargate-GB-Hours 0.004445 (SKU UP5ETC3QSW2QZGEY).
        x86: { vcpuHour: everywhere(0.04048), gbHour: everywhere(0.004445) },
        // Same files: USE1-Fargate-ARM-vCPU-Hours:perCPU 0.03238, USE1-Fargate-ARM-GB-Hours 0.00356;
        // EU-Fargate-ARM-vCPU-Hours:perCPU 0.03238, EU-Fargate-ARM-GB-Hours 0.00356.
        arm: { vcpuHour: everywhere(0.03238), gbHour: everywhere(0.00356) },
        // us-east-1: same file, USE1-Fargate-EphemeralStorage-GB-Hours 0.000111.
        // eu-west-1: EU-Fargate-EphemeralStorage-GB-Hours not confirmed. Taken equal to us-east-1, whose vCPU and
        // memory prices eu-west-1 matches; London (eu-west-2) is 0.000129.
        ephemeralGbHour: everywhere(0.000111),
        // https://aws.amazon.com/fargate/pricing/ ("up to a 70% discount"; the current Spot table is rendered
        // dynamically and could not be read). The figures are the ratio of a copy of that table to on-demand; date of
        // that copy not stated. Not confirmed: Spot prices move.
        // us-east-1: x86 Spot 0.01264355 per vCPU-hour, 0.00138835 per GB-hour (0.6877 off).
        // eu-west-1: x86 Spot 0.01257825 per vCPU-hour, 0.00138118 per GB-hour (0.6893 off).
        spotDiscount: { "us-east-1": 0.6877, "eu-west-1": 0.6893 },
    },
    // https://aws.amazon.com/vpc/pricing/ "Hourly charge for In-use Public IPv4 Address $0.005" (since 2024-02-01),
    // the same in every commercial region.
    publicIpv4Hour: everywhere(0.005),
    // https://aws.amazon.com/eventbridge/pricing/: S3 events are "AWS opt-in data events", billed unlike the free
    // "AWS management events". Their rate could not be read; charged here at the custom-event rate, $1.00 per
    // million, as an upper bound. Not confirmed.
    eventBridgeEventPerMillion: everywhere(1.0),
    // us-east-1: AWS Price List, AWSEvents us-east-1: "$0 for the first 14 million scheduled invocations", then
    // "$1.00 per million scheduled invocations". The 14 million are applied only with applyFreeTier.
    // eu-west-1: not confirmed (us-east-1 is $1.00, eu-west-2 $1.15, ap-northeast-1 $1.25); taken as $1.00.
    schedulerInvocationPerMillion: everywhere(1.0),
    // https://aws.amazon.com/sqs/pricing/: standard queue $0.40 per million requests (first 100 billion).
    // Confirmed from a price-list copy for eu-west-2 (EUW2-Requests-Tier1); us-east-1 and eu-west-1 not read directly.
    sqsRequestPerMillion: everywhere(0.4),
    // https://aws.amazon.com/lambda/pricing/: $0.20 per million requests, $0.0000166667 per GB-second (x86),
    // $0.0000133334 (Arm). Confirmed from a price-list copy for eu-west-2; us-east-1 and eu-west-1 not read directly.
    lambda: { requestPerMillion: everywhere(0.2), gbSecondX86: everywhere(0.0000166667), gbSecondArm: everywhere(0.0000133334) },
    // https://aws.amazon.com/eks/pricing/: $0.10 per cluster-hour in standard support in every region ($0.60 in
    // extended support, confirmed by AWS's extended-support notice). The $0.10 figure was not read from a stored copy.
    eksClusterHour: everywhere(0.1),
    // us-east-1: AWS Price List, AmazonCloudWatch us-east-1: USE1-DataProcessing-Bytes 0.50 per GB (Standard log
    // class), USE1-TimedStorage-ByteHrs 0.03 per GB-month.
    // eu-west-1: CloudWatch price table for eu-west-1 in github.com/DuckbillGroup/CloudWatchCashBack
    // cloudwatch_pricing.json ("current as of April 30, 2025"): standard ingestion 0.57 per GB, storage 0.03 per GB-month.
    logs: { ingestGb: { "us-east-1": 0.5, "eu-west-1": 0.57 }, storageGbMonth: everywhere(0.03) },
    // Same sources: USE1-CW:MetricMonitorUsage 0.30 per metric-month (first 10,000); eu-west-1 metrics first 10,000
    // at 0.30 per metric-month.
    metricMonth: everywhere(0.3),
    // https://aws.amazon.com/s3/pricing/: S3 Standard $0.005 per 1,000 PUT/COPY/POST/LIST, $0.0004 per 1,000 GET,
    // Europe (Ireland) as us-east-1. Widely published; the stored us-east-1 price-list copy read showed storage
    // tiers only. Not confirmed from a regional price-list copy.
    s3: { putPer1000: everywhere(0.005), getPer1000: everywhere(0.0004) },
};

/** One region's column of a price table. */
function regionColumn<T>(table: PriceTable<T>, region: PricedRegion): T {
    const column = Object.entries(table).map(([key, row]) => {
        const figures = row as PerRegion | PriceTable<unknown>;
        return [key, region in figures ? (figures as PerRegion)[region] : regionColumn(figures as PriceTable<unknown>, region)];
    });
    return Object.fromEntries(column) as T;
}

/** Unit prices, USD, by region: the columns of the price table above. */
export const COST_PRICES: Readonly<Record<PricedRegion, RegionPrices>> = Object.fromEntries(
    PRICED_REGIONS.map((region) => [region, regionColumn(PRICE_TABLE, region)]),
) as Record<PricedRegion, RegionPrices>;

/** Where each price comes from, for the report's footer. */
export const PRICE_SOURCES: readonly string[] = [
    "Fargate (x86, ARM, ephemeral storage): AWS Price List AmazonECS offer files (usage types *-Fargate-vCPU-Hours:perCPU, *-Fargate-GB-Hours, *-Fargate-ARM-*, *-Fargate-EphemeralStorage-GB-Hours), https://aws.amazon.com/fargate/pricing/ — eu-west-1 ephemeral storage not confirmed",
    "Fargate Spot: https://aws.amazon.com/fargate/pricing/ (\"up to 70%\"); discount from an undated copy of the Spot price table — not confirmed, Spot prices move",
    "Public IPv4: https://aws.amazon.com/vpc/pricing/ ($0.005 per in-use address-hour)",
    "EventBridge: https://aws.amazon.com/eventbridge/pricing/ — S3 events are opt-in data events; rate not confirmed, charged at $1.00 per million",
    "EventBridge Scheduler: AWS Price List AWSEvents (us-east-1 $1.00 per million after 14 million free) — eu-west-1 not confirmed",
    "SQS: https://aws.amazon.com/sqs/pricing/ ($0.40 per million standard requests, 1 million free) — confirmed for eu-west-2 only",
    "Lambda: https://aws.amazon.com/lambda/pricing/ ($0.20 per million requests, $0.0000166667 per GB-s x86, $0.0000133334 Arm) — confirmed for eu-west-2 only",
    "EKS: https://aws.amazon.com/eks/pricing/ ($0.10 per cluster-hour, standard support) — not read from a stored copy",
    "CloudWatch Logs and metrics: AWS Price List AmazonCloudWatch (us-east-1); DuckbillGroup/CloudWatchCashBack cloudwatch_pricing.json (eu-west-1, as of 2025-04-30)",
    "S3 requests: https://aws.amazon.com/s3/pricing/ ($0.005 per 1,000 PUT/LIST, $0.0004 per 1,000 GET) — not confirmed from a regional price list",
];

/** Monthly free-tier allowances (account-wide, so applied only when asked: other workloads share them). */
export const FREE_TIER = {
    lambdaRequests: 1_000_000,
    lambdaGbSeconds: 400_000,
    sqsRequests: 1_000_000,
    schedulerInvocations: 14_000_000,
    logsIngestGb: 5,
    metrics: 10,
} as const;

/**
 * Looks up a region's prices; unknown regions fail naming the supported ones.
 * @param region an AWS region code.
 * @param field the name the error gives the region. @default "aws:region"
 */
export function pricesFor(region: string, field = "aws:region"): RegionPrices {
    if (!(PRICED_REGIONS as readonly string[]).includes(region)) {
        invalid(field, region, "has no price table in this cost model", `use one of ${PRICED_REGIONS.join(", ")}`);
    }
    return COST_PRICES[region as PricedRegion];
}
