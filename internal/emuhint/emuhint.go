// Package emuhint carries, inside an aws.Config, what an emulated service says about
// itself, so that code given only the config can adapt: poll at the emulator's pace
// instead of AWS's (endpoint and compilation waits), skip the wait for CloudWatch to hold
// complete metrics, and label results measured on a made-up profile. The emulator
// (sagemakertest) puts a Hint in the aws.Config its Config returns; a config for AWS has
// none, and the AWS defaults apply. Settings a caller gives explicitly still win, except
// that a service whose metrics are complete at once needs no wait for them.
//
// The Hint travels in aws.Config.ConfigSources, which holds arbitrary values: the SDK
// looks there only for values of its own interfaces, which a Hint does not implement.
package emuhint

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Hint is what an emulated service says about itself.
type Hint struct {
	// PollInterval and MaxPollInterval bound the wait between Describe calls while an
	// endpoint or a compilation job changes state.
	PollInterval, MaxPollInterval time.Duration
	// MetricsAtOnce says that CloudWatch holds every datapoint as soon as its request
	// ended, so reading the metrics needs no wait.
	MetricsAtOnce bool
	// Generic, if set, reports whether endpoints of an instance type (for a Neo-compiled
	// model or not) are served by a generic profile rather than a calibrated one.
	Generic func(instanceType string, compiled bool) bool
}

// With returns cfg carrying h; cfg's own ConfigSources are not modified.
func With(cfg aws.Config, h Hint) aws.Config {
	cfg.ConfigSources = append(append([]any(nil), cfg.ConfigSources...), h)
	return cfg
}

// Of returns the Hint cfg carries, the last if several; ok is false if it carries none.
func Of(cfg aws.Config) (h Hint, ok bool) {
	for _, s := range cfg.ConfigSources {
		if v, isHint := s.(Hint); isHint {
			h, ok = v, true
		}
	}
	return h, ok
}
