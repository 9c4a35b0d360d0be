// Package sagemaker uploads a model.tar.gz (packed by package modeltar) to S3, resolves the
// PyTorch inference container image, deploys a SageMaker real-time endpoint, invokes it,
// and always tears it down.
//
// The ten lines that use it:
//
//	var buf bytes.Buffer
//	_, err := modeltar.Pack(&buf, modeltar.Spec{
//		ModelFiles: []string{"model.pth"}, CodeDir: "code", EntryPoint: "inference.py"})
//	c := sagemaker.NewClient(cfg)
//	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: bucket, Key: "resnet50/model.tar.gz", Body: &buf})
//	image, err := sagemaker.PyTorchImage(sagemaker.ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", InstanceType: "ml.c5.xlarge"})
//	ep, err := c.Deploy(ctx, sagemaker.ModelSpec{Name: name, Image: image, ModelDataURL: uri, RoleARN: role,
//		Env: sagemaker.PyTorchEnv("inference.py", "eu-west-1")},
//		sagemaker.EndpointSpec{Name: name, InstanceType: "ml.c5.xlarge", InstanceCount: 1})
//	defer ep.Delete(context.WithoutCancel(ctx))
//	err = ep.Invoker().Invoke(ctx, p) // a bench.Invoker
//
// Options are set as in the AWS SDK: functions that take optFns ...func(*Options)
// (NewClient, Cleanup, CleanupRun) or ...func(*InvokerOptions) (Client.Invoker and
// Endpoint.Invoker) apply them in order to an options struct whose zero fields mean the
// defaults.
//
// # Never leave an endpoint running
//
// An endpoint is billed by the hour until it is deleted, so the package is built around
// three rules:
//
//   - Deploy undoes itself. If any step fails or its context is cancelled, it deletes what
//     it created before returning, on a fresh context (context.WithoutCancel of the
//     caller's, bounded by Options.CleanupTimeout), and returns a *DeployError that names
//     the step, the resource and the cause (a Failed endpoint's FailureReason included).
//   - Endpoint.Delete is idempotent: it may be called twice, concurrently, or on a handle
//     whose resources are partly gone.
//   - The caller deletes with a context that outlives the one the work runs under. Run the
//     work under signal.NotifyContext, so that Ctrl-C cancels it, and delete in a defer
//     under context.WithoutCancel plus a timeout, so that the same Ctrl-C does not cancel
//     the teardown.
//
// The pattern, in full:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	ep, err := c.Deploy(ctx, model, endpoint) // Ctrl-C here: Deploy cleans up and returns
//	if err != nil {
//		return err
//	}
//	defer func() {
//		stop() // from here a second Ctrl-C kills the process: the user's explicit choice
//		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Minute)
//		defer cancel()
//		if err := ep.Delete(dctx); err != nil {
//			log.Printf("%v", err) // names what may remain, and how to delete it
//		}
//	}()
//	// ... load the endpoint under ctx; Ctrl-C ends the load, then the defer deletes.
//
// The teardown timeout is generous because SageMaker may refuse to delete an endpoint that
// is still Creating: Delete (and Deploy's own cleanup, see Options.CleanupTimeout) waits
// for it to settle first, which can take as long as the creation would have.
//
// # Surviving the process
//
// A kill -9 runs no defer. So every resource is tagged with its run (TagRun, TagCreatedBy,
// and a per-Deploy TagCreate) and, with Options.Journal, appended and fsynced to a local
// journal before its create call is sent. After a crash, Cleanup deletes what the journal
// lists; CleanupRun finds the run's resources by tag when the journal is gone as well.
// Both are idempotent and delete only what carries the run's tag:
//
//	j, err := sagemaker.OpenJournal("sagebench-out/run.journal") // print j.Path() for the user
//	c := sagemaker.NewClient(cfg, func(o *sagemaker.Options) { o.Journal = j })
//	comp := neo.NewCompiler(cfg, func(o *neo.Options) { o.Journal = j })
//	// ... after a crash, in a new process:
//	err = sagemaker.Cleanup(ctx, cfg, j)                   // or, journal lost:
//	err = sagemaker.CleanupRun(ctx, cfg, "20261201t210504-9f3a")
//
// A failed create means "may exist", not "was not created": its answer may have been
// lost and the SDK's retry told "already exists". Deploy then looks for the resource and,
// if it carries this Deploy's tags, carries on with it.
//
// # Secrets
//
// Nothing here logs or formats credentials, signed headers or presigned URLs: errors and
// Options.Logf lines name resources (model, endpoint, bucket and key) only.
//
// # Benchmarking
//
// The runtime client built by NewClient makes one attempt per request: a retried request
// hides a failure and adds its latency to a success. Options.RuntimeMaxAttempts turns
// SDK retries back on. The client's HTTP transport keeps enough idle connections for many
// concurrent workers.
package sagemaker
