package sagemaker_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/modeltar"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// The whole life of a benchmark endpoint, against the local emulator: pack, upload,
// deploy, invoke, and delete on a context that Ctrl-C cannot cancel.
func Example() {
	srv := sagemakertest.NewServer(sagemakertest.WithTimeScale(0))
	defer srv.Close()

	// Work runs under a context that Ctrl-C cancels ...
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	dir, err := os.MkdirTemp("", "model")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "model.pth"), []byte("weights"), 0o644)
	_ = os.MkdirAll(filepath.Join(dir, "code"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "code", "inference.py"), []byte("def model_fn(d): ...\n"), 0o644)

	var archive bytes.Buffer
	st, err := modeltar.Pack(&archive, modeltar.Spec{
		ModelFiles: []string{filepath.Join(dir, "model.pth")},
		CodeDir:    filepath.Join(dir, "code"),
		EntryPoint: "inference.py",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("packed", st.Files, "files")

	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) {
		o.PollInterval = time.Millisecond // the emulator is quick; AWS takes minutes
	})
	bucket := sagemaker.DefaultBucket(c.Region(), "123456789012")
	if err := c.EnsureBucket(ctx, bucket); err != nil {
		log.Fatal(err)
	}
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: bucket, Key: "resnet50/model.tar.gz", Body: &archive})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("uploaded", uri)

	image, err := sagemaker.PyTorchImage(sagemaker.ImageSpec{Region: c.Region(), FrameworkVersion: "1.8.1", InstanceType: "ml.c5.xlarge"})
	if err != nil {
		log.Fatal(err)
	}
	name := sagemaker.UniqueName("resnet50-c5")
	ep, err := c.Deploy(ctx, sagemaker.ModelSpec{
		Name:         name,
		Image:        image,
		ModelDataURL: uri,
		RoleARN:      "arn:aws:iam::123456789012:role/SageMakerRole",
		Env:          sagemaker.PyTorchEnv("inference.py", c.Region()),
	}, sagemaker.EndpointSpec{Name: name, InstanceType: "ml.c5.xlarge", InstanceCount: 1})
	if err != nil {
		log.Fatal(err) // Deploy has already deleted whatever it created
	}
	// ... and teardown runs under one that it cannot.
	defer func() {
		stop() // a second Ctrl-C now kills the process
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Minute)
		defer cancel()
		if err := ep.Delete(dctx); err != nil {
			log.Print(err)
		}
		fmt.Println("left behind:", len(srv.Leftovers()))
	}()

	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		log.Fatal(err)
	}
	if err := ep.Invoker().Invoke(ctx, img); err != nil {
		log.Fatal(err)
	}
	fmt.Println("invoked", ep.InstanceType)
	// Output:
	// packed 2 files
	// uploaded s3://sagemaker-eu-west-1-123456789012/resnet50/model.tar.gz
	// invoked ml.c5.xlarge
	// left behind: 0
}

func ExamplePyTorchImage() {
	for _, it := range []string{"ml.c5.xlarge", "ml.g4dn.xlarge"} {
		uri, err := sagemaker.PyTorchImage(sagemaker.ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8.1", InstanceType: it})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(uri)
	}
	_, err := sagemaker.PyTorchImage(sagemaker.ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8.1", InstanceType: "ml.inf1.xlarge"})
	fmt.Println(err)
	// Output:
	// 763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3
	// 763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py3
	// sagemaker: no pytorch 1.8.1 image for ml.inf1.xlarge in eu-west-1: an uncompiled PyTorch model cannot use ml.inf1.xlarge's NeuronCores: compile it with Neo for ml_inf1, or use a CPU instance
}

func ExampleImageURI() {
	// Inf2 and Trn1 serve models from the Neuron containers.
	uri, err := sagemaker.ImageURI(sagemaker.ImageSpec{Framework: sagemaker.ImageFrameworkDJLNeuronX, Region: "us-east-2", FrameworkVersion: "latest", InstanceType: "ml.inf2.xlarge"})
	fmt.Println(uri, err)
	// Output: 763104351884.dkr.ecr.us-east-2.amazonaws.com/djl-inference:0.29.0-neuronx-sdk2.19.1 <nil>
}

// A run that journals what it creates, and the cleanup another process would run after
// a crash.
func ExampleCleanup() {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "journal")
	defer os.RemoveAll(dir)
	j, err := sagemaker.OpenJournal(filepath.Join(dir, "run.journal"))
	if err != nil {
		log.Fatal(err)
	}
	defer j.Close()
	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) {
		o.Journal, o.PollInterval = j, time.Millisecond
	})
	_ = srv.PutObject("models", "resnet50/model.tar.gz", []byte("archive"))
	name := c.Name("resnet50-c5") // resnet50-c5-<run id>
	if _, err := c.Deploy(context.Background(), sagemaker.ModelSpec{
		Name: name, Image: "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
		ModelDataURL: "s3://models/resnet50/model.tar.gz", RoleARN: "arn:aws:iam::123456789012:role/SageMakerRole",
	}, sagemaker.EndpointSpec{Name: name, InstanceType: "ml.c5.xlarge", InstanceCount: 1}); err != nil {
		log.Fatal(err)
	}
	// The process dies here without deleting anything.
	pending, _ := j.Pending()
	fmt.Println("journal lists", len(pending), "resources")
	if err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) {
		o.PollInterval = time.Millisecond
	}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("left after cleanup:", len(srv.Leftovers()))
	// Output:
	// journal lists 3 resources
	// left after cleanup: 0
}
