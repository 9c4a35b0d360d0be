package catalog

import (
	"fmt"
	"strings"
)

// Field names the part of a Request that has no image.
type Field string

// The fields a NoImageError can blame.
const (
	FieldFramework     Field = "framework"
	FieldVersion       Field = "version"
	FieldInstance      Field = "instance type or target"
	FieldRegion        Field = "region"
	FieldPyVersion     Field = "python version"
	FieldBaseFramework Field = "base framework"
)

// NoImageError says why a Request resolves to no image: which field, in which table, and
// what would have worked.
type NoImageError struct {
	Request Request
	Scope   string   // the table consulted, when one was chosen
	Field   Field    // what has no image
	Reason  string   // one sentence
	Known   []string // the values that would work for Field, when a table lists them
}

func (e *NoImageError) with(f Field, reason string) *NoImageError {
	e.Field, e.Reason = f, reason
	return e
}

// Error says what was asked and why there is no image.
func (e *NoImageError) Error() string {
	r := e.Request
	on := r.InstanceType
	if r.Target != "" {
		on = "Neo target " + r.Target
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no %s %s image for %s in %s: %s", r.Framework, r.Version, on, r.Region, e.Reason)
	if len(e.Known) > 0 && e.Field != FieldRegion || len(e.Known) > 0 && len(e.Known) <= 12 {
		fmt.Fprintf(&b, " (have %s)", strings.Join(e.Known, ", "))
	}
	return b.String()
}

// compareVersions orders dotted versions numerically ("1.9" < "1.10"); non-numeric parts
// ("latest") compare as strings after numbers.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if len(pa[i]) != len(pb[i]) && isDigits(pa[i]) && isDigits(pb[i]) {
			return len(pa[i]) - len(pb[i])
		}
		if c := strings.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return len(pa) - len(pb)
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
