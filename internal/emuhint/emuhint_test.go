package emuhint

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestWithAddsAHintThatOfReadsBack(t *testing.T) {
	base := aws.Config{Region: "eu-west-1", ConfigSources: []any{"other"}}
	if _, ok := Of(base); ok {
		t.Fatal("a config without a Hint has one")
	}
	cfg := With(base, Hint{PollInterval: time.Millisecond, MaxPollInterval: time.Second, MetricsAtOnce: true,
		Generic: func(it string, _ bool) bool { return it == "ml.g5.xlarge" }})
	got, ok := Of(cfg)
	if !ok || got.PollInterval != time.Millisecond || got.MaxPollInterval != time.Second || !got.MetricsAtOnce ||
		got.Generic == nil || !got.Generic("ml.g5.xlarge", false) || got.Generic("ml.c5.xlarge", false) {
		t.Errorf("Of = %+v, %v", got, ok)
	}
	if len(base.ConfigSources) != 1 {
		t.Errorf("With modified the caller's ConfigSources: %v", base.ConfigSources)
	}
}
