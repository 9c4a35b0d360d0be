package main

import (
	"math"
	"slices"
	"strings"
)

// step is one call of the conformance script, run alike by boto3, the AWS
// CLI and aws-sdk-go-v2 against their own sagemakertest process.
type step struct {
	Service string // "sagemaker", "runtime", "s3" or "cloudwatch"
	// Protocol, when set, is the protocol of the service model the client
	// must speak (CloudWatch's "smithy-rpc-v2-cbor", "json" or "query");
	// a client that cannot skips the step. Unset, each client speaks the
	// one it picks.
	Protocol string
	// Op is the API operation as the API reference names it, or
	// "wait:<waiter>" for a client's waiter (boto3's waiter names).
	Op string
	// Params is the operation's input with the API reference's member
	// names. A string "${name}" is replaced by a value saved by an earlier
	// step; {"$file": "x"} is the bytes of the file x (see testFiles).
	Params map[string]any
	// Until repeats the step until these output paths have these values,
	// as a harness polls a long-running job.
	Until map[string]any
	// Want are output paths and their expected values; a path ending in
	// "#" is the length of a list. Paths are dot-separated, with list
	// indexes as numbers ("ProductionVariants.0.CurrentInstanceCount").
	Want map[string]any
	// Err is the expected error; nil means the call succeeds.
	Err *wantErr
	// Save names output paths whose values later steps use as ${name}.
	Save map[string]string
	// Requires is an operation the step depends on: a client that does not
	// know it skips the step.
	Requires string
	// NewMember names a request member newer than some clients' service
	// models (Debian's botocore 1.29 predates ServerlessConfig's
	// ProvisionedConcurrency): a client whose model refuses it as an
	// unknown parameter cannot send the step, which is skipped for it.
	NewMember string
	// NotCLI marks a step the AWS CLI cannot send: one whose input is
	// larger than a command-line argument may be (128 KB on Linux).
	NotCLI bool
}

// wantErr is an expected error: its code, its exact message (or, when
// Message starts with "~", a substring) and, when the client reports it, its
// HTTP status.
type wantErr struct {
	Code, Message string
	Status        int
}

const (
	role       = "arn:aws:iam::123456789012:role/SageMakerRole"
	image      = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3"
	arnPrefix  = "arn:aws:sagemaker:eu-west-1:123456789012:"
	namePatErr = "failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
)

// serverArgs are the flags of every server the conformance test starts. The
// compilation delay is long enough for a StopCompilationJob that the AWS CLI
// sends a process start after CreateCompilationJob to find the job running,
// even on a loaded machine where starting the CLI takes seconds.
var serverArgs = []string{"-time-scale", "0.01", "-endpoint-create", "50ms", "-endpoint-delete", "20ms", "-compile", "10s", "-max-endpoints", "1"}

func variantOf(name, instanceType string) []any {
	return []any{map[string]any{"VariantName": "AllTraffic", "ModelName": name, "InstanceType": instanceType, "InitialInstanceCount": 1}}
}

func compileParams(name, target string) map[string]any {
	return map[string]any{
		"CompilationJobName": name, "RoleArn": role,
		"InputConfig": map[string]any{
			"S3Uri": "s3://models/resnet50/model.tar.gz", "DataInputConfig": `{"input0":[1,3,224,224]}`,
			"Framework": "PYTORCH", "FrameworkVersion": "1.8",
		},
		"OutputConfig":      map[string]any{"S3OutputLocation": "s3://models/compiled", "TargetDevice": target},
		"StoppingCondition": map[string]any{"MaxRuntimeInSeconds": 900},
	}
}

// script is the conformance script: a user's whole lifecycle, every List
// operation and bad inputs with SageMaker's answers. To cover a newly
// emulated operation, add its steps here; TestConformance fails while an
// operation in sagemakertest.Operations() has none.
var script = slices.Concat(append([]step{
	// S3: the bucket and the model archive.
	{Service: "s3", Op: "CreateBucket", Params: map[string]any{"Bucket": "models", "CreateBucketConfiguration": map[string]any{"LocationConstraint": "eu-west-1"}}},
	{Service: "s3", Op: "PutObject", Params: map[string]any{"Bucket": "models", "Key": "resnet50/model.tar.gz", "Body": map[string]any{"$file": "model.tar.gz"}}},
	{Service: "s3", Op: "HeadObject", Params: map[string]any{"Bucket": "models", "Key": "resnet50/model.tar.gz"}, Want: map[string]any{"ContentLength": len(modelArchive)}},

	// Neo: a job to COMPLETED with its artifact in S3 (checked after the endpoint steps,
	// so that they run during its compilation instead of after it), and one stopped.
	{Service: "sagemaker", Op: "CreateCompilationJob", Params: compileParams("resnet50-ml-c5", "ml_c5"),
		Want: map[string]any{"CompilationJobArn": arnPrefix + "compilation-job/resnet50-ml-c5"}},
	{Service: "sagemaker", Op: "CreateCompilationJob", Params: compileParams("resnet50-stopped", "ml_inf1")},
	{Service: "sagemaker", Op: "StopCompilationJob", Params: map[string]any{"CompilationJobName": "resnet50-stopped"}},
	{Service: "sagemaker", Op: "DescribeCompilationJob", Params: map[string]any{"CompilationJobName": "resnet50-stopped"},
		Until: map[string]any{"CompilationJobStatus": "STOPPED"}},

	// Model, endpoint configuration, endpoint.
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{
		"ModelName": "resnet50", "ExecutionRoleArn": role,
		"PrimaryContainer": map[string]any{"Image": image, "ModelDataUrl": "s3://models/resnet50/model.tar.gz"},
		"Tags":             []any{map[string]any{"Key": "sagebench:run", "Value": "conformance"}},
	}, Want: map[string]any{"ModelArn": arnPrefix + "model/resnet50"}},
	{Service: "sagemaker", Op: "ListTags", Params: map[string]any{"ResourceArn": arnPrefix + "model/resnet50"},
		Want: map[string]any{"Tags#": 1, "Tags.0.Key": "sagebench:run", "Tags.0.Value": "conformance"}},
	{Service: "sagemaker", Op: "AddTags", Params: map[string]any{"ResourceArn": arnPrefix + "model/resnet50", "Tags": []any{map[string]any{"Key": "team", "Value": "ml"}}},
		Want: map[string]any{"Tags#": 1, "Tags.0.Key": "team"}},
	{Service: "sagemaker", Op: "ListTags", Params: map[string]any{"ResourceArn": arnPrefix + "model/resnet50"}, Want: map[string]any{"Tags#": 2}},
	{Service: "sagemaker", Op: "DeleteTags", Params: map[string]any{"ResourceArn": arnPrefix + "model/resnet50", "TagKeys": []any{"team"}}},
	{Service: "sagemaker", Op: "ListTags", Params: map[string]any{"ResourceArn": arnPrefix + "model/resnet50"},
		Want: map[string]any{"Tags#": 1, "Tags.0.Key": "sagebench:run"}},
	{Service: "sagemaker", Op: "DescribeModel", Params: map[string]any{"ModelName": "resnet50"},
		Want: map[string]any{"PrimaryContainer.ModelDataUrl": "s3://models/resnet50/model.tar.gz", "ExecutionRoleArn": role}},
	{Service: "sagemaker", Op: "CreateEndpointConfig", Params: map[string]any{"EndpointConfigName": "resnet50", "ProductionVariants": variantOf("resnet50", "ml.c5.xlarge")},
		Want: map[string]any{"EndpointConfigArn": arnPrefix + "endpoint-config/resnet50"}},
	{Service: "sagemaker", Op: "DescribeEndpointConfig", Params: map[string]any{"EndpointConfigName": "resnet50"},
		Want: map[string]any{"ProductionVariants#": 1, "ProductionVariants.0.InstanceType": "ml.c5.xlarge", "ProductionVariants.0.InitialVariantWeight": 1}},
	{Service: "sagemaker", Op: "CreateEndpoint", Params: map[string]any{"EndpointName": "resnet50", "EndpointConfigName": "resnet50"},
		Want: map[string]any{"EndpointArn": arnPrefix + "endpoint/resnet50"}},
	{Service: "sagemaker", Op: "wait:endpoint_in_service", Params: map[string]any{"EndpointName": "resnet50"}},
	{Service: "sagemaker", Op: "DescribeEndpoint", Params: map[string]any{"EndpointName": "resnet50"}, Want: map[string]any{
		"EndpointStatus": "InService", "ProductionVariants.0.VariantName": "AllTraffic",
		"ProductionVariants.0.CurrentInstanceCount": 1, "ProductionVariants.0.CurrentWeight": 1,
	}},

	// The runtime, with every header it round-trips.
	{Service: "runtime", Op: "InvokeEndpoint", Params: map[string]any{
		"EndpointName": "resnet50", "ContentType": "image/jpeg", "Accept": "application/json",
		"CustomAttributes": "trace=conformance", "TargetVariant": "AllTraffic", "InferenceId": "inference-1",
		"Body": map[string]any{"$file": "sample.jpg"},
	}, Want: map[string]any{
		"ContentType": "application/json", "InvokedProductionVariant": "AllTraffic", "CustomAttributes": "trace=conformance",
		"Body.predictions#": 5, "Body.emulated": true,
	}},

	// CloudWatch's view of that invocation, in the protocol each client
	// picks and in each protocol CloudWatch's service model lists.
}, metricSteps()...), []step{

	// Scaling out, as autoscaling does, then a new configuration.
	{Service: "sagemaker", Op: "UpdateEndpointWeightsAndCapacities", Params: map[string]any{
		"EndpointName":                "resnet50",
		"DesiredWeightsAndCapacities": []any{map[string]any{"VariantName": "AllTraffic", "DesiredInstanceCount": 2, "DesiredWeight": 1}},
	}, Want: map[string]any{"EndpointArn": arnPrefix + "endpoint/resnet50"}},
	{Service: "sagemaker", Op: "DescribeEndpoint", Params: map[string]any{"EndpointName": "resnet50"},
		Until: map[string]any{"EndpointStatus": "InService"},
		Want:  map[string]any{"ProductionVariants.0.CurrentInstanceCount": 2, "ProductionVariants.0.DesiredInstanceCount": 2}},
	{Service: "sagemaker", Op: "CreateEndpointConfig", Params: map[string]any{"EndpointConfigName": "resnet50-g4dn", "ProductionVariants": variantOf("resnet50", "ml.g4dn.xlarge")}},
	{Service: "sagemaker", Op: "UpdateEndpoint", Params: map[string]any{"EndpointName": "resnet50", "EndpointConfigName": "resnet50-g4dn"}},
	{Service: "sagemaker", Op: "DescribeEndpoint", Params: map[string]any{"EndpointName": "resnet50"},
		Until: map[string]any{"EndpointStatus": "InService"}, Want: map[string]any{"EndpointConfigName": "resnet50-g4dn"}},

	// Neo: the job that reaches COMPLETED (the server's 10 s compilation), checked
	// after the endpoint steps below, which run meanwhile.
	{Service: "sagemaker", Op: "DescribeCompilationJob", Params: map[string]any{"CompilationJobName": "resnet50-ml-c5"},
		Until: map[string]any{"CompilationJobStatus": "COMPLETED"},
		Want:  map[string]any{"ModelArtifacts.S3ModelArtifacts": "s3://models/compiled/model-ml_c5.tar.gz", "OutputConfig.TargetDevice": "ml_c5"}},
	{Service: "s3", Op: "HeadObject", Params: map[string]any{"Bucket": "models", "Key": "compiled/model-ml_c5.tar.gz"}, Want: map[string]any{"ContentLength": len(modelArchive)}},

	// A multipart upload cut short, as a killed Upload leaves it, and its abort.
	{Service: "s3", Op: "ListMultipartUploads", Params: map[string]any{"Bucket": "models"}, Want: map[string]any{"Uploads#": 0}},
	{Service: "s3", Op: "CreateMultipartUpload", Params: map[string]any{"Bucket": "models", "Key": "upload/big.tar.gz"}, Save: map[string]string{"uploadID": "UploadId"}},
	{Service: "s3", Op: "UploadPart", Params: map[string]any{"Bucket": "models", "Key": "upload/big.tar.gz", "UploadId": "${uploadID}", "PartNumber": 1, "Body": map[string]any{"$file": "model.tar.gz"}}},
	{Service: "s3", Op: "ListMultipartUploads", Params: map[string]any{"Bucket": "models", "Prefix": "upload/big"},
		Want: map[string]any{"Uploads#": 1, "Uploads.0.Key": "upload/big.tar.gz"}},
	{Service: "s3", Op: "AbortMultipartUpload", Params: map[string]any{"Bucket": "models", "Key": "upload/big.tar.gz", "UploadId": "${uploadID}"}},
	{Service: "s3", Op: "ListMultipartUploads", Params: map[string]any{"Bucket": "models"}, Want: map[string]any{"Uploads#": 0}},
	{Service: "s3", Op: "AbortMultipartUpload", Params: map[string]any{"Bucket": "models", "Key": "upload/big.tar.gz", "UploadId": "${uploadID}"},
		Err: &wantErr{"NoSuchUpload", "~", 404}},

	// Paging while deleting, as a cleanup loop over a paginator does: the
	// token stays valid and the next page starts after the deleted model.
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{"ModelName": "extra", "ExecutionRoleArn": role, "PrimaryContainer": map[string]any{"Image": image}}},
	{Service: "sagemaker", Op: "ListModels", Params: map[string]any{"SortBy": "Name", "SortOrder": "Ascending", "MaxResults": 1},
		Want: map[string]any{"Models#": 1, "Models.0.ModelName": "extra"}, Save: map[string]string{"modelsPage2": "NextToken"}},
	{Service: "sagemaker", Op: "DeleteModel", Params: map[string]any{"ModelName": "extra"}},
	{Service: "sagemaker", Op: "ListModels", Params: map[string]any{"SortBy": "Name", "SortOrder": "Ascending", "MaxResults": 1, "NextToken": "${modelsPage2}"},
		Want: map[string]any{"Models#": 1, "Models.0.ModelName": "resnet50", "NextToken": nil}},

	// Every List operation, with its filters, sort orders and paging.
	{Service: "sagemaker", Op: "ListModels", Params: map[string]any{"NameContains": "RESNET", "SortBy": "Name", "SortOrder": "Ascending", "CreationTimeAfter": "2020-01-01T00:00:00Z"},
		Want: map[string]any{"Models#": 1, "Models.0.ModelName": "resnet50"}},
	{Service: "sagemaker", Op: "ListModels", Params: map[string]any{"CreationTimeBefore": "2020-01-01T00:00:00Z"}, Want: map[string]any{"Models#": 0}},
	{Service: "sagemaker", Op: "ListEndpointConfigs", Params: map[string]any{"SortBy": "Name", "SortOrder": "Descending", "MaxResults": 1},
		Want: map[string]any{"EndpointConfigs#": 1, "EndpointConfigs.0.EndpointConfigName": "resnet50-g4dn"}, Save: map[string]string{"configsPage2": "NextToken"}},
	{Service: "sagemaker", Op: "ListEndpointConfigs", Params: map[string]any{"SortBy": "Name", "SortOrder": "Descending", "MaxResults": 1, "NextToken": "${configsPage2}"},
		Want: map[string]any{"EndpointConfigs#": 1, "EndpointConfigs.0.EndpointConfigName": "resnet50", "NextToken": nil}},
	{Service: "sagemaker", Op: "ListEndpoints", Params: map[string]any{"StatusEquals": "InService", "NameContains": "net"},
		Want: map[string]any{"Endpoints#": 1, "Endpoints.0.EndpointName": "resnet50", "Endpoints.0.EndpointStatus": "InService"}},
	{Service: "sagemaker", Op: "ListEndpoints", Params: map[string]any{"StatusEquals": "Failed"}, Want: map[string]any{"Endpoints#": 0}},
	{Service: "sagemaker", Op: "ListCompilationJobs", Params: map[string]any{"SortBy": "Status", "SortOrder": "Ascending", "MaxResults": 1},
		Want: map[string]any{"CompilationJobSummaries#": 1, "CompilationJobSummaries.0.CompilationJobStatus": "COMPLETED"}, Save: map[string]string{"jobsPage2": "NextToken"}},
	{Service: "sagemaker", Op: "ListCompilationJobs", Params: map[string]any{"SortBy": "Status", "SortOrder": "Ascending", "MaxResults": 1, "NextToken": "${jobsPage2}"},
		Want: map[string]any{"CompilationJobSummaries.0.CompilationJobStatus": "STOPPED", "NextToken": nil}},
	{Service: "sagemaker", Op: "ListCompilationJobs", Params: map[string]any{"StatusEquals": "COMPLETED", "LastModifiedTimeAfter": "2020-01-01T00:00:00Z"},
		Want: map[string]any{"CompilationJobSummaries#": 1, "CompilationJobSummaries.0.CompilationTargetDevice": "ml_c5"}},

	// Bad inputs, answered as SageMaker answers them. Each passes the
	// clients' own checks (required members, types), so the server decides.
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{"ModelName": "resnet_50", "ExecutionRoleArn": role, "PrimaryContainer": map[string]any{"Image": image}},
		Err: &wantErr{"ValidationException", "1 validation error detected: Value 'resnet_50' at 'modelName' " + namePatErr, 400}},
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{"ModelName": strings.Repeat("m", 64), "ExecutionRoleArn": role, "PrimaryContainer": map[string]any{"Image": image}},
		Err: &wantErr{"ValidationException", "1 validation error detected: Value '" + strings.Repeat("m", 64) + "' at 'modelName' failed to satisfy constraint: Member must have length less than or equal to 63", 400}},
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{"ModelName": "other", "ExecutionRoleArn": "arn:aws:iam::123:role/Short", "PrimaryContainer": map[string]any{"Image": image, "ModelDataUrl": "ftp://models/m.tar.gz"}},
		Err: &wantErr{"ValidationException", "2 validation errors detected: Value 'arn:aws:iam::123:role/Short' at 'executionRoleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$; " +
			"Value 'ftp://models/m.tar.gz' at 'primaryContainer.modelDataUrl' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(https|s3)://([^/]+)/?(.*)$", 400}},
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{"ModelName": "resnet50", "ExecutionRoleArn": role, "PrimaryContainer": map[string]any{"Image": image}},
		Err: &wantErr{"ValidationException", `Cannot create already existing model "` + arnPrefix + `model/resnet50".`, 400}},
	{Service: "sagemaker", Op: "CreateEndpointConfig", Params: map[string]any{"EndpointConfigName": "huge", "ProductionVariants": variantOf("resnet50", "ml.c5.huge")},
		Err: &wantErr{"ValidationException", "~1 validation error detected: Value 'ml.c5.huge' at 'productionVariants.1.member.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [", 400}},
	{Service: "sagemaker", Op: "CreateCompilationJob", Params: compileParams("bad-target", "ml_c99"),
		Err: &wantErr{"ValidationException", "~1 validation error detected: Value 'ml_c99' at 'outputConfig.targetDevice' failed to satisfy constraint: Member must satisfy enum value set: [", 400}},
	{Service: "sagemaker", Op: "CreateEndpointConfig", Params: map[string]any{"EndpointConfigName": "huge", "ProductionVariants": []any{map[string]any{
		"VariantName": "AllTraffic", "ModelName": "resnet50", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": 1<<61 + 1}}},
		Err: &wantErr{"SerializationException", "Value '2305843009213693953' at 'productionVariants.1.member.initialInstanceCount' cannot be converted to an Integer (32-bit signed)", 400}},
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{"ModelName": "big-env", "ExecutionRoleArn": role, "PrimaryContainer": map[string]any{"Image": image, "Environment": map[string]any{"BIG": strings.Repeat("x", 1025)}}},
		Err: &wantErr{"ValidationException", "1 validation error detected: Value at 'primaryContainer.environment' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 1024]", 400}},
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{"ModelName": "huge-body", "ExecutionRoleArn": role, "PrimaryContainer": map[string]any{"Image": image, "ContainerHostname": strings.Repeat("h", 2<<20)}},
		Err: &wantErr{"RequestEntityTooLarge", "Request body exceeds the maximum of 1048576 bytes.", 413}, NotCLI: true},
	{Service: "sagemaker", Op: "ListEndpoints", Params: map[string]any{"SortBy": "Size"},
		Err: &wantErr{"ValidationException", "1 validation error detected: Value 'Size' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [Name, CreationTime, Status]", 400}},
	{Service: "sagemaker", Op: "DescribeEndpoint", Params: map[string]any{"EndpointName": "ghost"},
		Err: &wantErr{"ValidationException", `Could not find endpoint "` + arnPrefix + `endpoint/ghost".`, 400}},
	{Service: "sagemaker", Op: "DescribeCompilationJob", Params: map[string]any{"CompilationJobName": "ghost"},
		Err: &wantErr{"ResourceNotFound", "Could not find compilation job with name ghost", 400}},
	{Service: "sagemaker", Op: "CreateEndpoint", Params: map[string]any{"EndpointName": "second", "EndpointConfigName": "resnet50"},
		Err: &wantErr{"ResourceLimitExceeded", "The account-level service limit 'number of endpoints' is 1 Endpoints, with current utilization of 1 Endpoints and a request delta of 1 Endpoints.", 400}},
	{Service: "sagemaker", Op: "UpdateEndpointWeightsAndCapacities", Params: map[string]any{
		"EndpointName": "resnet50", "DesiredWeightsAndCapacities": []any{map[string]any{"VariantName": "Canary", "DesiredInstanceCount": 1}},
	}, Err: &wantErr{"ValidationException", `The variant(s) "[Canary]" is/are not present in the endpoint "` + arnPrefix + `endpoint/resnet50".`, 400}},
	{Service: "sagemaker", Op: "AddTags", Params: map[string]any{"ResourceArn": arnPrefix + "model/resnet50", "Tags": []any{map[string]any{"Key": "aws:owner", "Value": "me"}}},
		Err: &wantErr{"ValidationException", "Tag keys starting with 'aws:' are reserved for system use: aws:owner", 400}},
	{Service: "sagemaker", Op: "DeleteCompilationJob", Params: map[string]any{"CompilationJobName": "ghost"},
		Err: &wantErr{"ResourceNotFound", "Could not find compilation job with name ghost", 400}},
	{Service: "runtime", Op: "InvokeEndpoint", Params: map[string]any{"EndpointName": "ghost", "ContentType": "image/jpeg", "Body": map[string]any{"$file": "sample.jpg"}},
		Err: &wantErr{"ValidationError", "Endpoint ghost of account 123456789012 not found.", 400}},
	{Service: "runtime", Op: "InvokeEndpoint", Params: map[string]any{"EndpointName": "resnet50", "ContentType": "image/jpeg", "Body": map[string]any{"$file": "not-an-image.txt"}},
		Err: &wantErr{"ModelError", "~Received client error (400) from primary with message \"sagemakertest: decoding image", 424}},

	// Teardown, in the order a harness deletes, with boto3's waiter.
	{Service: "sagemaker", Op: "DeleteEndpoint", Params: map[string]any{"EndpointName": "resnet50"}},
	{Service: "sagemaker", Op: "wait:endpoint_deleted", Params: map[string]any{"EndpointName": "resnet50"}},
	// An instance count within the Integer type but beyond the account's
	// quota, refused when an endpoint would run it.
	{Service: "sagemaker", Op: "CreateEndpointConfig", Params: map[string]any{"EndpointConfigName": "quota", "ProductionVariants": []any{map[string]any{
		"VariantName": "AllTraffic", "ModelName": "resnet50", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": math.MaxInt32}}}},
	{Service: "sagemaker", Op: "CreateEndpoint", Params: map[string]any{"EndpointName": "quota", "EndpointConfigName": "quota"},
		Err: &wantErr{"ResourceLimitExceeded", "~The account-level service limit 'ml.c5.xlarge for endpoint usage' is 100 Instances, with current utilization of 0 Instances and a request delta of 2147483647 Instances.", 400}},
	{Service: "sagemaker", Op: "DeleteEndpointConfig", Params: map[string]any{"EndpointConfigName": "quota"}},
	{Service: "sagemaker", Op: "DeleteEndpointConfig", Params: map[string]any{"EndpointConfigName": "resnet50"}},
	{Service: "sagemaker", Op: "DeleteEndpointConfig", Params: map[string]any{"EndpointConfigName": "resnet50-g4dn"}},
	{Service: "sagemaker", Op: "DeleteModel", Params: map[string]any{"ModelName": "resnet50"}},
	{Service: "sagemaker", Op: "DeleteCompilationJob", Params: map[string]any{"CompilationJobName": "resnet50-ml-c5"}},
	{Service: "sagemaker", Op: "DeleteCompilationJob", Params: map[string]any{"CompilationJobName": "resnet50-stopped"}},
	{Service: "sagemaker", Op: "ListEndpoints", Want: map[string]any{"Endpoints#": 0}},
	{Service: "sagemaker", Op: "ListModels", Want: map[string]any{"Models#": 0}},
	{Service: "sagemaker", Op: "ListCompilationJobs", Want: map[string]any{"CompilationJobSummaries#": 0}, Requires: "DeleteCompilationJob"},
})

// metricSteps read the Invocations of the script's first invocation from
// CloudWatch, and an error, in the protocol each client picks and then in
// every protocol CloudWatch's service model lists.
func metricSteps() []step {
	query := func(start, end string) map[string]any {
		return map[string]any{"StartTime": start, "EndTime": end, "MetricDataQueries": []any{map[string]any{
			"Id": "invocations", "MetricStat": map[string]any{
				"Metric": map[string]any{"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": []any{
					map[string]any{"Name": "EndpointName", "Value": "resnet50"}, map[string]any{"Name": "VariantName", "Value": "AllTraffic"},
				}},
				"Period": 60, "Stat": "Sum",
			},
		}}}
	}
	var steps []step
	for _, p := range []string{"", "smithy-rpc-v2-cbor", "json", "query"} {
		steps = append(steps,
			step{Service: "cloudwatch", Protocol: p, Op: "GetMetricData", Params: query("2020-01-01T00:00:00Z", "2100-01-01T00:00:00Z"), Want: map[string]any{
				"MetricDataResults#": 1, "MetricDataResults.0.Id": "invocations", "MetricDataResults.0.StatusCode": "Complete",
				"MetricDataResults.0.Values#": 1, "MetricDataResults.0.Values.0": 1, "MetricDataResults.0.Timestamps#": 1,
			}},
			step{Service: "cloudwatch", Protocol: p, Op: "GetMetricData", Params: query("2100-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
				Err: &wantErr{"InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.", 400}},
		)
	}
	return steps
}

// modelArchive is the "model" uploaded; the emulator does not unpack it.
var modelArchive = []byte("not really a tar.gz: sagemakertest only checks that the object exists\n")
