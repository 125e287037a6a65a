import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { UploadBucket as Bucket, UploadBucketSettings } from "../upload-bucket";
import { ArgsOverride, Prefixes, override, packageToken } from "./common";

/** Arguments merged over those of the bucket's children. */
export interface UploadBucketTransforms {
    /** Merged over the bucket's arguments (aws.s3.Bucket). Default: none. */
    bucket?: ArgsOverride;
    /** Merged over the bucket policy's arguments (aws.s3.BucketPolicy). Default: none. */
    policy?: ArgsOverride;
    /** Merged over the lifecycle configuration's arguments (aws.s3.BucketLifecycleConfiguration). Default: none. */
    lifecycle?: ArgsOverride;
}

export interface UploadBucketArgs extends UploadBucketSettings {
    /** Key prefixes for uploads, processed output and status documents; none may contain another. Default: { upload: "uploads/", output: "processed/", status: "status/" }. */
    prefixes?: Prefixes;
    /** Delete uploads this many days after they were created (1–3650). Default: uploads are kept. */
    expireUploadsAfterDays?: number;
    /** Arguments merged over those of the bucket's children. Default: none. */
    transform?: UploadBucketTransforms;
}

/**
 * The bucket files are uploaded to: private (public access block, owner-enforced ownership), encrypted,
 * TLS only, with EventBridge notifications on so uploads can start tasks.
 */
export class UploadBucket extends pulumi.ComponentResource {
    /** The bucket's name. */
    public readonly bucketName: pulumi.Output<string>;
    /** The bucket's ARN. */
    public readonly bucketArn: pulumi.Output<string>;
    /** The prefix uploads are processed under. */
    public readonly uploadPrefix: pulumi.Output<string>;
    /** The prefix summaries are written under. */
    public readonly outputPrefix: pulumi.Output<string>;
    /** The prefix status documents are written under. */
    public readonly statusPrefix: pulumi.Output<string>;

    constructor(name: string, args: UploadBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("UploadBucket"), name, {}, opts);
        const bucket = new Bucket(
            name,
            {
                prefixes: args.prefixes,
                kmsKeyArn: args.kmsKeyArn,
                versioning: args.versioning,
                expireUploadsAfterDays: args.expireUploadsAfterDays,
                expireNoncurrentVersionsAfterDays: args.expireNoncurrentVersionsAfterDays,
                forceDestroy: args.forceDestroy,
                eventBridge: args.eventBridge,
                transform: {
                    bucket: override<aws.s3.BucketArgs>(args.transform?.bucket),
                    policy: override<aws.s3.BucketPolicyArgs>(args.transform?.policy),
                    lifecycle: override<aws.s3.BucketLifecycleConfigurationArgs>(args.transform?.lifecycle),
                },
            },
            { parent: this },
        );
        this.bucketName = bucket.bucketName;
        this.bucketArn = bucket.bucketArn;
        this.uploadPrefix = pulumi.output(bucket.prefixes.upload);
        this.outputPrefix = pulumi.output(bucket.prefixes.output);
        this.statusPrefix = pulumi.output(bucket.prefixes.status);
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, uploadPrefix: this.uploadPrefix, outputPrefix: this.outputPrefix, statusPrefix: this.statusPrefix });
    }
}
