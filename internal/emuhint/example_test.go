package emuhint_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sagebench/sagebench/internal/emuhint"
)

// An emulator puts a Hint in the config it hands out; code given the config polls at the
// emulator's pace. A config for AWS carries none.
func Example() {
	emulated := emuhint.With(aws.Config{Region: "eu-west-1"},
		emuhint.Hint{PollInterval: 20 * time.Millisecond, MaxPollInterval: 200 * time.Millisecond, MetricsAtOnce: true})
	if h, ok := emuhint.Of(emulated); ok {
		fmt.Println("poll every", h.PollInterval, "up to", h.MaxPollInterval, "metrics at once:", h.MetricsAtOnce)
	}
	_, ok := emuhint.Of(aws.Config{Region: "eu-west-1"})
	fmt.Println("hint for AWS:", ok)
	// Output:
	// poll every 20ms up to 200ms metrics at once: true
	// hint for AWS: false
}
