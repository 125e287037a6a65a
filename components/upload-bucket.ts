import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import {
    BucketPrefixes,
    DEFAULT_PREFIXES,
    Transform,
    applyTransform,
    transformed,
    invalid,
    requireIntegerInRange,
    tlsOnlyBucketPolicy,
    validatePrefixes,
} from "./builders";
import { typeToken } from "./names";

/**
 * How the bucket keeps and announces objects: the settings the cross-language UploadBucket takes as they are
 * (so each default is stated in the text, as "Default: …").
 */
export interface UploadBucketSettings {
    /** A customer managed KMS key for server-side encryption (SSE-KMS, with an S3 Bucket Key). Default: SSE-S3 (AES256), which needs no key policy. */
    kmsKeyArn?: pulumi.Input<string>;
    /** Keep every version of every object. Default: false. */
    versioning?: boolean;
    /**
     * Delete noncurrent versions this many days after they became noncurrent (needs `versioning`). With
     * versioning on, delete markers left with no versions behind them are removed as well. Default: 30 when
     * versioning is on.
     */
    expireNoncurrentVersionsAfterDays?: number;
    /** Let `pulumi destroy` delete a bucket that still holds objects; meant for dev stacks. Default: false. */
    forceDestroy?: boolean;
    /**
     * Send the bucket's object events to EventBridge, which EventBridge rules on uploads need (UploadTrigger, a
     * fed QueueWorkerService). `false` leaves the bucket's notification configuration to another owner, e.g.
     * LambdaTrigger (S3 keeps one notification configuration per bucket). Default: true.
     */
    eventBridge?: boolean;
}

export interface UploadBucketArgs extends UploadBucketSettings {
    /**
     * Key prefixes for uploads, processed output and status documents. None may contain another.
     * @default { upload: "uploads/", output: "processed/", status: "status/" }
     */
    prefixes?: Partial<BucketPrefixes>;
    /**
     * Delete uploads this many days after they were created (1–3650). `false` keeps them.
     * @default false
     */
    expireUploadsAfterDays?: number | false;
    /**
     * Overrides for each child resource: a partial arguments object merged over ours, or a function
     * `(args, opts, name)` that edits them (see builders/transform.ts; `bucket`, `policy` and `lifecycle`
     * get copies of the arguments only).
     */
    transform?: {
        bucket?: Transform<aws.s3.BucketArgs>;
        policy?: Transform<aws.s3.BucketPolicyArgs>;
        lifecycle?: Transform<aws.s3.BucketLifecycleConfigurationArgs>;
        publicAccessBlock?: Transform<aws.s3.BucketPublicAccessBlockArgs, pulumi.CustomResourceOptions>;
        ownershipControls?: Transform<aws.s3.BucketOwnershipControlsArgs, pulumi.CustomResourceOptions>;
        encryption?: Transform<aws.s3.BucketServerSideEncryptionConfigurationArgs, pulumi.CustomResourceOptions>;
        versioning?: Transform<aws.s3.BucketVersioningArgs, pulumi.CustomResourceOptions>;
        notification?: Transform<aws.s3.BucketNotificationArgs, pulumi.CustomResourceOptions>;
    };
}

/** Days after which an abandoned multipart upload is cleaned up. */
const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

/** UploadBucket's arguments, validated (errors name `<name>.<field>`), with defaults applied. */
function settleUploadBucket(name: string, args: UploadBucketArgs) {
    const field = (f: string) => `${name}.${f}`;
    const prefixes = validatePrefixes(
        { ...DEFAULT_PREFIXES, ...args.prefixes },
        { upload: field("prefixes.upload"), output: field("prefixes.output"), status: field("prefixes.status") },
    );
    const expireUploads = args.expireUploadsAfterDays ?? false;
    if (expireUploads !== false) {
        requireIntegerInRange(field("expireUploadsAfterDays"), expireUploads, 1, 3650);
    }
    const versioning = args.versioning ?? false;
    if (!versioning && args.expireNoncurrentVersionsAfterDays !== undefined) {
        invalid(
            field("expireNoncurrentVersionsAfterDays"),
            args.expireNoncurrentVersionsAfterDays,
            `needs ${field("versioning")}: true`,
            "turn versioning on or leave it unset",
        );
    }
    const noncurrentDays = versioning
        ? requireIntegerInRange(field("expireNoncurrentVersionsAfterDays"), args.expireNoncurrentVersionsAfterDays ?? 30, 1, 3650)
        : undefined;
    return { prefixes, expireUploads, versioning, noncurrentDays };
}

/**
 * The bucket files are uploaded to: private (public access block, owner-enforced ownership),
 * encrypted, TLS only, with EventBridge notifications on so uploads can start tasks.
 */
export class UploadBucket extends pulumi.ComponentResource {
    /** The bucket resource. */
    public readonly bucket: aws.s3.Bucket;
    /** The bucket's name. */
    public readonly bucketName: pulumi.Output<string>;
    /** The bucket's ARN. */
    public readonly bucketArn: pulumi.Output<string>;
    /** The validated prefixes. */
    public readonly prefixes: BucketPrefixes;
    /** The KMS key used for encryption, if any. */
    public readonly kmsKeyArn?: pulumi.Input<string>;

    constructor(name: string, args: UploadBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("storage", "UploadBucket"), name, {}, opts);
        const s = settleUploadBucket(name, args);
        this.prefixes = s.prefixes;
        this.kmsKeyArn = args.kmsKeyArn;

        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            applyTransform<aws.s3.BucketArgs>({ forceDestroy: args.forceDestroy ?? false }, args.transform?.bucket),
            { parent: this },
        );
        this.bucketName = this.bucket.bucket;
        this.bucketArn = this.bucket.arn;
        this.lockDown(name, args);
        this.createLifecycle(name, args, s.versioning, s.expireUploads, s.noncurrentDays);
        if (args.eventBridge ?? true) {
            new aws.s3.BucketNotification(...transformed(args.transform?.notification, `${name}-notifications`, { bucket: this.bucket.id, eventbridge: true }, { parent: this }));
        }

        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }

    /** No public access, the bucket owner owns every object, encryption at rest, and a TLS-only policy. */
    private lockDown(name: string, args: UploadBucketArgs): void {
        const parent = { parent: this };
        const t = args.transform ?? {};
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(...transformed(
            t.publicAccessBlock,
            `${name}-public-access`,
            {
                bucket: this.bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            parent,
        ));
        new aws.s3.BucketOwnershipControls(...transformed(
            t.ownershipControls,
            `${name}-ownership`,
            { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            parent,
        ));
        new aws.s3.BucketServerSideEncryptionConfiguration(...transformed(
            t.encryption,
            `${name}-encryption`,
            {
                bucket: this.bucket.id,
                rules: [
                    args.kmsKeyArn === undefined
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                        : {
                              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                              bucketKeyEnabled: true,
                          },
                ],
            },
            parent,
        ));
        // The policy is applied after the public access block so S3 never sees it on an open bucket.
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            applyTransform<aws.s3.BucketPolicyArgs>(
                { bucket: this.bucket.id, policy: this.bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
                t.policy,
            ),
            { parent: this, dependsOn: [publicAccessBlock] },
        );
    }

    /** Versioning when asked for, and the lifecycle rules (which wait for it: rules on versions need it on). */
    private createLifecycle(name: string, args: UploadBucketArgs, versioning: boolean, expireUploads: number | false, noncurrentDays: number | undefined): void {
        const t = args.transform ?? {};
        const versioningConfiguration = versioning
            ? new aws.s3.BucketVersioning(...transformed(t.versioning, `${name}-versioning`, { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } }, { parent: this }))
            : undefined;
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            applyTransform<aws.s3.BucketLifecycleConfigurationArgs>(
                { bucket: this.bucket.id, rules: this.lifecycleRules(expireUploads, noncurrentDays) },
                t.lifecycle,
            ),
            { parent: this, dependsOn: versioningConfiguration ? [versioningConfiguration] : [] },
        );
    }

    private lifecycleRules(
        expireUploads: number | false,
        noncurrentDays: number | undefined,
    ): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
        const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
            {
                id: "abort-incomplete-multipart-uploads",
                status: "Enabled",
                filter: {},
                abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
            },
        ];
        if (expireUploads !== false) {
            rules.push({
                id: "expire-uploads",
                status: "Enabled",
                filter: { prefix: this.prefixes.upload },
                expiration: { days: expireUploads },
            });
        }
        if (noncurrentDays !== undefined) {
            rules.push({
                id: "expire-noncurrent-versions",
                status: "Enabled",
                filter: {},
                noncurrentVersionExpiration: { noncurrentDays },
            });
            // In a versioned bucket an expiration (or a delete) only adds a delete marker; once the noncurrent
            // versions behind it have expired, the marker is all that is left. This rule removes such
            // expired object delete markers. It must be a rule of its own: ExpiredObjectDeleteMarker cannot
            // be combined with Days or Date in one Expiration.
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html#lifecycle-config-conceptual-ex7
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html
            rules.push({
                id: "remove-expired-delete-markers",
                status: "Enabled",
                filter: {},
                expiration: { expiredObjectDeleteMarker: true },
            });
        }
        return rules;
    }
}
