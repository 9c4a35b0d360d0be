package main

import "fmt"

// The what-if price comes from the embedded tables: "auto" takes the current table when it
// prices the instance in the region, else the reference study's 2021 snapshot.
func Example_pickPrice() {
	for _, q := range [][2]string{{"us-east-1", "ml.g4dn.xlarge"}, {"eu-west-1", "ml.inf1.xlarge"}} {
		table, p, err := pickPrice("auto", q[0], q[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s in %s: $%g/hour (table %s)\n", p.InstanceType, p.Region, p.USDPerHour, table.Name())
	}
	// Output:
	// ml.g4dn.xlarge in us-east-1: $0.7364/hour (table current)
	// ml.inf1.xlarge in eu-west-1: $0.33/hour (table study-2021)
}
