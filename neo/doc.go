// Package neo compiles models with Amazon SageMaker Neo and says how to deploy
// the result.
//
// A Job names a model.tar.gz in S3, the framework it was saved with, the shapes
// of its inputs and the device to compile for. Job.Validate refuses what Neo
// would refuse (unknown targets, framework/target pairs Neo does not support,
// malformed S3 URIs and role ARNs, non-positive dimensions) before any request
// is sent. A Compiler creates the compilation job, polls it with capped
// exponential backoff until it ends, and stops it if the caller's context is
// canceled, so an interrupted run leaves nothing compiling:
//
//	c := neo.NewCompiler(cfg, func(o *neo.Options) {
//		o.Progress = func(s neo.Status) { log.Printf("%s %s", s.JobName, s.State) }
//	})
//	m, err := c.Compile(ctx, neo.Job{
//		Name:         "resnet50-c5",
//		ModelDataURL: "s3://my-bucket/resnet50/model.tar.gz",
//		RoleARN:      "arn:aws:iam::123456789012:role/SageMakerRole",
//		Framework:    neo.PyTorch, FrameworkVersion: "1.8",
//		InputShapes:  map[string][]int{"input0": {1, 3, 224, 224}},
//		Target:       neo.TargetMLC5,
//		OutputURL:    "s3://my-bucket/resnet50/compiled",
//	})
//	// m.ArtifactURL, m.Image and m.Env are what CreateModel needs.
//
// CompileAll compiles several jobs at once with bounded parallelism and
// reports each job's outcome. ImageURI gives the inference image Neo's
// PyTorch, TensorFlow and MXNet artifacts run in, per region and target, as
// the SageMaker Python SDK resolves it (tables generated from its
// image_uri_config). Target.Check, TargetFor, Target.CheckServes and
// Target.CheckRegion validate targets against aws-sdk-go-v2's enum, the
// instance family they serve and the regions Neo compiles them in.
//
// The package knows nothing of load testing or endpoints; it speaks the
// aws-sdk-go-v2 dialect (context first, typed errors): like the AWS SDK,
// NewCompiler takes optFns ...func(*Options), whose zero fields mean defaults.
package neo
