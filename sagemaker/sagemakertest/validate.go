package sagemakertest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// violations collects the constraint failures of one request, which the
// SageMaker front end reports together: "2 validation errors detected: Value
// 'x' at 'endpointName' failed to satisfy constraint: ...; Value ...". Field
// paths are the camel-cased member paths AWS prints
// ("productionVariants.1.member.instanceType").
type violations []string

func (v *violations) add(format string, args ...any) {
	*v = append(*v, fmt.Sprintf(format, args...))
}

// err returns the ValidationException for the collected failures, or nil.
func (v violations) err() *APIError {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: %s", v[0])
	}
	return validation("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

// required records a missing required member; it reports whether the member
// was present, so that callers skip the member's other checks.
func (v *violations) required(field string, present bool) bool {
	if !present {
		v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	return present
}

// str checks a string member against AWS's length limits (in characters) and
// its pattern, as the API reference gives them. An empty optional member is
// skipped; use required first for required ones.
func (v *violations) str(field, value string, r rule) {
	if value == "" && !r.required {
		return
	}
	if !v.required(field, value != "" || !r.required) {
		return
	}
	n := utf8.RuneCountInString(value)
	switch {
	case r.max > 0 && n > r.max:
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, field, r.max)
	case n < r.min:
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, field, r.min)
	case r.pattern != nil && !r.pattern.MatchString(value):
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", value, field, r.text)
	}
}

// enum checks a string member against the values aws-sdk-go-v2 generates for
// its enum type, printed as AWS prints them.
func (v *violations) enum(field, value string, set enum) {
	if value != "" && !set.has[value] {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, field, strings.Join(set.values, ", "))
	}
}

// atLeast checks an integer member's minimum.
func (v *violations) atLeast(field string, value, min int) {
	if value < min {
		v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", value, field, min)
	}
}

// between checks an integer member's range, as MaxResults is checked.
func (v *violations) between(field string, value, lo, hi int) {
	switch {
	case value < lo:
		v.atLeast(field, value, lo)
	case value > hi:
		v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", value, field, hi)
	}
}

// rule is a string member's constraints from the SageMaker API reference.
type rule struct {
	required bool
	min, max int
	pattern  *regexp.Regexp
	text     string // the pattern as AWS prints it in messages
}

func (r rule) must() rule { r.required = true; return r }

// pattern compiles an API-reference pattern so that it must match the whole
// value, while messages print it as AWS does.
func pattern(text string) (*regexp.Regexp, string) {
	return regexp.MustCompile(`^(?:` + strings.TrimPrefix(text, "^") + `)$`), text
}

func newRule(max int, text string) rule {
	re, txt := pattern(text)
	return rule{max: max, pattern: re, text: txt}
}

// javaRule is a rule whose AWS pattern uses Java character classes that RE2
// spells differently (\p{Print} is [[:print:]]); goText is the RE2 form.
func javaRule(max int, text, goText string) rule {
	r := newRule(max, goText)
	r.text = text
	return r
}

// Constraints of the members the emulator reads, from the SageMaker API
// reference (the Smithy model aws-sdk-go-v2 is generated from). The SDK
// checks only that required members are present, so these are checked here.
var (
	// EntityName: models, endpoint configurations, endpoints, variants,
	// compilation jobs.
	nameRule = newRule(63, `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`)
	roleRule = func() rule {
		r := newRule(2048, `^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
		r.min = 20
		return r
	}()
	imageRule     = newRule(255, `[\S]+`)
	modelDataRule = newRule(1024, `^(https|s3)://([^/]+)/?(.*)$`)
	s3URIRule     = newRule(1024, `^(https|s3)://([^/]+)/?(.*)$`)
	// Neo writes only to S3, so its output location is s3:// only.
	s3OutputRule = newRule(1024, `^s3://([^/]+)/?(.*)$`)
	// The runtime's InvokeEndpoint headers.
	customAttrRule  = javaRule(1024, `\p{ASCII}*`, `[[:ascii:]]*`)
	inferenceIDRule = func() rule {
		r := javaRule(64, `\A\S[\p{Print}]*\z`, `\S[[:print:]]*`)
		r.min = 1
		return r
	}()
	nameContainsRule = newRule(63, `[a-zA-Z0-9-]+`)
	nextTokenRule    = newRule(8192, `.*`)
)

// enum is an aws-sdk-go-v2 enum type's values as a set and in order.
type enum struct {
	has    map[string]bool
	values []string
}

func enumOf[T ~string](vs []T) enum {
	e := enum{has: make(map[string]bool, len(vs))}
	for _, v := range vs {
		e.has[string(v)] = true
		e.values = append(e.values, string(v))
	}
	return e
}

// The enums the emulator validates, read from the SDK rather than copied.
var (
	instanceTypes    = enumOf(types.ProductionVariantInstanceType("").Values())
	targetDevices    = enumOf(types.TargetDevice("").Values())
	frameworks       = enumOf(types.Framework("").Values())
	endpointStatuses = enumOf(types.EndpointStatus("").Values())
	jobStatuses      = enumOf(types.CompilationJobStatus("").Values())
	orderKeys        = enumOf(types.OrderKey("").Values())
	endpointSortKeys = enumOf(types.EndpointSortKey("").Values())
	configSortKeys   = enumOf(types.EndpointConfigSortKey("").Values())
	modelSortKeys    = enumOf(types.ModelSortKey("").Values())
	jobSortKeys      = enumOf(types.ListCompilationJobsSortBy("").Values())
)

// checkName validates a required resource name, as the front end does.
func checkName(field, v string) *APIError {
	var vs violations
	vs.str(field, v, nameRule.must())
	return vs.err()
}

// member is the path AWS prints for the i-th (0-based) member of a list.
func member(list string, i int, field string) string {
	return list + "." + strconv.Itoa(i+1) + ".member." + field
}
