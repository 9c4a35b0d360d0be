// Package sagebench answers one question for ML teams: which instance type, accelerator
// and compilation gives my model the best price/performance on Amazon SageMaker?
//
// [Study] is the whole answer as one call: give it a model, its candidates ([Candidate]; see
// [Matrix]: instance types x {as is, Neo} x container parameters x counts), a load and a
// price table, and [Study.Run] packs, uploads, compiles once per Neo target, deploys
// MaxParallel endpoints at a time, measures each as soon as it is in service, deletes it,
// and returns a [Report] with the recommendation and a ledger of what it deleted. It runs
// on any aws.Config: AWS's, or the local emulator's.
//
//	st := sagebench.Study{
//		Model:            sagebench.LocalModel{Files: []string{"model.pth"}, CodeDir: "code"},
//		FrameworkVersion: "1.8.1",
//		InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
//		RoleARN:          role,
//		Candidates:       sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge", "ml.g4dn.xlarge"}, Compile: []bool{false, true}}),
//		Load:             bench.Config{Concurrency: 16, Duration: time.Minute, Payloads: p},
//		SLO:              &bench.SLO{Percentile: 99, Max: 200 * time.Millisecond},
//		Prices:           cost.Current,
//	}
//	rep, err := st.Run(ctx, cfg)
//
// The pipeline is made of small packages that each do one step and can be used alone:
//
//   - Pack: [github.com/sagebench/sagebench/sagemaker/modeltar.Pack] writes a
//     reproducible model.tar.gz, model files at the root and inference code under code/,
//     the layout SageMaker's PyTorch and Neo containers expect.
//   - Upload: the sagemaker package uploads it to S3 with the transfer manager.
//   - Compile: [github.com/sagebench/sagebench/neo] runs SageMaker Neo compilation jobs
//     for one or several targets (ml_c5, ml_g4dn, ml_inf1, ...), stopping them on
//     cancellation.
//   - Deploy: [github.com/sagebench/sagebench/sagemaker.Client.Deploy] creates the model,
//     endpoint config and endpoint, waits until it is in service, and deletes all three on
//     any failure; Endpoint.Delete is idempotent, so a deferred delete survives Ctrl-C.
//   - Load: [github.com/sagebench/sagebench/bench.Run] drives closed- or open-loop load
//     through any [github.com/sagebench/sagebench/bench.Invoker] (the SageMaker runtime,
//     an HTTP model server with bench/httpinvoker, or a fake from bench/benchtest) and
//     measures throughput and latency honestly: HDR histograms, warmup excluded, latency
//     from the intended send time in open loop, a Little's-law self-check.
//     [github.com/sagebench/sagebench/bench.Sweep] finds the peak throughput under a
//     latency objective.
//   - Price: [github.com/sagebench/sagebench/cost] turns throughput into cost per million
//     inferences from an embedded, sourced and dated price table.
//   - Server side: [github.com/sagebench/sagebench/sagemaker/cwmetrics] reads an endpoint's
//     CloudWatch metrics (model and overhead latency, invocations, utilization) for the
//     measured window and cross-checks them with the client's; the Study reads them for
//     every candidate once its endpoint is deleted ([Study.ServerMetrics]).
//   - Report: [github.com/sagebench/sagebench/report] writes the comparison table (Markdown,
//     CSV, JSON) and SVG charts.
//
// Nothing needs AWS to try: [github.com/sagebench/sagebench/sagemaker/sagemakertest] is a
// local SageMaker (API, runtime and S3 on loopback) that the real aws-sdk-go-v2 clients
// talk to, with endpoints that decode and preprocess each image and hold it for a device
// time calibrated to the reference study. `go run ./examples/quickstart` runs the whole
// study against it.
package sagebench
