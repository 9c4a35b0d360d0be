// Package smretry keeps retrying an AWS call past the SDK's own few attempts, until a
// deadline: the one loop behind package sagemaker's deletes and package neo's stops and
// ownership checks, which may not import each other.
//
// A clean-up that has minutes to run should not give up on a throttled or 5xx answer
// after the SDK's 3 attempts, yet it must end: Do returns as soon as the call succeeds,
// fails for a reason that retrying cannot fix (validation, access denied, not found:
// whatever Retryable says no to), or ctx ends.
//
//	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
//	defer cancel()
//	err := smretry.Do(ctx, smretry.Backoff{Min: time.Second, Max: 30 * time.Second}, "stop job "+name, func() error {
//		_, err := client.StopCompilationJob(ctx, in)
//		return err
//	})
package smretry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
)

// Backoff is how long Do waits between tries: the SDK's exponential backoff with
// jitter, kept within [Min, Max].
type Backoff struct {
	Min, Max time.Duration
	// Logf, if set, is told of each retry.
	Logf func(format string, args ...any)
}

// Do calls call until it returns nil, returns an error that Retryable rejects, or ctx
// ends. It returns call's last error; when ctx ended during a wait, that error says so
// (and still unwraps to the call's error).
func Do(ctx context.Context, b Backoff, what string, call func() error) error {
	lo, hi := max(b.Min, time.Millisecond), max(b.Max, b.Min, time.Millisecond)
	backoff := retry.NewExponentialJitterBackoff(hi)
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		d, derr := backoff.BackoffDelay(attempt, err)
		if derr != nil {
			d = lo
		}
		d = min(max(d, lo), hi)
		if b.Logf != nil {
			b.Logf("%s: %v; trying again in %s", what, err, d.Round(time.Millisecond))
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (still failing when the deadline came)", err)
		case <-t.C:
		}
	}
}

// Retryable reports whether err is throttling, a 5xx, a timeout or a lost connection:
// what the SDK itself retries. A request canceled by its context is not.
func Retryable(err error) bool {
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// Code is the API error code in err, "" if it carries none. S3's modelled errors
// (NoSuchUpload, NoSuchBucket, NoSuchKey, NotFound) answer theirs too.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// NotFound reports whether err says the SageMaker resource does not exist: the
// modelled ResourceNotFound, or the ValidationException ("Could not find ...",
// "... does not exist") that the operations without that error answer instead.
func NotFound(err error) bool {
	var rnf *types.ResourceNotFound
	if errors.As(err, &rnf) {
		return true
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	msg := strings.ToLower(ae.ErrorMessage())
	return ae.ErrorCode() == "ResourceNotFound" ||
		ae.ErrorCode() == "ValidationException" && (strings.Contains(msg, "could not find") || strings.Contains(msg, "does not exist"))
}
