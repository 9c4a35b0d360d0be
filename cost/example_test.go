package cost_test

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/sagebench/sagebench/cost"
)

// Price the reference study's five configurations and compare the two best.
func Example() {
	study := []struct {
		name, instanceType string
		tps                float64
	}{
		{"c5", "ml.c5.xlarge", 5.9},
		{"c5+neo", "ml.c5.xlarge", 12.9},
		{"g4dn", "ml.g4dn.xlarge", 74.7},
		{"g4dn+neo", "ml.g4dn.xlarge", 140.4},
		{"inf1+neo", "ml.inf1.xlarge", 304.3},
	}
	est := map[string]cost.Estimate{}
	for _, s := range study {
		p, err := cost.Study2021.Lookup("eu-west-1", s.instanceType)
		if err != nil {
			fmt.Println(err)
			return
		}
		e, err := cost.NewEstimate(cost.Candidate{Name: s.name, Price: p, TPS: s.tps})
		if err != nil {
			fmt.Println(err)
			return
		}
		est[s.name] = e
		fmt.Printf("%-9s %-15s $%.3f/h %6.1f TPS  $%5.2f per 1M\n", s.name, p.InstanceType, p.USDPerHour, s.tps, e.PerMillion)
	}
	c, _ := cost.Compare(est["g4dn+neo"], est["inf1+neo"])
	fmt.Println(c)
	// Output:
	// c5        ml.c5.xlarge    $0.230/h    5.9 TPS  $10.83 per 1M
	// c5+neo    ml.c5.xlarge    $0.230/h   12.9 TPS  $ 4.95 per 1M
	// g4dn      ml.g4dn.xlarge  $0.821/h   74.7 TPS  $ 3.05 per 1M
	// g4dn+neo  ml.g4dn.xlarge  $0.821/h  140.4 TPS  $ 1.62 per 1M
	// inf1+neo  ml.inf1.xlarge  $0.330/h  304.3 TPS  $ 0.30 per 1M
	// inf1+neo is 5.4x more cost-effective than g4dn+neo
}

func ExampleLookup() {
	p, err := cost.Lookup("us-east-1", "g5.xlarge")
	fmt.Println(p.InstanceType, p.USDPerHour, err)

	_, err = cost.Lookup("us-east-1", "ml.g9.xlarge")
	fmt.Println(errors.Is(err, cost.ErrUnknownInstanceType))
	fmt.Println(err)
	// Output:
	// ml.g5.xlarge 1.4084 <nil>
	// true
	// cost: no price for ml.g9.xlarge in us-east-1 in table current (did you mean ml.g5.xlarge or ml.g6.xlarge?); refresh it with cost.Refresh(ctx, func(o *cost.RefreshOptions) { o.Regions = []string{"us-east-1"} }) (public Price List files, no AWS account needed)
}

func ExampleCheapest() {
	inf1, _ := cost.Study2021.Lookup("eu-west-1", "ml.inf1.xlarge")
	g4dn, _ := cost.Study2021.Lookup("eu-west-1", "ml.g4dn.xlarge")
	fleet, err := cost.Cheapest(cost.Requirement{TPS: 2000, Headroom: 0.3},
		cost.Candidate{Name: "g4dn+neo", Price: g4dn, TPS: 140.4},
		cost.Candidate{Name: "inf1+neo", Price: inf1, TPS: 304.3},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d x %s, $%.2f/h, $%.2f per 1M at 2000 TPS\n", fleet.InstanceCount, fleet.Candidate.Price.InstanceType, fleet.USDPerHour, fleet.PerMillion)
	// Output:
	// 9 x ml.inf1.xlarge, $2.97/h, $0.41 per 1M at 2000 TPS
}

func ExampleInstancesFor() {
	n, _ := cost.InstancesFor(1000, 140.4, 0.2) // 1200 / 140.4 = 8.5
	fmt.Println(n)
	// Output: 9
}

func ExampleParseOffer() {
	f, err := os.Open("testdata/bulk/AmazonSageMaker-eu-west-1.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	off, err := cost.ParseOffer(f, "eu-west-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(off.OfferCode, off.Published)
	for _, p := range off.Prices {
		fmt.Println(p.InstanceType, p.USDPerHour)
	}
	// Output:
	// AmazonSageMaker 2026-11-20T18:42:07Z
	// ml.c5.xlarge 0.25
	// ml.g4dn.xlarge 0.9
	// ml.inf1.xlarge 0.4
	// ml.m5.xlarge 0.26
}

// Every price says where it was read and when; a report prints this beside the figure.
func ExamplePrice_Provenance() {
	p, _ := cost.Study2021.Lookup("eu-west-1", "ml.inf1.xlarge")
	fmt.Println(p.Provenance())
	// Output:
	// embedded table study-2021, read 2021 from reference study: PyTorch ResNet50 on SageMaker in eu-west-1 (its published price column)
}
