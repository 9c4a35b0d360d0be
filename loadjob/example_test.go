package loadjob_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/loadjob"
	"github.com/sagebench/sagebench/payload"
)

// Run refuses a job it cannot create before any AWS call, with an *invalid.Error whose
// problems name the Job field at fault; code tells them apart by Field, never by wording.
func ExampleRun() {
	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		panic(err)
	}
	_, err = loadjob.Run(context.Background(), aws.Config{Region: "eu-west-1"}, loadjob.Job{
		Endpoint:      "resnet50-c5",
		Load:          bench.Config{Concurrency: 48, Duration: time.Minute, Payloads: []payload.Payload{img}},
		InstanceType:  "ml.c5.xlarg", // a typo
		InstanceCount: 101,
		RoleARN:       "arn:aws:iam::123456789012:role/SageMakerRole",
		Image:         "763104351884.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
		S3URI:         "s3://my-bucket/sagebench/load",
	})
	var ie *invalid.Error
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Printf("%s: %s\n", p.Field, p.Message)
		}
	}
	// Output:
	// InstanceType: "ml.c5.xlarg" is not a processing instance type (e.g. ml.c5.xlarge, ml.m5.2xlarge)
	// InstanceCount: instance count 101 is not in [1, 100]
	// Load: bench: cannot split: concurrency 48 is under 101 shards: each shard needs a worker
}

// A worker learns its shard from the engine that started it: here a Kubernetes Indexed
// Job, which sets JOB_COMPLETION_INDEX.
func ExampleFindShard() {
	env := map[string]string{loadjob.EnvJobCompletionIndex: "2"}
	sh, err := loadjob.FindShard(-1, 3, loadjob.ResourceConfigPath, func(k string) string { return env[k] })
	if err != nil {
		panic(err)
	}
	fmt.Printf("shard %d of %d (%s), host %s\n", sh.I, sh.N, sh.From, sh.Host)
	// Output:
	// shard 2 of 3 (JOB_COMPLETION_INDEX), host shard-2
}
