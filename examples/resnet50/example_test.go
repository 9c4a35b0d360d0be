package main

import (
	"context"
	"fmt"
	"os"
)

// -plan prints what a run would do and bound its bill, with no credentials and no AWS API
// call: each endpoint lives for its creation and deletion (15 minutes allowed) plus its
// warmup and measured load. -prices auto pins the embedded tables (here the reference
// study's 2021 prices), so the estimate is the same every day; the default, -prices aws,
// reads today's from the public Price List.
func Example_plan() {
	o := defaultOptions()
	o.planOnly, o.role, o.region, o.out, o.configs = true, "", "eu-west-1", os.TempDir()+"/sagebench-example-none", "c5,inf1+neo"
	o.prices = "auto"
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fmt.Println(err)
	}
	// Output:
	// plan: 2 candidates in eu-west-1, 3 at a time, bucket sagemaker-eu-west-1-123456789012
	// estimated endpoint cost: at most $0.15
	//   c5           ml.c5.xlarge     0.27 h x $0.23/h x 1 = $0.06
	//   inf1+neo     ml.inf1.xlarge   0.27 h x $0.33/h x 1 = $0.09
	// prices: embedded table study-2021, read 2021 from reference study: PyTorch ResNet50 on SageMaker in eu-west-1 (its published price column)
}
