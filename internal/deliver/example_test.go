package deliver_test

import (
	"fmt"
	"time"

	"github.com/sagebench/sagebench/internal/deliver"
)

// Push never blocks the producer; the callback gets every value in order, on a goroutine
// of its own, and Close waits for it to finish.
func Example() {
	q := deliver.New(func(s string) { fmt.Println("event:", s) }, deliver.Options[string]{})
	q.Push("deploying")
	q.Push("in service")
	q.Push("deleted")
	st := q.Close(time.Second, 10*time.Second)
	fmt.Println(st.Delivered, "delivered, abandoned:", st.Abandoned)
	// Output:
	// event: deploying
	// event: in service
	// event: deleted
	// 3 delivered, abandoned: false
}
