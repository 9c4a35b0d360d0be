package sagemakertest

import (
	"context"
	"time"
)

// Handler computes the response to one invocation. endpointName is the
// endpoint invoked; body and contentType are the request as sent. A returned
// error becomes a ModelError (HTTP 424) with OriginalStatusCode 500, or the
// status of an error that has a StatusCode() int method.
type Handler func(ctx context.Context, endpointName string, body []byte, contentType string) ([]byte, error)

// Option configures a [Server].
type Option func(*options)

type options struct {
	region          string
	endpointCreate  time.Duration
	endpointDelete  time.Duration
	compileDelay    time.Duration
	timeScale       float64
	handler         Handler
	profiles        map[profileKey]Profile
	maxEndpoints    int
	maxPayloadBytes int64
	serverlessSetup *time.Duration // serverless.go; nil: DefaultServerlessSetupTime
	serverlessIdle  time.Duration  // serverless.go; 0: containers stay warm
}

// Default lifecycle delays; see [WithEndpointDelays] and
// [WithCompilationDelay].
const (
	DefaultEndpointCreateDelay = 100 * time.Millisecond
	DefaultEndpointDeleteDelay = 50 * time.Millisecond
	DefaultCompilationDelay    = 150 * time.Millisecond
)

func defaultOptions() options {
	return options{
		region:          "eu-west-1",
		endpointCreate:  DefaultEndpointCreateDelay,
		endpointDelete:  DefaultEndpointDeleteDelay,
		compileDelay:    DefaultCompilationDelay,
		timeScale:       1,
		profiles:        defaultProfiles(),
		maxPayloadBytes: MaxPayloadBytes,
	}
}

// WithRegion sets the region the emulator answers for; the default is
// eu-west-1, the region of the reference study.
func WithRegion(region string) Option {
	return func(o *options) {
		if region != "" {
			o.region = region
		}
	}
}

// WithEndpointDelays sets how long an endpoint stays Creating (and Updating)
// and how long it stays Deleting. Defaults: 100ms and 50ms. Negative values
// are taken as zero.
func WithEndpointDelays(create, del time.Duration) Option {
	return func(o *options) {
		o.endpointCreate = max(create, 0)
		o.endpointDelete = max(del, 0)
	}
}

// WithCompilationDelay sets how long a compilation job stays INPROGRESS before
// it completes or fails. Default: 150ms.
func WithCompilationDelay(d time.Duration) Option {
	return func(o *options) { o.compileDelay = max(d, 0) }
}

// WithTimeScale multiplies every emulated device time by f: 0.1 makes the
// runtime ten times faster (and ten times the throughput), 0 removes the hold.
// Lifecycle delays are not scaled. Negative values are taken as zero.
func WithTimeScale(f float64) Option {
	return func(o *options) { o.timeScale = max(f, 0) }
}

// WithHandler replaces the [DefaultHandler] for every endpoint, to serve a
// real model or check requests. The profile's device-time hold and worker
// limit still apply; use WithTimeScale(0) to remove the hold.
func WithHandler(h Handler) Option {
	return func(o *options) { o.handler = h }
}

// WithProfile sets the profile used for endpoints on instanceType, for Neo
// compiled models when compiled is true and for plain ones otherwise.
func WithProfile(instanceType string, compiled bool, p Profile) Option {
	return func(o *options) {
		o.profiles[profileKey{instanceType, compiled}] = p
	}
}

// WithMaxEndpoints makes CreateEndpoint fail with ResourceLimitExceeded once n
// endpoints exist, like an account quota. 0 (the default) means no limit.
func WithMaxEndpoints(n int) Option {
	return func(o *options) { o.maxEndpoints = max(n, 0) }
}
