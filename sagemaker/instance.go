package sagemaker

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/internal/suggest"
)

// hostingTypes are the instance types real-time endpoints take: aws-sdk-go-v2's
// types.ProductionVariantInstanceType enum, sorted for binary search.
var hostingTypes = sync.OnceValue(func() []string {
	vs := types.ProductionVariantInstanceType("").Values()
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	slices.Sort(out)
	return out
})

// CheckInstanceType returns an error unless t is an instance type SageMaker hosting
// accepts (a value of types.ProductionVariantInstanceType), naming the closest ones when
// it is not: "ml.c5.xlarg" is answered with "did you mean ml.c5.xlarge?".
func CheckInstanceType(t string) error {
	if err := checkInstanceType(t); err != nil {
		return fmt.Errorf("sagemaker: %w", err)
	}
	return nil
}

func checkInstanceType(t string) error {
	if !instanceTypePattern.MatchString(t) {
		return fmt.Errorf("instance type %q must look like ml.<family>.<size>, e.g. ml.c5.xlarge", t)
	}
	if _, ok := slices.BinarySearch(hostingTypes(), t); ok {
		return nil
	}
	msg := fmt.Sprintf("instance type %q is not one SageMaker hosting offers", t)
	if c := suggest.Closest(t, hostingTypes()); len(c) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(c, " or "))
	}
	return fmt.Errorf("%s", msg)
}
