"""Files uploaded under uploads/ start a Fargate task each; summaries and status documents are written
back to the bucket; failed tasks and alarms reach an SNS topic (and Slack, when a webhook is set).

    pulumi install                      # generates and installs the s3-fargate-pipeline SDK
    pulumi config set image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.0
    pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/…   # optional
    pulumi up
"""
import pulumi
import pulumi_s3_fargate_pipeline as pipeline

config = pulumi.Config()

# Values several components need as plain values (they shape names, patterns and policies), given once.
prefixes = pipeline.PrefixesArgs(upload="uploads/", output="processed/", status="status/")
capacity = pipeline.CapacitySplitArgs(fargate_base=0, fargate_weight=0, fargate_spot_weight=1)
family = f"{pulumi.get_project()}-{pulumi.get_stack()}-processor"

bucket = pipeline.UploadBucket(
    "uploads",
    prefixes=prefixes,
    expire_uploads_after_days=30,
    # Merged over the bucket's own arguments (the AWS provider's names, camelCase).
    transform=pipeline.UploadBucketTransformsArgs(bucket={"tags": {"team": "data"}}),
)
network = pipeline.ProcessingNetwork("network", vpc_cidr="10.40.0.0/16")
cluster = pipeline.ProcessingCluster("processing", capacity=capacity)
task = pipeline.ProcessorTask(
    "processor",
    bucket_name=bucket.bucket_name,
    bucket_arn=bucket.bucket_arn,
    prefixes=prefixes,
    image=config.require("image"),
    cpu=1024,
    memory=2048,
    cpu_architecture=pipeline.CpuArchitecture.ARM64,
    family=family,
)
trigger = pipeline.UploadTrigger(
    "on-upload",
    bucket_name=bucket.bucket_name,
    prefixes=prefixes,
    key_suffixes=[".csv", ".csv.gz"],
    cluster_arn=cluster.cluster_arn,
    task_definition_arn=task.task_definition_arn,
    execution_role_arn=task.execution_role_arn,
    task_role_arn=task.task_role_arn,
    subnet_ids=network.subnet_ids,
    security_group_ids=network.security_group_ids,
    capacity=capacity,
)
monitoring = pipeline.Observability(
    "monitoring",
    cluster_name=cluster.cluster_name,
    cluster_arn=cluster.cluster_arn,
    family=family,
    log_group_name=task.log_group_name,
    log_group_arn=task.log_group_arn,
    trigger_rule_name=trigger.rule_name,
    trigger_dead_letter_queue_name=trigger.dead_letter_queue_name,
    slack_webhook_url=config.get_secret("slackWebhookUrl"),
    alarms=pipeline.AlarmThresholdsArgs(cpu_percent=90, memory_percent=90),
)

pulumi.export("bucketName", bucket.bucket_name)
pulumi.export("uploadPrefix", bucket.upload_prefix)
pulumi.export("ruleArn", trigger.rule_arn)
pulumi.export("deadLetterQueueUrl", trigger.dead_letter_queue_url)
pulumi.export("alertTopicArn", monitoring.topic_arn)
