package neo

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/invalid"
)

// Patterns from the CreateCompilationJob API reference.
var (
	jobNameRE = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`)
	roleARNRE = regexp.MustCompile(`^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	versionRE = regexp.MustCompile(`^[0-9]\.[A-Za-z0-9.]+$`)
)

// maxDataInputConfig is the API's length limit on DataInputConfig.
const maxDataInputConfig = 1024

// Validate reports every problem that would make Neo reject the job, or make
// it compile something that cannot be served, as an *invalid.Error whose problems' Field
// is the Job field at fault (Name, ModelDataURL, OutputURL, RoleARN, Framework,
// FrameworkVersion, Target, TargetPlatform, InputShapes, MaxRuntime, EntryPoint). It sends
// no request. The framework/target rules are the SageMaker Python SDK's
// (NEO_ALLOWED_FRAMEWORKS and the inferentia-* image configs) plus the Neuron
// SDK's framework matrix for ml_inf2 and ml_trn1.
func (j Job) Validate() error {
	e := j.invalid()
	add := e.Add

	if !jobNameRE.MatchString(j.Name) {
		add("Name", "name %q must be 1-63 letters, digits or hyphens, starting and ending with a letter or digit", j.Name)
	}
	if err := checkS3URL(j.ModelDataURL, true); err != nil {
		add("ModelDataURL", "model data URL: %v", err)
	} else if !strings.HasSuffix(j.ModelDataURL, ".tar.gz") {
		add("ModelDataURL", "model data URL %q must name a .tar.gz archive", j.ModelDataURL)
	}
	if err := checkS3URL(j.OutputURL, false); err != nil {
		add("OutputURL", "output URL: %v", err)
	}
	if !roleARNRE.MatchString(j.RoleARN) {
		add("RoleARN", "role ARN %q is not of the form arn:aws:iam::123456789012:role/Name", j.RoleARN)
	}
	if !slices.Contains(frameworks, j.Framework) {
		add("Framework", "framework %q is not one Neo compiles (want one of %s)", j.Framework, joinFrameworks(frameworks))
	}
	if v := j.FrameworkVersion; v != "" && (!versionRE.MatchString(v) || len(v) > 10) {
		add("FrameworkVersion", "framework version %q is not a version like 1.8 or 1.8.1", v)
	}
	if j.FrameworkVersion == "" && j.needsVersionForImage() {
		add("FrameworkVersion", "framework version is required for %s on %s: the inference image that serves the compiled model depends on it", j.Framework, j.Target)
	}
	j.checkTarget(e)
	j.checkShapes(e)
	switch rt := j.MaxRuntime; {
	case rt < 0:
		add("MaxRuntime", "max runtime %v is negative", rt)
	case rt > maxRuntimeLimit:
		add("MaxRuntime", "max runtime %v exceeds the API limit of %v", rt, maxRuntimeLimit)
	case rt%time.Second != 0:
		add("MaxRuntime", "max runtime %v is not a whole number of seconds", rt)
	}
	if strings.ContainsAny(j.EntryPoint, "/\\") {
		add("EntryPoint", "entry point %q must be a file name inside the archive's code/ directory", j.EntryPoint)
	}
	return e.Err()
}

// invalid is the error of j's problems, none yet.
func (j Job) invalid() *invalid.Error {
	return &invalid.Error{Subject: fmt.Sprintf("Neo compilation job %q", j.Name)}
}

// needsVersionForImage reports whether the job's serving image is chosen by
// framework version: a cloud target and a framework with Neo images.
func (j Job) needsVersionForImage() bool {
	return j.TargetPlatform == nil && j.Target.Cloud() && slices.Contains([]Framework{PyTorch, TensorFlow, MXNet}, j.Framework)
}

// checkTarget adds to e the problems of the target device or platform and its framework.
func (j Job) checkTarget(e *invalid.Error) {
	switch {
	case j.Target == "" && j.TargetPlatform == nil:
		e.Add("Target", "set a target device (e.g. ml_c5) or a target platform")
		return
	case j.Target != "" && j.TargetPlatform != nil:
		e.Add("TargetPlatform", "set a target device (%s) or a target platform (%s), not both", j.Target, j.TargetPlatform)
		return
	case j.TargetPlatform != nil:
		j.TargetPlatform.check(e)
		return
	}
	if err := j.Target.Check(); err != nil {
		e.Add("Target", "%s", strings.TrimPrefix(err.Error(), "neo: "))
		return
	}
	if ok := neuronFrameworks(j.Target); ok != nil && !slices.Contains(ok, j.Framework) && slices.Contains(frameworks, j.Framework) {
		e.Add("Framework", "Neo does not compile %s models for %s (it supports %s there)",
			j.Framework, j.Target, joinFrameworks(ok))
	}
}

// neuronFrameworks lists the frameworks Neo compiles for a Neuron target, or
// nil when the target is not one. ml_inf1: the frameworks the Python SDK has
// inferentia-* images for (and sends versions for). ml_inf2/ml_trn1: the
// Neuron SDK's NeuronX frameworks; MXNet stops at Inf1.
func neuronFrameworks(t Target) []Framework {
	switch {
	case t == TargetMLInf1:
		return []Framework{PyTorch, TensorFlow, MXNet}
	case t.neuron():
		return []Framework{PyTorch, TensorFlow}
	}
	return nil
}

func (p Platform) check(e *invalid.Error) {
	if !slices.Contains(types.TargetPlatformOs("").Values(), types.TargetPlatformOs(p.OS)) {
		e.Add("TargetPlatform.OS", "target platform OS %q is not one of %v", p.OS, types.TargetPlatformOs("").Values())
	}
	if !slices.Contains(types.TargetPlatformArch("").Values(), types.TargetPlatformArch(p.Arch)) {
		e.Add("TargetPlatform.Arch", "target platform arch %q is not one of %v", p.Arch, types.TargetPlatformArch("").Values())
	}
	if p.Accelerator != "" && !slices.Contains(types.TargetPlatformAccelerator("").Values(), types.TargetPlatformAccelerator(p.Accelerator)) {
		e.Add("TargetPlatform.Accelerator", "target platform accelerator %q is not one of %v", p.Accelerator, types.TargetPlatformAccelerator("").Values())
	}
}

// checkShapes adds to e the problems of the input names and dimensions and the encoded size.
func (j Job) checkShapes(e *invalid.Error) {
	if len(j.InputShapes) == 0 {
		e.Add("InputShapes", `input shapes are missing (e.g. {"input0": [1, 3, 224, 224]})`)
		return
	}
	before := len(e.Problems)
	for _, name := range sortedKeys(j.InputShapes) {
		shape := j.InputShapes[name]
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
			e.Add("InputShapes", "input name %q must be non-empty without spaces or control characters", name)
		}
		if len(shape) == 0 {
			e.Add("InputShapes", "input %q has no dimensions", name)
		}
		for i, d := range shape {
			if d <= 0 {
				e.Add("InputShapes", "input %q dimension %d is %d; dimensions must be positive", name, i, d)
			}
		}
	}
	if len(e.Problems) == before {
		if s, err := j.DataInputConfig(); err == nil && len(s) > maxDataInputConfig {
			e.Add("InputShapes", "input shapes encode to %d bytes; the API takes at most %d", len(s), maxDataInputConfig)
		}
	}
}

// checkS3URL checks s3://bucket[/key] against S3's bucket naming rules. A key
// is required when needKey is set.
func checkS3URL(u string, needKey bool) error {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return fmt.Errorf("%q is not an s3:// URI", u)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if err := checkBucket(bucket); err != nil {
		return fmt.Errorf("%q: %w", u, err)
	}
	if needKey && key == "" {
		return fmt.Errorf("%q names a bucket but no object", u)
	}
	if len(key) > 1024 {
		return fmt.Errorf("%q: object key longer than 1024 bytes", u)
	}
	return nil
}

// checkBucket applies the general-purpose bucket naming rules.
func checkBucket(b string) error {
	switch {
	case len(b) < 3 || len(b) > 63:
		return fmt.Errorf("bucket name %q must be 3-63 characters", b)
	case strings.IndexFunc(b, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '.' && r != '-'
	}) >= 0:
		return fmt.Errorf("bucket name %q may hold only lowercase letters, digits, dots and hyphens", b)
	case !isAlnum(b[0]) || !isAlnum(b[len(b)-1]):
		return fmt.Errorf("bucket name %q must start and end with a letter or digit", b)
	case strings.Contains(b, ".."):
		return fmt.Errorf("bucket name %q must not contain two adjacent dots", b)
	case isIPv4(b):
		return fmt.Errorf("bucket name %q must not be formatted as an IP address", b)
	case strings.HasPrefix(b, "xn--") || strings.HasPrefix(b, "sthree-"):
		return fmt.Errorf("bucket name %q uses a reserved prefix", b)
	case strings.HasSuffix(b, "-s3alias") || strings.HasSuffix(b, "--ol-s3"):
		return fmt.Errorf("bucket name %q uses a reserved suffix", b)
	}
	return nil
}

func isAlnum(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

func joinFrameworks(fs []Framework) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
