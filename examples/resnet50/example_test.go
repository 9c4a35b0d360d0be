package main

import (
	"fmt"
	"time"

	"github.com/sagebench/sagebench/internal/study"
)

// The bill is bounded before anything is created: each endpoint lives for its creation
// and deletion (15 minutes allowed) plus its warmup and measured load.
func Example_estimate() {
	o := defaultOptions()
	o.region, o.duration, o.warmup = "eu-west-1", 60*time.Second, 15*time.Second
	chosen := []study.Config{study.Configs[0], study.Configs[5]} // c5, inf1+neo
	prices, _ := study.PriceTable("auto", o.region, chosen)
	b, err := estimate(o, chosen, prices)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b)
	// Output:
	// estimated endpoint cost: at most $0.15
	//   c5        ml.c5.xlarge: 0.27 h x $0.23/h = $0.06
	//   inf1+neo  ml.inf1.xlarge: 0.27 h x $0.33/h = $0.09
}
