package sagebench_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/payload"
)

// readmeProgram is the README's "run the study for your own model" program, kept here so
// that it compiles with the API it shows. It is never called: it needs AWS.
var _ = readmeProgram

func readmeProgram() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx) // or srv.Config() of a sagemakertest.Server
	if err != nil {
		log.Fatal(err)
	}
	img, err := payload.FromFile("cat.jpg")
	if err != nil {
		log.Fatal(err)
	}
	st := sagebench.Study{
		Model:            sagebench.LocalModel{Files: []string{"model.pth"}, CodeDir: "code"}, // or sagebench.S3Model("s3://...")
		FrameworkVersion: "1.8.1",                                                             // PyTorch unless Framework says otherwise
		InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
		RoleARN:          os.Getenv("SAGEMAKER_ROLE_ARN"),
		Candidates: sagebench.Matrix(sagebench.Grid{
			InstanceTypes: []string{"ml.c5.xlarge", "ml.g4dn.xlarge"},
			Compile:       []bool{false, true}, // as is, and compiled by Neo for the instance family
			Env:           []map[string]string{{"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}, {"SAGEMAKER_MODEL_SERVER_WORKERS": "2"}},
		}),
		Load:        bench.Config{Concurrency: 16, Duration: time.Minute, Warmup: 15 * time.Second, Payloads: []payload.Payload{img}},
		SLO:         &bench.SLO{Percentile: 99, Max: 200 * time.Millisecond},
		TargetTPS:   500, // and how many instances of which candidate serve 500/s cheapest
		Prices:      cost.Current,
		MaxCostUSD:  10,              // refused before any call if the estimate is higher
		MaxParallel: 3,               // endpoints alive at once
		OutputDir:   "sagebench-out", // each result saved as measured; a rerun resumes
		Events:      func(e sagebench.Event) { fmt.Fprintln(os.Stderr, e) },

		// The endpoints' own CloudWatch figures, read once each is deleted (off: Off).
		ServerMetrics: sagebench.ServerMetrics{Delay: 3 * time.Minute},
	}
	rep, err := st.Run(ctx, cfg) // every endpoint it creates is deleted before it returns
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Table("my model on SageMaker", "measured").Markdown())
}
