package main

// processingSteps cover the Processing job operations: a job written for AWS (every path
// under /opt/ml) that the emulator runs as a local process on two "instances", a job
// stopped while it runs, one that fails with an exit message, listing and tagging. They
// run after the rest of the script.
var processingSteps = []step{
	{Service: "sagemaker", Op: "CreateProcessingJob", Params: processingParams("hosts",
		"cat /opt/ml/config/resourceconfig.json > /opt/ml/processing/output/rc.json", 2),
		Want: map[string]any{"ProcessingJobArn": arnPrefix + "processing-job/hosts"}},
	{Service: "sagemaker", Op: "DescribeProcessingJob", Params: map[string]any{"ProcessingJobName": "hosts"},
		Until: map[string]any{"ProcessingJobStatus": "Completed"},
		Want: map[string]any{
			"ProcessingResources.ClusterConfig.InstanceCount": 2,
			"ProcessingResources.ClusterConfig.InstanceType":  "ml.c5.xlarge",
			"StoppingCondition.MaxRuntimeInSeconds":           120,
			"AppSpecification.ContainerEntrypoint#":           3,
		}},
	{Service: "s3", Op: "HeadObject", Params: map[string]any{"Bucket": "models", "Key": "processing/hosts/rc.json"},
		Want: map[string]any{"ContentLength": len(`{"current_host":"algo-1","hosts":["algo-1","algo-2"]}`)}},
	{Service: "sagemaker", Op: "ListTags", Params: map[string]any{"ResourceArn": arnPrefix + "processing-job/hosts"},
		Want: map[string]any{"Tags#": 1, "Tags.0.Key": "sagebench:run"}},

	{Service: "sagemaker", Op: "CreateProcessingJob", Params: processingParams("long", "exec sleep 600", 1)},
	{Service: "sagemaker", Op: "StopProcessingJob", Params: map[string]any{"ProcessingJobName": "long"}},
	{Service: "sagemaker", Op: "DescribeProcessingJob", Params: map[string]any{"ProcessingJobName": "long"},
		Until: map[string]any{"ProcessingJobStatus": "Stopped"}},

	{Service: "sagemaker", Op: "CreateProcessingJob", Params: processingParams("fails",
		"echo no endpoint > /opt/ml/output/message; exit 3", 1)},
	{Service: "sagemaker", Op: "DescribeProcessingJob", Params: map[string]any{"ProcessingJobName": "fails"},
		Until: map[string]any{"ProcessingJobStatus": "Failed"},
		Want:  map[string]any{"ExitMessage": "no endpoint\n", "FailureReason": "AlgorithmError: See job logs for more information"}},

	{Service: "sagemaker", Op: "ListProcessingJobs", Params: map[string]any{"StatusEquals": "Completed"},
		Want: map[string]any{"ProcessingJobSummaries#": 1, "ProcessingJobSummaries.0.ProcessingJobName": "hosts"}},
	{Service: "sagemaker", Op: "ListProcessingJobs", Params: map[string]any{"SortBy": "Name", "SortOrder": "Ascending", "MaxResults": 2},
		Want: map[string]any{"ProcessingJobSummaries#": 2, "ProcessingJobSummaries.0.ProcessingJobName": "fails"}},
	{Service: "sagemaker", Op: "StopProcessingJob", Params: map[string]any{"ProcessingJobName": "hosts"},
		Err: &wantErr{"ValidationException", "The request was rejected because the processing job is in status Completed.", 400}},
	{Service: "sagemaker", Op: "DescribeProcessingJob", Params: map[string]any{"ProcessingJobName": "ghost"},
		Err: &wantErr{"ResourceNotFound", "Could not find requested job with name ghost", 400}},
	{Service: "sagemaker", Op: "CreateProcessingJob", Params: processingParams("too-many", "true", 101), Err: &wantErr{"ValidationException", "1 validation error detected: Value '101' at 'processingResources.clusterConfig.instanceCount' failed to satisfy constraint: Member must have value less than or equal to 100", 400}},
}

func init() { script = append(script, processingSteps...) }

// processingParams is a job running sh -c script on count instances, its output
// directory uploaded to s3://models/processing/<name>/.
func processingParams(name, script string, count int) map[string]any {
	return map[string]any{
		"ProcessingJobName": name, "RoleArn": role,
		"AppSpecification": map[string]any{
			"ImageUri":            "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
			"ContainerEntrypoint": []any{"/bin/sh", "-c", script},
		},
		"ProcessingResources": map[string]any{"ClusterConfig": map[string]any{
			"InstanceCount": count, "InstanceType": "ml.c5.xlarge", "VolumeSizeInGB": 1,
		}},
		"ProcessingOutputConfig": map[string]any{"Outputs": []any{map[string]any{
			"OutputName": "out",
			"S3Output": map[string]any{
				"S3Uri": "s3://models/processing/" + name, "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob",
			},
		}}},
		"StoppingCondition": map[string]any{"MaxRuntimeInSeconds": 120},
		"Tags":              []any{map[string]any{"Key": "sagebench:run", "Value": "conformance"}},
	}
}
