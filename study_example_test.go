package sagebench_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// A study of two candidates, ml.c5.xlarge as is and compiled by Neo, against the local
// emulator: Run uploads the model, compiles it, deploys both endpoints at once, measures
// them, deletes them and recommends the cheaper per inference.
func ExampleStudy_Run() {
	// The emulator holds each request for c5's calibrated device time; its own image
	// preprocessing, which a busy machine (or the race detector) slows as much as both
	// candidates' device times, is replaced by a fixed answer.
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("eu-west-1"), sagemakertest.WithHandler(
		func(context.Context, string, []byte, string) ([]byte, error) { return []byte(`{"class":1}`), nil }))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "model.pth"), []byte("weights"), 0o644)
	img, _ := payload.SyntheticJPEG(224, 224, 1)

	st := sagebench.Study{
		Model:            sagebench.LocalModel{Files: []string{filepath.Join(dir, "model.pth")}},
		FrameworkVersion: "1.8.1",
		InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
		RoleARN:          "arn:aws:iam::" + sagemakertest.AccountID + ":role/SageMakerRole",
		Candidates:       sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge"}, Compile: []bool{false, true}}),
		Load:             bench.Config{Concurrency: 4, Warmup: time.Second, Duration: 2 * time.Second, Payloads: []payload.Payload{img}},
		Prices:           cost.Study2021,
		// The emulator publishes metrics as requests end: no wait for CloudWatch.
		ServerMetrics: sagebench.ServerMetrics{NoWait: true},
		// The emulator answers in milliseconds, not minutes: poll it often.
		SageMaker: []func(*sagemaker.Options){func(o *sagemaker.Options) { o.PollInterval = 10 * time.Millisecond }},
		Neo:       []func(*neo.Options){func(o *neo.Options) { o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond }},
	}
	rep, err := st.Run(context.Background(), srv.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Printf("%-7s measured=%v errors=%d\n", o.Candidate.Name, o.Result != nil, o.Result.Errors)
	}
	fmt.Println("recommended:", rep.Outcomes[rep.Best].Candidate.Name)
	fmt.Println("left in the emulator:", len(srv.Leftovers()))
	// Output:
	// c5      measured=true errors=0
	// c5+neo  measured=true errors=0
	// recommended: c5+neo
	// left in the emulator: 0
}
