package benchtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

func Example() {
	fake := benchtest.New(
		benchtest.WithLatency(benchtest.Uniform(time.Millisecond, 2*time.Millisecond)),
		benchtest.WithCapacity(2),
		benchtest.WithErrorEvery(4, benchtest.ErrThrottled),
	)
	p := payload.Payload{Name: "x.bin", ContentType: payload.ContentTypeBinary, Body: []byte{1, 2, 3}}
	byClass := map[bench.ErrorClass]int{}
	for range 10 {
		if err := fake.Invoke(context.Background(), p); err != nil {
			byClass[bench.Classify(err)]++
		}
	}
	fmt.Println(fake.Calls(), fake.Errors(), fake.Bytes(), byClass)
	// Output: 10 2 30 map[throttled:2]
}
