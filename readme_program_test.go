package sagebench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
)

// The README's "run the study for your own model" program, kept here so that it compiles
// with the API it shows. An example without an Output comment is compiled, never run: it
// needs AWS.
func ExampleStudy_ownModel() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx) // or srv.Config() of a sagemakertest.Server
	if err != nil {
		log.Fatal(err)
	}
	review := payload.Payload{Name: "review.json", ContentType: "application/json",
		Body: []byte(`{"inputs": "the battery lasts all day"}`)} // what code/inference.py's input_fn reads
	st := sagebench.Study{
		Model:            sagebench.LocalModel{Files: []string{"model.pth"}, CodeDir: "code"}, // or sagebench.S3Model("s3://...")
		FrameworkVersion: "2.1",                                                               // PyTorch unless Framework says otherwise
		NeoVersions:      map[neo.Target]string{neo.TargetMLG4dn: "2.0"},                      // Neo's newest PyTorch
		InputShapes:      map[string][]int{"input0": {1, 128}},                                // token ids, for Neo
		RoleARN:          os.Getenv("SAGEMAKER_ROLE_ARN"),
		Region:           "us-east-1", // every call goes here, whatever cfg's region
		Candidates: append(sagebench.Matrix(sagebench.Grid{
			InstanceTypes: []string{"ml.c5.xlarge", "ml.g5.xlarge", "ml.g4dn.xlarge"},
			Env:           []map[string]string{{"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}, {"SAGEMAKER_MODEL_SERVER_WORKERS": "2"}},
		}),
			sagebench.Candidate{Name: "g4dn+neo", InstanceType: "ml.g4dn.xlarge", Target: neo.TargetMLG4dn}, // compiled by Neo
			// An endpoint you already have: measured like the others, never deleted.
			sagebench.Candidate{Name: "prod", Endpoint: "my-classifier"},
		),
		Load:        bench.Config{Concurrency: 16, Duration: time.Minute, Warmup: 15 * time.Second, Payloads: []payload.Payload{review}},
		Check:       func(body []byte, _ string) error { return json.Unmarshal(body, new(map[string]any)) },
		SLO:         &bench.SLO{Percentile: 99, Max: 200 * time.Millisecond},
		TargetTPS:   500, // and how many instances of which candidate serve 500/s cheapest
		Prices:      cost.Current,
		MaxCostUSD:  10,              // refused before any call if the estimate is higher
		MaxParallel: 3,               // endpoints alive at once
		OutputDir:   "sagebench-out", // each result saved as measured; a rerun resumes
		// Progress; the first event names the run id and the journal.
		Events: func(e sagebench.Event) { fmt.Fprintln(os.Stderr, e) },

		// The endpoints' own CloudWatch figures, read once each is deleted (off: Off).
		ServerMetrics: sagebench.ServerMetrics{Delay: 3 * time.Minute},
	}
	plan, err := st.Plan(cfg) // everything Run would refuse, with no AWS call
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan.Bill, plan.Notes)
	rep, err := st.Run(ctx, cfg) // every endpoint it creates is deleted before it returns
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Document("my model on SageMaker", "measured").Markdown())
}
