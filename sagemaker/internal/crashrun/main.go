// Command crashrun is a test helper: a sagebench run against an emulator that a test
// kills with SIGKILL in the middle of a deploy, a compilation or a multipart upload,
// to check that the run's journal and tags are enough to clean up after it. It
// prints "run <id>" once the journal is open, then uploads an archive and deploys it,
// or compiles it, and waits for the result; with -phase upload it starts a multipart
// upload whose body never ends, and hangs in it; with -phase both it deploys and
// compiles at once, a Client and a neo.Compiler sharing the one journal.
//
//	crashrun -url http://127.0.0.1:port -region eu-west-1 -journal run.journal -phase deploy
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
)

const role = "arn:aws:iam::123456789012:role/SageMakerRole"

func main() {
	url := flag.String("url", "", "emulator base URL")
	region := flag.String("region", "eu-west-1", "region")
	journal := flag.String("journal", "", "journal file")
	phase := flag.String("phase", "deploy", `"deploy", "compile", "both" or "upload"`)
	bucket := flag.String("bucket", "sagemaker-eu-west-1-123456789012", "bucket to upload to")
	flag.Parse()
	if err := run(*url, *region, *journal, *phase, *bucket); err != nil {
		fmt.Fprintln(os.Stderr, "crashrun:", err)
		os.Exit(1)
	}
}

func run(url, region, journal, phase, bucket string) error {
	cfg := aws.Config{
		Region:                     region,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDSAGEMAKERTEST", "sagemakertest-secret", ""),
		BaseEndpoint:               aws.String(url),
		HTTPClient:                 &http.Client{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	j, err := sagemaker.OpenJournal(journal)
	if err != nil {
		return err
	}
	fmt.Println("run", j.RunID())
	c := sagemaker.NewClient(cfg, func(o *sagemaker.Options) {
		o.Journal = j
		o.S3 = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		o.PollInterval, o.MaxPollInterval = 10*time.Millisecond, 50*time.Millisecond
		o.MaxWait = time.Hour
		o.UploadPartSize, o.UploadConcurrency = 5<<20, 1
	})
	ctx := context.Background()
	if phase == "upload" {
		_, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: bucket, Key: "crashrun/" + j.RunID() + "/big.tar.gz", Body: &stalling{left: 20 << 20}})
		return err // not reached: past the 16 MiB multipart threshold the body stalls
	}
	archive := bytes.NewReader([]byte("model.tar.gz standing in for ResNet50")) // any bytes do for the emulator
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: bucket, Key: "crashrun/" + j.RunID() + "/model.tar.gz", Body: archive})
	if err != nil {
		return err
	}
	deploy := func() error {
		name := c.Name("crashrun")
		_, err := c.Deploy(ctx, sagemaker.ModelSpec{
			Name: name, Image: "763104351884.dkr.ecr." + region + ".amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
			ModelDataURL: uri, RoleARN: role,
		}, sagemaker.EndpointSpec{Name: name, InstanceType: "ml.c5.xlarge", InstanceCount: 1})
		return err
	}
	compile := func() error {
		comp := neo.NewCompiler(cfg, func(o *neo.Options) {
			o.Journal = j
			o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
		})
		_, err := comp.Compile(ctx, neo.Job{
			Name: c.Name("crashrun-c5"), ModelDataURL: uri, RoleARN: role,
			Framework: neo.PyTorch, FrameworkVersion: "1.8",
			InputShapes: map[string][]int{"input0": {1, 3, 224, 224}},
			Target:      neo.TargetMLC5, OutputURL: "s3://" + bucket + "/crashrun/" + j.RunID() + "/compiled",
		})
		return err
	}
	switch phase {
	case "deploy":
		return deploy()
	case "compile":
		return compile()
	case "both":
		var wg sync.WaitGroup
		var derr, cerr error
		wg.Go(func() { derr = deploy() })
		wg.Go(func() { cerr = compile() })
		wg.Wait()
		return errors.Join(derr, cerr)
	}
	return fmt.Errorf("unknown -phase %q", phase)
}

// stalling yields left zero bytes and then blocks for good, as a read from a stalled
// disk or pipe would: the multipart upload is started and never completed.
type stalling struct{ left int }

func (r *stalling) Read(p []byte) (int, error) {
	if r.left == 0 {
		select {}
	}
	n := min(len(p), r.left)
	clear(p[:n])
	r.left -= n
	return n, nil
}
