package main

import (
	"context"
	"fmt"
	"os"
)

// -plan prints what a run would do and bound its bill, with no credentials and no call:
// each endpoint lives for its creation and deletion (15 minutes allowed) plus its warmup
// and measured load.
func Example_plan() {
	o := defaultOptions()
	o.planOnly, o.role, o.region, o.out, o.configs = true, "", "eu-west-1", os.TempDir()+"/sagebench-example-none", "c5,inf1+neo"
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fmt.Println(err)
	}
	// Output:
	// plan: 2 candidates in eu-west-1, 3 at a time, bucket sagemaker-eu-west-1-123456789012
	// estimated endpoint cost: at most $0.15
	//   c5           ml.c5.xlarge     0.27 h x $0.23/h x 1 = $0.06
	//   inf1+neo     ml.inf1.xlarge   0.27 h x $0.33/h x 1 = $0.09
}
