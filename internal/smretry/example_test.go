package smretry_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/internal/smretry"
)

// A call throttled twice, then answered: Do keeps trying past what the SDK would,
// within its backoff, and returns nil once the call succeeds.
func ExampleDo() {
	tries := 0
	err := smretry.Do(context.Background(), smretry.Backoff{Min: time.Millisecond, Max: 2 * time.Millisecond}, "stop job",
		func() error {
			if tries++; tries < 3 {
				return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
			}
			return nil
		})
	fmt.Println(tries, err)

	// A validation error is not retried, and its code is what Code reads.
	err = smretry.Do(context.Background(), smretry.Backoff{}, "stop job", func() error {
		return &smithy.GenericAPIError{Code: "ValidationException", Message: "Could not find job"}
	})
	fmt.Println(smretry.Code(err), smretry.NotFound(err))
	// Output:
	// 3 <nil>
	// ValidationException true
}
