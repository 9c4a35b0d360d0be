// Package loadjob runs sagebench's load engine where the endpoint is: as a SageMaker
// Processing job in the endpoint's account and region, on 1 to 100 instances, and
// merges the shards' Results exactly.
//
// A driver ([Run]) builds (or takes) a static worker binary, uploads it with a [Spec] (the
// endpoint, the load, the payloads) to S3, and creates the Processing job; each instance
// runs the worker ([RunWorker], cmd/sagebench-worker), which learns its shard from
// /opt/ml/config/resourceconfig.json (or a Kubernetes Indexed Job's or AWS Batch array
// job's index), meets the others at a start barrier on S3, drives its part of the load
// ([bench.Split]) and writes its [bench.Result] as a ProcessingOutput. The driver reads
// the Results back and merges them ([bench.MergeShards]): a shard that failed or never
// reported makes the outcome incomplete, naming it.
//
//	out, err := loadjob.Run(ctx, awsCfg, loadjob.Job{
//		Endpoint: "resnet50-c5", Load: bench.Config{Concurrency: 48, Duration: time.Minute, Payloads: ps},
//		InstanceType: "ml.c5.xlarge", InstanceCount: 3,
//		RoleARN: role, Image: image, S3URI: "s3://my-bucket/sagebench/load",
//	})
//	// out.Shards.Result is the merged Result; out.Shards.Missing the shards that never reported.
//
// The job is journaled and tagged like every resource sagebench creates, bounded by
// MaxRuntimeInSeconds, and stopped (StopProcessingJob, retried) when ctx is canceled.
//
// Run takes a Job and RunWorker a Worker: plain structs, as an AWS SDK operation
// takes its input, each field documenting its default; the package has no functional
// options.
package loadjob
