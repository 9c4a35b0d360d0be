package report_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

// Two saved runs, read back from their JSON, priced with the reference study's 2021 table,
// and a third configuration the table has no price for, judged against a p99 of 100 ms:
// the one verdict (Report.Verdicts) bolds the recommended row and says why the others are not.
func Example() {
	saved := map[string]string{
		"inf1+neo": `{"Requests": 18258, "Throughput": 304.3, "InferencesPerSecond": 304.3,
			"Latency": {"P50": 52600000, "P90": 57800000, "P99": 68400000}}`,
		"g4dn+neo": `{"Requests": 8424, "Errors": 12, "Throughput": 140.2, "InferencesPerSecond": 140.2,
			"Latency": {"P50": 114000000, "P90": 125000000, "P99": 148000000}}`,
		"g5": `{"Requests": 12000, "Throughput": 200, "InferencesPerSecond": 200,
			"Latency": {"P50": 80000000, "P90": 90000000, "P99": 99000000}}`,
	}
	rows := []report.Row{
		{Name: "inf1+neo", InstanceType: "ml.inf1.xlarge", Compiled: true, Provenance: report.Emulated},
		{Name: "g4dn+neo", InstanceType: "ml.g4dn.xlarge", Compiled: true, Provenance: report.Emulated},
		{Name: "g5", InstanceType: "ml.g5.xlarge", Provenance: report.Emulated},
	}
	rep := report.New("ResNet50, 16 workers")
	rep.SLO = &bench.SLO{Percentile: 99, Max: 100 * time.Millisecond}
	for _, row := range rows {
		row.Result = new(bench.Result)
		if err := json.Unmarshal([]byte(saved[row.Name]), row.Result); err != nil {
			fmt.Println(err)
			return
		}
		_ = row.PriceFrom(cost.Study2021, "eu-west-1", 1) // g5: n/a, with the reason as a note
		rep.Add(row)
	}
	rep.AddNote("Prices: the reference study's, eu-west-1, 2021.")
	fmt.Print(rep.Markdown())
	// Output:
	// # ResNet50, 16 workers
	//
	// Recommended: **inf1+neo**, $0.30 per million inferences, meeting the SLO p99 <= 100ms.
	//
	// | Config | Instance | Compiled | TPS | p50 ms | p90 ms | p99 ms | Errors | $/hour | $/1M inferences | Transactions/hour | vs best | Verdict | Provenance | Notes |
	// | :-- | :-- | :-: | --: | --: | --: | --: | --: | --: | --: | --: | --: | :-- | :-- | :-- |
	// | **inf1+neo** | ml.inf1.xlarge | yes | 304.3 | 52.6 | 57.8 | 68.4 | 0 | 0.33 | **0.30** | 1,095,480 | **1.0x (best)** | **recommended** | emulated |  |
	// | g4dn+neo | ml.g4dn.xlarge | yes | 140.2 | 114 | 125 | 148 | 12 (0.14%) | 0.821 | 1.63 | 504,720 | 5.4x | breaks SLO p99 148ms > 100ms | emulated |  |
	// | g5 | ml.g5.xlarge | no | 200.0 | 80.0 | 90.0 | 99.0 | 0 | n/a | n/a | n/a | n/a | not priced | emulated | [1] |
	//
	// 1. g5: no price: report: pricing g5: cost: ml.g5.xlarge is a valid SageMaker instance type; table study-2021 has no price for it in eu-west-1
	//
	// Provenance *emulated*: measured against the local SageMaker emulator, whose per-instance device times are calibrated profiles, not real hardware.
	//
	// Prices: the reference study's, eu-west-1, 2021.
}
