package sagebench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/catalog"
	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/internal/resname"
	"github.com/sagebench/sagebench/internal/suggest"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
)

// maxStudyName leaves room in a 63-character resource name for the candidate's position,
// the attempt and the run id.
const maxStudyName = 24

// Plan is what a study will do, worked out without any AWS call: the region and bucket,
// the candidates already measured in OutputDir, and the bill estimate.
type Plan struct {
	Region, Bucket string
	MaxParallel    int
	// Resumed names the candidates whose results OutputDir already holds.
	Resumed []string
	// Bill is the estimated bill, which MaxCostUSD is checked against.
	Bill Bill
	// Notes says what the study will do that the candidates do not show, one line each,
	// such as an uncompiled model on an Inferentia instance running on its CPUs. Run
	// puts each candidate's in its Outcome's Candidate.Note too.
	Notes []string

	// bucketOwner is the account of the default bucket, whose S3 calls expect it as
	// owner; "" for a Bucket the study was given.
	bucketOwner  string
	resumed      map[string]*savedResult
	perCandidate map[string]float64 // estimated USD
	hourly       map[string]float64 // USD per instance-hour
	notes        map[string]string  // by candidate name: what Notes says of it
}

// errNilStudy is Plan's and Run's answer on a nil *Study.
var errNilStudy = errors.New("sagebench: nil *Study")

// Plan validates the study for the SageMaker cfg reaches, lists every problem at once in
// an *invalid.Error (each Problem's Field is the Study field at fault, such as "RoleARN",
// "Load" or "Candidates[2].InstanceType"), and estimates the bill: over MaxCostUSD, it returns the plan with a
// *BudgetError, the error Run would refuse the study with. It makes no AWS call; Run
// starts with it. A study without Prices reads them first (Study.PriceTable: the public
// Price List, which needs no credentials, or the embedded table).
func (s *Study) Plan(cfg aws.Config) (*Plan, error) {
	if s == nil {
		return nil, errNilStudy
	}
	p := &Plan{Region: orDefault(s.Region, cfg.Region), Bucket: s.Bucket, MaxParallel: s.MaxParallel,
		perCandidate: map[string]float64{}, hourly: map[string]float64{}, notes: map[string]string{}}
	if p.MaxParallel <= 0 {
		p.MaxParallel = 2
	}
	e := &invalid.Error{Subject: "study"}
	add := e.Add
	addAll := func(field string, probs []string) {
		for _, q := range probs {
			add(field, "%s", q)
		}
	}

	if s.Name != "" && (len(s.Name) > maxStudyName || resname.Dashed(s.Name) != s.Name) {
		add("Name", "Name %q must be at most %d letters, digits and inner '-': it starts every resource name", s.Name, maxStudyName)
	}
	regionOK := false
	switch {
	case p.Region == "":
		add("Region", "no region: set Study.Region or the aws.Config's")
	case !slices.Contains(catalog.Regions(), p.Region):
		msg := fmt.Sprintf("unknown region %q: SageMaker's images are published in none of that name", p.Region)
		if c := suggest.Closest(p.Region, catalog.Regions()); len(c) > 0 {
			msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(c, " or "))
		}
		add("Region", "%s", msg)
	default:
		regionOK = true
	}
	if s.Journal != nil {
		f := journal.Of(s.Journal)
		switch err := f.Writable(); {
		case err != nil:
			add("Journal", "the journal cannot record the run's creates: %v", strings.TrimPrefix(err.Error(), "sagemaker: "))
		case regionOK && f.Region() != "" && f.Region() != p.Region:
			// A journal serves one region: every create would be refused.
			add("Journal", "the journal %s records a run in %s, not %s: use another journal (or Study.Region %s to resume that run)", f.Path(), f.Region(), p.Region, f.Region())
		}
	}
	// Only existing endpoints: nothing is deployed, so no model, role or bucket is needed.
	deploys := len(s.Candidates) == 0 || slices.ContainsFunc(s.Candidates, func(c Candidate) bool { return !c.Existing() })
	if s.RoleARN == "" && deploys {
		add("RoleARN", "no RoleARN: SageMaker needs an IAM role to assume")
	}
	if p.Bucket == "" && deploys {
		if parts := strings.Split(s.RoleARN, ":"); len(parts) >= 6 && parts[2] == "iam" && parts[4] != "" {
			p.Bucket, p.bucketOwner = sagemaker.DefaultBucket(p.Region, parts[4]), parts[4]
		} else if s.RoleARN != "" {
			add("RoleARN", "RoleARN %q is not an IAM role ARN to take the bucket's account from; set Bucket", s.RoleARN)
		}
	}
	if s.Model == nil {
		if deploys {
			add("Model", "no Model: a LocalModel or an S3Model")
		}
	} else {
		addAll("Model", s.Model.problems())
	}
	if s.Prices == nil {
		s = s.priced(context.Background(), cfg) // prices.go
	}
	addAll("Load", loadProblems(s.Load))
	addAll("Sweep", sweepProblems(s.Sweep))
	benchProblems(e, s)
	s.loadOnProblems(e, p.Region) // loadon.go
	if math.IsNaN(s.MaxCostUSD) || s.MaxCostUSD < 0 {
		add("MaxCostUSD", "MaxCostUSD %v is not a bound: set a positive number, or 0 for none", s.MaxCostUSD)
	}
	addAll("ServerMetrics", s.ServerMetrics.problems())
	if s.MaxCostUSD > 0 && s.Load.Requests > 0 && s.Load.Duration == 0 {
		add("Load.Requests", "Load.Requests alone has no time bound to check MaxCostUSD against: set Load.Duration too (the first reached ends the load)")
	}
	if len(s.Candidates) == 0 {
		add("Candidates", "no Candidates: see Matrix")
	}
	names := map[string]bool{}
	instanceTypes := smtypes.ProductionVariantInstanceType("").Values()
	for i, c := range s.Candidates {
		label := fmt.Sprintf("candidate %d %q", i+1, c.Name)
		field := fmt.Sprintf("Candidates[%d]", i)
		switch {
		case c.Name == "":
			add(field+".Name", "candidate %d has no name", i+1)
		case names[c.Name]:
			add(field+".Name", "%s: duplicate name", label)
		case !utf8.ValidString(c.Name) || strings.ContainsFunc(c.Name, unicode.IsControl):
			// A line break or an escape sequence in a name would break every report line and
			// event it is printed in; the reports escape the rest (see report.Escape).
			add(field+".Name", "%s: the name has a control character (a line break, a tab, an escape) or is not UTF-8", label)
		}
		names[c.Name] = true
		if c.Existing() {
			existingProblems(e, field, label, c)
			continue
		}
		// The model's environment is checked by SageMaker's rules here, not by Deploy's
		// once the archive is uploaded (and compiled).
		var envErr *invalid.Error
		if errors.As((sagemaker.ModelSpec{Env: c.Env}).Validate(), &envErr) {
			for _, q := range envErr.Problems {
				if q.Field == "Env" {
					add(field+".Env", "%s: %s", label, q.Message)
				}
			}
		}
		if c.IsServerless() { // serverless.go
			s.serverlessProblems(e, field, label, c, p)
			continue
		}
		if err := sagemaker.CheckInstanceType(c.InstanceType); err != nil || !slices.Contains(instanceTypes, smtypes.ProductionVariantInstanceType(c.InstanceType)) {
			msg := fmt.Sprintf("unknown instance type %q", c.InstanceType)
			if err != nil { // CheckInstanceType's suggestion: "(did you mean ml.g5.xlarge?)"
				if _, hint, ok := strings.Cut(err.Error(), " (did you mean"); ok {
					msg += " (did you mean" + hint
				}
			}
			add(field+".InstanceType", "%s: %s", label, msg)
			continue
		}
		if c.InstanceCount < 0 || c.InstanceCount > sagemaker.MaxInstanceCount {
			add(field+".InstanceCount", "%s: instance count %d is outside 0 (meaning 1) to %d", label, c.InstanceCount, sagemaker.MaxInstanceCount)
		}
		switch {
		case c.Compiled():
			s.targetProblems(e, field, label, c, p.Region, regionOK)
			if c.FrameworkVersion != "" {
				add(field+".FrameworkVersion", "%s: FrameworkVersion is for uncompiled candidates; a compiled one's is Study.NeoVersions[%s]", label, c.Target)
			}
		case c.Image == "" && regionOK:
			img, err := p.imageFor(s, c)
			if err != nil {
				add(field+".Image", "%s: %v", label, err)
			} else if note := onCPU(c, img); note != "" {
				p.notes[c.Name] = note
				p.Notes = append(p.Notes, c.Name+": "+note)
			}
		}
		if s.Prices != nil {
			if price, err := s.Prices.Lookup(p.Region, c.InstanceType); err == nil {
				p.hourly[c.Name] = price.USDPerHour
			} else if s.MaxCostUSD > 0 {
				add(field+".InstanceType", "%s: no price to check MaxCostUSD against: %v", label, err)
			}
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	resumed, err := s.loadResults(p.Region)
	if err != nil {
		return nil, err
	}
	p.resumed = resumed
	for _, c := range s.Candidates {
		if resumed[c.Name] != nil {
			p.Resumed = append(p.Resumed, c.Name)
		}
	}
	p.Bill = s.bill(p)
	if s.MaxCostUSD > 0 && p.Bill.USD > s.MaxCostUSD {
		return p, &BudgetError{Bill: p.Bill, MaxUSD: s.MaxCostUSD}
	}
	return p, nil
}

// onCPU is the note of an uncompiled candidate on an Inferentia or Trainium instance
// served by img, a CPU image: the model runs on the instance's vCPUs, not on its
// NeuronCores, which need a Neuron-compiled model. "" for other candidates, and for
// those whose Note already speaks of the CPU.
func onCPU(c Candidate, img string) string {
	proc, _ := sagemaker.ProcessorFor(c.InstanceType)
	if proc != sagemaker.Inferentia && proc != sagemaker.Trainium || strings.Contains(c.Note, "CPU") {
		return ""
	}
	tag := img[strings.LastIndex(img, "/")+1:]
	fix := "set Image to a Neuron container"
	if t, err := neo.TargetFor(c.InstanceType); err == nil {
		fix = fmt.Sprintf("compile it with Neo for %s, or %s", t, fix)
	}
	return fmt.Sprintf("uncompiled, served by the CPU image %s: it runs on the %s's vCPUs, not its NeuronCores (%s)", tag, c.InstanceType, fix)
}

// imageFor resolves the serving image of an uncompiled candidate without an override.
func (p *Plan) imageFor(s *Study, c Candidate) (string, error) {
	if s.framework() != neo.PyTorch {
		return "", fmt.Errorf("no image table for %s models: set the candidate's Image", s.framework())
	}
	spec := sagemaker.ImageSpec{Region: p.Region, FrameworkVersion: orDefault(c.FrameworkVersion, s.FrameworkVersion), InstanceType: c.InstanceType}
	if proc, _ := sagemaker.ProcessorFor(c.InstanceType); proc == sagemaker.Inferentia || c.IsServerless() {
		spec.InstanceType, spec.Processor = "", sagemaker.CPU
	}
	return sagemaker.PyTorchImage(spec)
}

// Image is the serving image of candidate c in region, as Run would resolve it when
// Neo reports none: c.Image if set, else the Python SDK's image for the candidate's Neo
// target and job version, or for its framework version (c.FrameworkVersion, else the
// study's) on its instance type.
func (s *Study) Image(region string, c Candidate) (string, error) {
	switch {
	case c.Image != "":
		return c.Image, nil
	case c.Compiled():
		j := s.job(c.Target, "", "")
		return neo.ImageURI(region, c.Target, j.Framework, j.FrameworkVersion)
	}
	return (&Plan{Region: region}).imageFor(s, c)
}

// targetProblems adds to e what is wrong with c's Neo target (candidate field): it must
// fit the instance type, and Neo's job and image must exist for the study's framework and
// version.
func (s *Study) targetProblems(e *invalid.Error, field, label string, c Candidate, region string, regionOK bool) {
	switch want, err := neo.TargetFor(c.InstanceType); {
	case err != nil:
		e.Add(field+".Target", "%s: %s: measure this candidate uncompiled", label, strings.TrimPrefix(err.Error(), "neo: "))
		return // Neo's job would only say it again
	case c.Target != want:
		e.Add(field+".Target", "%s: Neo target %s does not fit instance type %s (want %s)", label, c.Target, c.InstanceType, want)
	}
	if !regionOK {
		return // the region is reported once, above
	}
	if err := c.Target.CheckRegion(region); err != nil {
		e.Add(field+".Target", "%s: %s: set Study.Region to it, or measure this candidate uncompiled", label, strings.TrimPrefix(err.Error(), "neo: "))
	}
	j := s.job(c.Target, "s3://bucket/model.tar.gz", "s3://bucket/out")
	var ne *invalid.Error
	if err := j.Validate(); errors.As(err, &ne) {
		for _, q := range ne.Problems {
			if s.RoleARN == "" && q.Field == "RoleARN" {
				continue // a missing role is reported once, above
			}
			if sf := s.neoJobField(c.Target, q.Field); sf != "" {
				// A Study field every compiled candidate's job takes: said once, of it.
				if p := (invalid.Problem{Field: sf, Message: sf + ": " + q.Message}); !slices.Contains(e.Problems, p) {
					e.Problems = append(e.Problems, p)
				}
				continue
			}
			e.Add(field+".Target", "%s: Neo job: %s", label, q.Message)
		}
	} else if err != nil {
		e.Add(field+".Target", "%s: Neo job: %v", label, err)
	}
	if c.Image == "" && c.Target.Check() == nil { // an unknown target is reported once, above
		if _, err := neo.ImageURI(region, c.Target, j.Framework, j.FrameworkVersion); err != nil {
			e.Add(field+".Target", "%s: %v; or set the candidate's Image to the container that serves it", label, err)
		}
	}
}

// neoJobField is the Study field that the field of s.job(target, ...) named by a Neo
// job problem comes from, or "" when it is the candidate's own (its Target).
func (s *Study) neoJobField(target neo.Target, jobField string) string {
	switch jobField {
	case "RoleARN", "Framework", "InputShapes", "EntryPoint":
		return jobField
	case "MaxRuntime":
		return "CompileTimeout"
	case "FrameworkVersion":
		if _, ok := s.NeoVersions[target]; ok {
			return "NeoVersions[" + string(target) + "]"
		}
		return "FrameworkVersion"
	}
	return ""
}

func loadProblems(l bench.Config) []string {
	var probs []string
	if len(l.Payloads) == 0 {
		probs = append(probs, "Load has no Payloads")
	}
	for _, pl := range l.Payloads {
		if len(pl.Body) > payload.MaxBytes {
			probs = append(probs, fmt.Sprintf("payload %q is %d bytes, over InvokeEndpoint's 6 MB", pl.Name, len(pl.Body)))
		}
	}
	if l.Concurrency < 0 || l.Rate < 0 || l.Duration < 0 || l.Warmup < 0 || l.Requests < 0 {
		probs = append(probs, "Load has a negative Concurrency, Rate, Duration, Warmup or Requests")
	}
	return probs
}

// existingProblems adds to e what is wrong with c (Study field "field"), a candidate of
// an endpoint that exists already: a valid name, and none of the fields that would need
// a deploy.
func existingProblems(e *invalid.Error, field, label string, c Candidate) {
	if err := (sagemaker.EndpointSpec{Name: c.Endpoint, InstanceType: "ml.c5.xlarge", InstanceCount: 1}).Validate(); err != nil {
		e.Add(field+".Endpoint", "%s: endpoint name %q is not one SageMaker accepts", label, c.Endpoint)
	}
	if c.InstanceType != "" {
		if err := sagemaker.CheckInstanceType(c.InstanceType); err != nil {
			e.Add(field+".InstanceType", "%s: %s", label, strings.TrimPrefix(err.Error(), "sagemaker: "))
		}
	}
	if c.Compiled() || c.FrameworkVersion != "" || c.Image != "" || len(c.Env) > 0 || c.InstanceCount < 0 {
		// The field at fault is the first of those set (all are said in the message).
		f := ".InstanceCount"
		switch {
		case c.Compiled():
			f = ".Target"
		case c.FrameworkVersion != "":
			f = ".FrameworkVersion"
		case c.Image != "":
			f = ".Image"
		case len(c.Env) > 0:
			f = ".Env"
		}
		e.Add(field+f, "%s: an existing endpoint (%s) is measured as it is: Target, FrameworkVersion, Image and Env would need a deploy, and InstanceCount must not be negative", label, c.Endpoint)
	}
}

// benchProblems adds to e what bench would refuse in the study's SLO, Load or Sweep (as
// measure.go runs them), and a TargetTPS that is not a number of inferences per second:
// refused here, before any endpoint is created, not by each candidate once deployed.
func benchProblems(e *invalid.Error, s *Study) {
	if s.SLO != nil {
		if err := s.SLO.Validate(); err != nil {
			e.Add("SLO", "%v", err)
		}
	}
	switch {
	case len(loadProblems(s.Load)) > 0: // said once, by loadProblems
	case s.Sweep == nil:
		if err := s.Load.Validate(); err != nil {
			e.Add("Load", "Load: %v", err)
		}
	default:
		sc := *s.Sweep
		sc.Base = s.Load
		if sc.SLO == nil && s.SLO != nil && s.SLO.Validate() == nil {
			sc.SLO = s.SLO // a bad one is reported once, above
		}
		if err := sc.Validate(); err != nil {
			e.Add("Sweep", "Sweep (with Load as its step): %v", err)
		}
	}
	if math.IsNaN(s.TargetTPS) || math.IsInf(s.TargetTPS, 0) || s.TargetTPS < 0 {
		e.Add("TargetTPS", "TargetTPS %v is not a number of inferences per second: set a positive number, or 0 for no fleet", s.TargetTPS)
	}
	if math.IsNaN(s.Headroom) || math.IsInf(s.Headroom, 0) || s.Headroom < 0 {
		e.Add("Headroom", "Headroom %v is not a share of spare capacity: set 0 or more, e.g. 0.3", s.Headroom)
	}
}
