// Package smtags answers whether a SageMaker resource carries a set of tags: the one
// ownership check behind package sagemaker's and package neo's clean-ups, which may not
// import each other.
package smtags

import (
	"context"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
)

// Lister is the one SageMaker call HasAll needs.
type Lister interface {
	ListTags(ctx context.Context, in *sm.ListTagsInput, optFns ...func(*sm.Options)) (*sm.ListTagsOutput, error)
}

// HasAll reports whether the resource at arn carries every key = value of want, reading
// every page of its tags. ListTags errors are returned as they came, for the caller to
// judge (a resource gone meanwhile, throttling).
func HasAll(ctx context.Context, l Lister, arn string, want map[string]string) (bool, error) {
	want = maps.Clone(want)
	in := &sm.ListTagsInput{ResourceArn: aws.String(arn)}
	for {
		out, err := l.ListTags(ctx, in)
		if err != nil {
			return false, err
		}
		for _, t := range out.Tags {
			if v, ok := want[aws.ToString(t.Key)]; ok && v == aws.ToString(t.Value) {
				delete(want, aws.ToString(t.Key))
			}
		}
		if len(want) == 0 {
			return true, nil
		}
		if aws.ToString(out.NextToken) == "" {
			return false, nil
		}
		in.NextToken = out.NextToken
	}
}
