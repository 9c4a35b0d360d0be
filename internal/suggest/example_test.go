package suggest_test

import (
	"fmt"

	"github.com/sagebench/sagebench/internal/suggest"
)

func ExampleClosest() {
	fmt.Println(suggest.Closest("ml.c5.xlarg", []string{"ml.c5.xlarge", "ml.c5.2xlarge", "ml.g5.xlarge"}))
	// Output: [ml.c5.xlarge]
}
