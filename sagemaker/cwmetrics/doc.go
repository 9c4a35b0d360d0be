// Package cwmetrics reads the server's side of a benchmark from CloudWatch: the metrics
// SageMaker publishes for an endpoint's variant over a measured window, and a cross-check
// of them against what the load generator saw.
//
// SageMaker publishes, per endpoint and variant (dimensions EndpointName, VariantName):
//
//   - in AWS/SageMaker, Invocations, Invocation4XXErrors, Invocation5XXErrors and
//     InvocationModelErrors (counts), ModelLatency and OverheadLatency (microseconds);
//   - in /aws/sagemaker/Endpoints, CPUUtilization, MemoryUtilization, GPUUtilization,
//     GPUMemoryUtilization and DiskUtilization (percent; CPU and GPU figures add up the
//     cores, so 4 busy vCPUs read 400%).
//
// [Fetch] asks for all of them in one paginated GetMetricData call, at the finest period
// CloudWatch still keeps for the window (1 minute for 15 days, then 5 minutes to 63 days,
// then 1 hour to 455 days). CloudWatch cannot split a minute, so the window is widened to
// whole periods: a 30-second run is reported with everything the endpoint did in the one or
// two minutes around it (warmup, other clients, a previous run). Latency percentiles are
// asked for over the whole widened window as one period, so they are true percentiles of
// the window and not an average of per-minute ones.
//
// Metrics become complete some time after the minute they describe; Fetch waits
// [Options].Delay past the window's end (bounded by [MaxDelay], reporting progress; [Options].NoWait
// against the emulator) before it asks. Like the AWS SDK, Fetch takes optFns
// ...func(*Options), whose zero fields mean defaults.
//
//	m, err := cwmetrics.Fetch(ctx, cloudwatch.NewFromConfig(cfg), "resnet-g4dn", "AllTraffic",
//		res.Start, res.End)
//	if err != nil {
//		fmt.Println("server metrics: n/a:", cwmetrics.Reason(err))
//	}
//	chk := cwmetrics.CrossCheck(cwmetrics.ClientFigures{Requests: res.Requests, Mean: res.Latency.Mean}, m, cwmetrics.Tolerance{})
//	for _, w := range chk.Warnings {
//		fmt.Println("warning:", w)
//	}
//
// CloudWatch keeps an endpoint's metrics after the endpoint is deleted, so delete it first
// (it bills by the hour) and then wait for its metrics.
//
// The package knows nothing of the load engine: [ClientFigures] is the few figures of the client
// side that the cross-check needs.
package cwmetrics
