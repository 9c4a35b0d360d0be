package smtags_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/internal/smtags"
)

// pages serves a resource's tags two to a page, as ListTags may.
type pages []types.Tag

func (p pages) ListTags(_ context.Context, in *sm.ListTagsInput, _ ...func(*sm.Options)) (*sm.ListTagsOutput, error) {
	i := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &i)
	}
	out := &sm.ListTagsOutput{Tags: p[i:min(i+2, len(p))]}
	if i+2 < len(p) {
		out.NextToken = aws.String(fmt.Sprint(i + 2))
	}
	return out, nil
}

func ExampleHasAll() {
	tags := pages{
		{Key: aws.String("team"), Value: aws.String("ml")},
		{Key: aws.String("env"), Value: aws.String("test")},
		{Key: aws.String("sagebench:run"), Value: aws.String("r1")},
	}
	ctx := context.Background()
	mine, _ := smtags.HasAll(ctx, tags, "arn:endpoint", map[string]string{"sagebench:run": "r1", "env": "test"})
	other, _ := smtags.HasAll(ctx, tags, "arn:endpoint", map[string]string{"sagebench:run": "r2"})
	fmt.Println(mine, other)
	// Output: true false
}
