package sagemaker

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sagebench/sagebench/internal/resname"
)

// MaxNameLen is the longest name SageMaker accepts for a model, endpoint configuration or
// endpoint.
const MaxNameLen = 63

// namePattern is SageMaker's pattern for model, endpoint config and endpoint names.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`)

// timestampLayout is the suffix the Python SDK's name_from_base appends, to the millisecond.
const timestampLayout = "2006-01-02-15-04-05.000"

var lastStamp struct {
	sync.Mutex
	t time.Time
}

// UniqueName returns base followed by "-YYYY-MM-DD-HH-MM-SS-mmm" (UTC), as the Python
// SDK's name_from_base does: a valid SageMaker resource name of at most 63 characters.
// Characters outside [a-zA-Z0-9-] become '-', leading and trailing '-' are dropped, and
// base is cut (never the suffix) to fit. An empty base becomes "sagebench".
//
// Names are unique within the process: a call in the same millisecond as the previous one
// gets the next millisecond instead, so the suffix keeps the Python SDK's shape. Separate
// processes started in the same millisecond with the same base can still collide, as with
// the Python SDK.
func UniqueName(base string) string {
	return uniqueNameAt(base, nextStamp(time.Now()))
}

func nextStamp(now time.Time) time.Time {
	now = now.UTC().Truncate(time.Millisecond)
	lastStamp.Lock()
	defer lastStamp.Unlock()
	if !now.After(lastStamp.t) {
		now = lastStamp.t.Add(time.Millisecond)
	}
	lastStamp.t = now
	return now
}

func uniqueNameAt(base string, t time.Time) string {
	return withSuffix(base, strings.Replace(t.UTC().Format(timestampLayout), ".", "-", 1))
}

// withSuffix returns sanitized base, "-" and suffix, cutting base (never the suffix) to
// fit MaxNameLen. An empty base becomes "sagebench".
func withSuffix(base, suffix string) string {
	b := resname.Dashed(base)
	if b == "" {
		b = "sagebench"
	}
	// A caller's run id can be longer than a name: keep its tail (where NewRunID's
	// random part is) and leave the base at least minBase characters.
	const minBase = 8
	if max := MaxNameLen - 1 - minBase; len(suffix) > max {
		suffix = strings.TrimLeft(suffix[len(suffix)-max:], "-")
	}
	if suffix == "" {
		return strings.Trim(b[:min(len(b), MaxNameLen)], "-")
	}
	if limit := MaxNameLen - len(suffix) - 1; len(b) > limit {
		b = strings.TrimRight(b[:limit], "-")
	}
	return b + "-" + suffix
}

// checkName validates a resource name against SageMaker's pattern.
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("%s name is empty", what)
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("%s name %q is %d characters, more than %d", what, name, len(name), MaxNameLen)
	}
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%s name %q must be letters, digits and '-', starting and ending with a letter or digit", what, name)
	}
	return nil
}
