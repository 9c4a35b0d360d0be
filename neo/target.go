package neo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/internal/suggest"
)

// targetRegions are the targets Neo compiles for in one region only. The source is the
// CreateCompilationJob API reference, as aws-sdk-go-v2 documents OutputConfig.TargetDevice:
// "Currently ml_trn1 is available only in US East (N. Virginia) Region, and ml_inf2 is
// available only in US East (Ohio) Region."
var targetRegions = map[Target]string{
	TargetMLTrn1: "us-east-1",
	TargetMLInf2: "us-east-2",
}

// CheckRegion returns an error if Neo does not compile for t in region. Compile calls it
// before sending anything.
func (t Target) CheckRegion(region string) error {
	only, ok := targetRegions[t]
	if !ok {
		return nil
	}
	if region == "" {
		return fmt.Errorf("neo: target %s is available only in %s, and the compiler's region is not set", t, only)
	}
	if region != only {
		return fmt.Errorf("neo: target %s is available only in %s, not %s (CreateCompilationJob API reference)", t, only, region)
	}
	return nil
}

// Check returns an error unless t is a value of aws-sdk-go-v2's types.TargetDevice
// enum, with the closest values when it is not ("ml.c5.xlarge" suggests ml_c5).
func (t Target) Check() error {
	if slices.Contains(types.TargetDevice("").Values(), types.TargetDevice(t)) {
		return nil
	}
	return fmt.Errorf("neo: target %q is not a Neo target device%s", t, suggestTarget(t))
}

// TargetFor returns the Neo target that serves instanceType: ml_inf1 for ml.inf1.xlarge.
// It fails, with the closest targets, when Neo has no target for the instance family.
func TargetFor(instanceType string) (Target, error) {
	parts := strings.Split(instanceType, ".")
	if len(parts) != 3 || parts[0] != "ml" || parts[1] == "" || parts[2] == "" {
		return "", fmt.Errorf("neo: instance type %q is not of the form ml.<family>.<size>", instanceType)
	}
	t := Target("ml_" + parts[1])
	if err := t.Check(); err != nil {
		return "", fmt.Errorf("neo: Neo has no target for %s (family %s)%s", instanceType, parts[1], suggestTarget(t))
	}
	return t, nil
}

// CheckServes returns an error unless a model compiled for t can be deployed on
// instanceType: the instance's family must be t's (ml_inf1 serves ml.inf1.*, not ml.inf2.*).
func (t Target) CheckServes(instanceType string) error {
	want, err := TargetFor(instanceType)
	switch {
	case !t.Cloud():
		return fmt.Errorf("neo: a model compiled for %s runs on the device, not on %s", t, instanceType)
	case err != nil:
		return err
	case want != t:
		return fmt.Errorf("neo: a model compiled for %s does not run on %s; compile for %s", t, instanceType, want)
	}
	return nil
}

// suggestTarget proposes the enum values closest to a mistyped target: an instance type
// such as "ml.c5.xlarge" gives ml_c5, a typo such as "ml_inf3" gives ml_inf1 or ml_inf2.
func suggestTarget(t Target) string {
	values := make([]string, 0, len(types.TargetDevice("").Values()))
	for _, v := range types.TargetDevice("").Values() {
		values = append(values, string(v))
	}
	s := strings.ToLower(strings.ReplaceAll(string(t), ".", "_"))
	for _, v := range values {
		if v == s || strings.HasPrefix(s, v+"_") {
			return fmt.Sprintf(" (did you mean %s?)", v)
		}
	}
	if c := suggest.Closest(s, values); len(c) > 0 {
		return fmt.Sprintf(" (did you mean %s?)", strings.Join(c, " or "))
	}
	return ""
}

// checkRegion is CheckRegion for a job, as an *invalid.Error of its Target.
func (j Job) checkRegion(region string) error {
	if j.TargetPlatform != nil {
		return nil
	}
	if err := j.Target.CheckRegion(region); err != nil {
		e := j.invalid()
		e.Add("Target", "%s", strings.TrimPrefix(err.Error(), "neo: "))
		return e
	}
	return nil
}
