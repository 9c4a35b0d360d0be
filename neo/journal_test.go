package neo_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestTagKeysMatchPackageSagemaker(t *testing.T) {
	if neo.TagRun != sagemaker.TagRun || neo.TagCreatedBy != sagemaker.TagCreatedBy ||
		neo.TagCreate != sagemaker.TagCreate {
		t.Error("neo's tag keys differ from package sagemaker's: CleanupRun would miss jobs")
	}
	var _ neo.Journal = (*sagemaker.Journal)(nil)
}

// notAJournal has the methods of neo.Journal but no file behind them.
type notAJournal struct{}

func (notAJournal) RunID() string { return "20261201t210504-9f3a" }
func (notAJournal) Path() string  { return "nowhere.journal" }

// A Journal that is not a *sagemaker.Journal cannot record the job, so the job is not
// created: a crash would leave it where no Cleanup looks.
func TestCompileRefusesAJournalItCannotWriteTo(t *testing.T) {
	srv, c := newServer(t, 20*time.Millisecond, func(o *neo.Options) { o.Journal = notAJournal{} })
	_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err == nil || !strings.Contains(err.Error(), "sagemaker.OpenJournal") {
		t.Fatalf("Compile with a foreign Journal: %v; want a refusal naming sagemaker.OpenJournal", err)
	}
	if n := srv.Calls("CreateCompilationJob"); n != 0 {
		t.Errorf("CreateCompilationJob calls = %d; want none", n)
	}
}

// A nil *sagemaker.Journal in the interface (not a nil interface), the zero value of
// one, or one already closed, cannot record the job either: NewCompiler does not panic,
// and Compile refuses before CreateCompilationJob.
func TestCompileRefusesANilUnopenedOrClosedSagemakerJournal(t *testing.T) {
	closed, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	for name, j := range map[string]*sagemaker.Journal{"nil": nil, "zero": {}, "closed": closed} {
		t.Run(name, func(t *testing.T) {
			srv, c := newServer(t, 20*time.Millisecond, func(o *neo.Options) { o.Journal = j })
			_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
			if err == nil {
				t.Fatal("Compile succeeded; want a refusal")
			}
			if n := srv.Calls("CreateCompilationJob"); n != 0 {
				t.Errorf("CreateCompilationJob calls = %d; want none", n)
			}
		})
	}
}

// After a lost create answer, the retry's ResourceInUse is not Compile's error: it
// recognizes the job as its own and carries on watching it.
func TestCompileLostCreateAnswerCarriesOnWithItsJob(t *testing.T) {
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	srv, c := newServer(t, 20*time.Millisecond, func(o *neo.Options) { o.Journal = j })
	srv.LoseAnswer("CreateCompilationJob", 1)
	m, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err != nil {
		t.Fatalf("Compile after a lost answer: %v", err)
	}
	if n := srv.Calls("CreateCompilationJob"); n != 2 {
		t.Errorf("CreateCompilationJob calls = %d, want the lost one and the SDK's retry", n)
	}
	if m.ArtifactURL == "" || len(srv.Leftovers()) != 0 {
		t.Errorf("artifact %q, leftovers %v", m.ArtifactURL, srv.Leftovers())
	}
	p, _ := j.Pending()
	if !slices.Contains(p, sagemaker.Resource{Kind: sagemaker.KindCompilationJob, Name: m.JobName}) {
		t.Errorf("journal pending = %v; want the job", p)
	}
	arn := "arn:aws:sagemaker:" + srv.Region() + ":" + sagemakertest.AccountID + ":compilation-job/" + m.JobName
	if tags := srv.Tags(arn); !slices.Contains(tags, sagemakertest.Tag{Key: neo.TagRun, Value: j.RunID()}) {
		t.Errorf("job tags = %v; want %s=%s", tags, neo.TagRun, j.RunID())
	}
}

// A job of the same name that is not ours is neither adopted nor stopped.
func TestCompileLeavesSomeoneElsesJobAlone(t *testing.T) {
	srv, c := newServer(t, time.Hour)
	jb := job(neo.TargetMLC5)
	smc := srv.SageMakerClient()
	ctx := context.Background()
	if _, err := smc.CreateCompilationJob(ctx, &sm.CreateCompilationJobInput{
		CompilationJobName: aws.String(jb.Name), RoleArn: aws.String(role),
		InputConfig: &types.InputConfig{S3Uri: aws.String(jb.ModelDataURL), Framework: types.FrameworkPytorch,
			FrameworkVersion: aws.String("1.8"), DataInputConfig: aws.String(`{"input0":[1,3,224,224]}`)},
		OutputConfig:      &types.OutputConfig{S3OutputLocation: aws.String(jb.OutputURL), TargetDevice: types.TargetDeviceMlC5},
		StoppingCondition: &types.StoppingCondition{MaxRuntimeInSeconds: aws.Int32(900)},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Compile(ctx, jb)
	var inUse *types.ResourceInUse
	if !errors.As(err, &inUse) {
		t.Fatalf("err = %v; want the ResourceInUse refusal", err)
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationInProgress && jobs[0].Status != sagemakertest.CompilationStarting {
		t.Errorf("the other job is %+v; want it still running", jobs)
	}
}
