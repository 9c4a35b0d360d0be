// Package sagemakertest runs a local stand-in for Amazon SageMaker, its runtime
// and S3 on a loopback port, in the spirit of net/http/httptest, so code built on
// aws-sdk-go-v2 can be tested without an AWS account and without cost.
//
//	srv := sagemakertest.NewServer()
//	defer srv.Close()
//	sm := sagemaker.NewFromConfig(srv.Config())         // control plane (AWS JSON 1.1)
//	rt := sagemakerruntime.NewFromConfig(srv.Config())  // InvokeEndpoint
//	s3c := s3.NewFromConfig(srv.Config(), func(o *s3.Options) { o.UsePathStyle = true })
//
// One URL serves all three: requests with an X-Amz-Target header go to the
// SageMaker API, POST /endpoints/{name}/invocations goes to the runtime, and
// everything else goes to an in-memory S3 (github.com/johannesboyne/gofakes3).
//
// The control plane implements models, endpoint configurations, endpoints
// (Creating -> InService or Failed, Updating, Deleting) and Neo compilation jobs
// (STARTING -> INPROGRESS -> COMPLETED or FAILED; STOPPING -> STOPPED) with AWS's validation
// rules and error codes, so the SDK's typed errors and waiters work unchanged;
// [Operations] lists them. Input is validated as the SageMaker front end does
// it, with its "1 validation error detected: Value 'x' at 'endpointName'
// failed to satisfy constraint: ..." messages: instance types, Neo targets,
// frameworks, statuses and sort keys from aws-sdk-go-v2's enums, names, ARNs
// and URLs from the API reference's patterns and lengths. List operations
// filter, sort and page as SageMaker does. Lifecycle delays are short by
// default and configurable.
//
// An endpoint serves every production variant of its configuration, each
// with workers per instance times its instance count, and splits traffic by
// variant weight unless the request names a TargetVariant;
// UpdateEndpointWeightsAndCapacities changes counts and weights as
// autoscaling does, so scaling out can be benchmarked offline.
//
// The command in cmd/sagemakertest serves the same emulator to other
// processes (boto3, the AWS CLI, example binaries); see [Listen].
//
// The runtime answers any model with its [DefaultHandler], by the request's
// Content-Type: an image is really decoded, its shorter side resized to 256,
// centre-cropped to 224x224 and normalized with the ImageNet mean and standard
// deviation into a 1x3x224x224 float32 tensor, and gets a ResNet50-shaped JSON
// answer; JSON gets a JSON answer ([JSONModel]), NumPy .npy an .npy answer
// ([NPYModel]), anything else is echoed. [WithHandler] plugs a real model in.
// Then the request is held until an emulated device time has passed. Device time and the number of model workers per instance come
// from a [Profile] keyed by instance type and whether the model is Neo-compiled;
// the shipped profiles ([Profiles]) are calibrated so that 16 closed-loop
// clients reproduce the throughput published by the reference study. Every
// other instance type gets a generic profile derived from its hardware
// ([GenericProfile], [InstanceHardware]): workers per vCPU, GPU or NeuronCore
// at the study's per-unit device time; its Source says so, and Generic is set.
// Requests beyond the workers queue, as they do in a model server.
//
// A model counts as Neo-compiled when its container sets CompiledEnv
// ("SAGEMAKERTEST_COMPILED=true"), when its ModelDataUrl is the output artifact
// of a compilation job that completed on this server, or when its image is a
// Neo or Inferentia serving image (repository containing "neo" or "neuron", or
// a tag containing "-inf-"). An uncompiled model on ml.inf1 is served by a
// documented CPU-fallback profile rather than failing.
//
// Compilation does not compile: the artifact, named as Neo names it
// (<input base name>-<target>.tar.gz under S3OutputLocation), holds the input
// archive's bytes.
//
// CloudWatch's GetMetricData is served too ([Server.CloudWatchClient]), over the
// Smithy RPC v2 CBOR protocol the SDK's CloudWatch client speaks, for the metrics
// SageMaker publishes per endpoint variant: Invocations, the error counts,
// ModelLatency (the time from handing a request to the model container to its
// answer, the wait in the container's queue included, as AWS defines it) and
// OverheadLatency (what the front end adds: the emulator's own handling), in
// microseconds, and CPUUtilization and GPUUtilization from worker busy time,
// filed per minute.
//
// Faults can be injected ([Server.FailNext], [Server.FailEndpoint],
// [Server.FailCompilation], [Server.ThrottleRuntime]) and the state inspected
// for leak checks ([Server.Leftovers], [Server.Calls], [Server.Objects]).
//
// Errors follow SageMaker: a missing model, endpoint configuration or endpoint
// is a ValidationException ("Could not find endpoint ..."), which the SDK's
// EndpointDeleted waiter relies on; a missing compilation job is
// ResourceNotFound; invoking an unknown or not-InService endpoint is the
// runtime's ValidationError "Endpoint X of account Y not found." (HTTP 400);
// a body over 6 MB is HTTP 413; a handler error is ModelError (HTTP 424).
//
// Whatever client calls it: every answer carries its own request ID
// (x-amzn-RequestId; x-amz-request-id for S3); CloudWatch answers in each
// protocol its service model lists (Smithy RPC v2 CBOR for aws-sdk-go-v2,
// awsJson1_0 for botocore 1.37 and later, awsQuery for older botocore and
// AWS CLIs); List tokens name the last resource's sort key, so deleting while
// paging skips nothing. No input crashes it or is stored to mislead: instance
// counts beyond the API's Integer are a SerializationException, counts beyond
// [InstanceQuota] ResourceLimitExceeded, API bodies over [MaxAPIRequestBytes]
// HTTP 413, and a container's Environment is held to AWS's limits.
//
// Options are functional: WithX values of type [Option], passed to [NewServer] or
// [Listen], which take an out-of-range value as each option documents (a negative delay
// as zero) rather than fail.
package sagemakertest
