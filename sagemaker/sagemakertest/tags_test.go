package sagemakertest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestTagsOnCreateAndAddListDelete(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	out, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{
		ModelName: aws.String("m"), ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage)},
		Tags:             []types.Tag{{Key: aws.String("sagebench:run"), Value: aws.String("r1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.ModelArn
	if _, err := sm.AddTags(ctx, &sagemaker.AddTagsInput{ResourceArn: arn, Tags: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("ml")},
		{Key: aws.String("sagebench:run"), Value: aws.String("r2")}, // overwrites
	}}); err != nil {
		t.Fatal(err)
	}
	got := listTags(t, sm, arn)
	if want := "sagebench:run=r2,team=ml"; got != want {
		t.Errorf("tags = %s, want %s", got, want)
	}
	if _, err := sm.DeleteTags(ctx, &sagemaker.DeleteTagsInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := listTags(t, sm, arn), "sagebench:run=r2"; got != want {
		t.Errorf("after DeleteTags: %s, want %s", got, want)
	}
	if _, err := sm.DeleteModel(ctx, &sagemaker.DeleteModelInput{ModelName: aws.String("m")}); err != nil {
		t.Fatal(err)
	}
	_, err = sm.ListTags(ctx, &sagemaker.ListTagsInput{ResourceArn: arn})
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) {
		t.Errorf("ListTags of a deleted model: %v, want ResourceNotFound", err)
	}
}

func listTags(t *testing.T, sm *sagemaker.Client, arn *string) string {
	t.Helper()
	var kv []string
	p := sagemaker.NewListTagsPaginator(sm, &sagemaker.ListTagsInput{ResourceArn: arn})
	for p.HasMorePages() {
		page, err := p.NextPage(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range page.Tags {
			kv = append(kv, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
	}
	return strings.Join(kv, ",")
}

func TestTagValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = types.Tag{Key: aws.String("k" + strings.Repeat("x", i)), Value: aws.String("v")}
	}
	cases := map[string][]types.Tag{
		"51 tags":        many,
		"empty key":      {{Key: aws.String(""), Value: aws.String("v")}},
		"129-char key":   {{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("v")}},
		"257-char value": {{Key: aws.String("k"), Value: aws.String(strings.Repeat("v", 257))}},
		"key pattern":    {{Key: aws.String("bad*key"), Value: aws.String("v")}},
		"value pattern":  {{Key: aws.String("k"), Value: aws.String("bad;value")}},
		"aws: prefix":    {{Key: aws.String("aws:owner"), Value: aws.String("v")}},
	}
	for name, tags := range cases {
		_, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
			EndpointConfigName: aws.String("c"), Tags: tags,
			ProductionVariants: []types.ProductionVariant{{VariantName: aws.String("AllTraffic"), ModelName: aws.String("m"),
				InstanceType: types.ProductionVariantInstanceTypeMlC5Xlarge, InitialInstanceCount: aws.Int32(1)}},
		})
		if errorCode(err) != "ValidationException" {
			t.Errorf("%s: %v, want ValidationException", name, err)
		}
	}
	if got := srv.EndpointConfigs(); len(got) != 0 {
		t.Errorf("a refused create left %v", got)
	}
	// 50 tags of the longest key and value are fine.
	ok := make([]types.Tag, 50)
	for i := range ok {
		ok[i] = types.Tag{Key: aws.String(strings.Repeat("k", 125) + ":" + string(rune('a'+i%26)) + string(rune('a'+i/26))),
			Value: aws.String(strings.Repeat("v", 256))}
	}
	if _, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{ModelName: aws.String("m"), ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage)}, Tags: ok}); err != nil {
		t.Errorf("50 tags at the limits: %v", err)
	}
}

func TestDeleteCompilationJobOnlyWhenFinished(t *testing.T) {
	srv := newServer(t, sagemakertest.WithCompilationDelay(time.Hour))
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	_ = srv.PutObject("models", "m.tar.gz", []byte("x"))
	if _, err := sm.CreateCompilationJob(ctx, compileInput("j", "s3://models/m.tar.gz", "ml_c5")); err != nil {
		t.Fatal(err)
	}
	_, err := sm.DeleteCompilationJob(ctx, &sagemaker.DeleteCompilationJobInput{CompilationJobName: aws.String("j")})
	if errorCode(err) != "ValidationException" {
		t.Fatalf("deleting a running job: %v, want ValidationException", err)
	}
	fast := newServer(t, sagemakertest.WithCompilationDelay(time.Millisecond))
	fsm := fast.SageMakerClient()
	_ = fast.PutObject("models", "m.tar.gz", []byte("x"))
	if _, err := fsm.CreateCompilationJob(ctx, compileInput("j", "s3://models/m.tar.gz", "ml_c5")); err != nil {
		t.Fatal(err)
	}
	waitJob(t, fsm, "j")
	if _, err := fsm.DeleteCompilationJob(ctx, &sagemaker.DeleteCompilationJobInput{CompilationJobName: aws.String("j")}); err != nil {
		t.Fatal(err)
	}
	if jobs := fast.CompilationJobs(); len(jobs) != 0 {
		t.Errorf("jobs after delete: %v", jobs)
	}
	_, err = fsm.DeleteCompilationJob(ctx, &sagemaker.DeleteCompilationJobInput{CompilationJobName: aws.String("j")})
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) {
		t.Errorf("deleting it again: %v, want ResourceNotFound", err)
	}
}

func TestLoseAnswerPerformsTheCreateAndTheRetrySeesIt(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	srv.LoseAnswer("CreateModel", 1)
	_, err := sm.CreateModel(ctxT(t), &sagemaker.CreateModelInput{ModelName: aws.String("m"), ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage)}})
	if err == nil || !strings.Contains(err.Error(), "already existing") {
		t.Errorf("err = %v; want the retry's \"Cannot create already existing model\"", err)
	}
	if n := srv.Calls("CreateModel"); n != 2 {
		t.Errorf("CreateModel calls = %d, want 2 (the lost one and the SDK's retry)", n)
	}
	if got := srv.Models(); len(got) != 1 {
		t.Errorf("models = %v, want the one the lost call created", got)
	}
}
