/**
 * The provider of the Pulumi package `s3-fargate-pipeline`. The Pulumi CLI starts it when a program
 * in any language uses the package (`pulumi package add`); it serves the package's schema, derived
 * from the declarations of the cross-language components, and constructs them.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import {
    KubernetesJobs,
    LambdaTrigger,
    PACKAGE_NAME,
    Observability,
    ProcessingCluster,
    ProcessingNetwork,
    ProcessorTask,
    QueueWorkerService,
    ScheduledTask,
    UploadBucket,
    UploadTrigger,
} from "@s3-fargate-pipeline/components/cross-language";

componentProviderHost({
    name: PACKAGE_NAME,
    dirname: __dirname,
    components: [
        UploadBucket,
        ProcessingNetwork,
        ProcessingCluster,
        ProcessorTask,
        UploadTrigger,
        LambdaTrigger,
        QueueWorkerService,
        ScheduledTask,
        Observability,
        KubernetesJobs,
    ],
});
