package neo_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Compile ResNet50 for the reference study's three targets against the local
// emulator. With a real account, pass the aws.Config from config.LoadDefaultConfig.
func Example() {
	srv := sagemakertest.NewServer(sagemakertest.WithCompilationDelay(20 * time.Millisecond))
	defer srv.Close()
	if err := srv.PutObject("my-models", "resnet50/model.tar.gz", []byte("archive")); err != nil {
		log.Fatal(err)
	}

	c := neo.NewCompiler(srv.Config(), func(o *neo.Options) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond // real jobs: leave the defaults
	})
	base := neo.Job{
		ModelDataURL:     "s3://my-models/resnet50/model.tar.gz",
		RoleARN:          "arn:aws:iam::123456789012:role/SageMakerRole",
		Framework:        neo.PyTorch,
		FrameworkVersion: "1.8",
		InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
		OutputURL:        "s3://my-models/resnet50/compiled",
	}
	var jobs []neo.Job
	for _, t := range []neo.Target{neo.TargetMLC5, neo.TargetMLG4dn, neo.TargetMLInf1} {
		j := base
		j.Name, j.Target = "resnet50-"+string(t[3:]), t
		if t == neo.TargetMLInf1 {
			j.FrameworkVersion = "1.7"        // the study compiled its inf1 model from PyTorch 1.7
			j.MaxRuntime = 1000 * time.Second // Neuron compiles take longer
		}
		jobs = append(jobs, j)
	}

	models, err := c.CompileAll(context.Background(), jobs, 3)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range models {
		fmt.Println(m.Target, m.ArtifactURL)
		fmt.Println("  ", m.Image)
	}
	// Output:
	// ml_c5 s3://my-models/resnet50/compiled/model-ml_c5.tar.gz
	//    802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-cpu-py3
	// ml_g4dn s3://my-models/resnet50/compiled/model-ml_g4dn.tar.gz
	//    802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-gpu-py3
	// ml_inf1 s3://my-models/resnet50/compiled/model-ml_inf1.tar.gz
	//    802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3
}

func ExampleImageURI() {
	uri, err := neo.ImageURI("us-east-1", neo.TargetMLInf1, neo.PyTorch, "1.7")
	fmt.Println(uri, err)
	// Output: 785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3 <nil>
}

func ExampleJob_Validate() {
	j := neo.Job{
		Name:         "resnet50-inf1",
		ModelDataURL: "s3://my-models/resnet50/model.tar.gz",
		RoleARN:      "arn:aws:iam::123456789012:role/SageMakerRole",
		Framework:    neo.ONNX,
		InputShapes:  map[string][]int{"input0": {1, 3, 224, 224}},
		Target:       neo.TargetMLInf1,
		OutputURL:    "s3://my-models/resnet50/compiled",
	}
	err := j.Validate()
	fmt.Println(err)

	var ie *invalid.Error
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Println("fix", p.Field)
		}
	}
	// Output:
	// invalid Neo compilation job "resnet50-inf1": Neo does not compile ONNX models for ml_inf1 (it supports PYTORCH, TENSORFLOW, MXNET there)
	// fix Framework
}

func ExampleJob_DataInputConfig() {
	j := neo.Job{InputShapes: map[string][]int{"input1": {1, 10}, "input0": {1, 3, 224, 224}}}
	s, _ := j.DataInputConfig()
	fmt.Println(s)
	// Output: {"input0":[1,3,224,224],"input1":[1,10]}
}
