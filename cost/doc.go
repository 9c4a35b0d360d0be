// Package cost prices SageMaker real-time inference: what an endpoint costs per hour, what
// one million inferences cost at a measured throughput, and which instance type serves a
// target load most cheaply.
//
// Prices come from tables embedded in the binary as CSV files that a person can read and diff
// (data/*.csv). Every row says where its figure came from and when it was read. [Current] is
// the present table; [Study2021] is the reference study's eu-west-1 prices, kept as a dated
// snapshot so its published figures stay reproducible. A table is parsed once, on first use,
// and lookups do not allocate.
//
//	p, err := cost.Study2021.Lookup("eu-west-1", "ml.inf1.xlarge")
//	if err != nil {
//		return err // *cost.LookupError: unknown region, unknown type (with suggestions), or not priced there
//	}
//	perM, err := cost.PerMillion(p.USDPerHour, 304.3) // $0.30 per million inferences
//
//	a, _ := cost.NewEstimate(cost.Candidate{Name: "inf1+neo", Price: inf1, TPS: 304.3})
//	b, _ := cost.NewEstimate(cost.Candidate{Name: "g4dn+neo", Price: g4dn, TPS: 140.4})
//	c, _ := cost.Compare(a, b) // "inf1+neo is 5.4x more cost-effective than g4dn+neo"
//
// Fresh prices need no AWS account: AWS publishes its Price List as public bulk files.
// [Refresh] streams SageMaker's regional files ([ParseOffer]), keeps the on-demand hosting
// rows (or processing rows, [RefreshOptions].Component) and caches them under
// os.UserCacheDir with their publication date; its table has the same API as [Current].
// ParseOffer also keeps serverless inference's prices ([ServerlessPrice]); which rows each
// table keeps, and the source of each rule, is documented on ParseOffer. A price
// missing from [Current] names that call in its error; a valid instance type with no price
// is said to be one, and only a name that is no SageMaker instance type gets "did you
// mean". "go generate ./cost" rebuilds data/current.csv with the same code.
//
//	t, err := cost.Refresh(ctx, func(o *cost.RefreshOptions) { o.Regions = []string{"eu-west-1"} })
//	p, err := t.Lookup("eu-west-1", "ml.inf1.xlarge")
//	fmt.Println(p.Provenance()) // "AWS Price List, published 2026-12-05"
//
// Like the AWS SDK, Refresh takes optFns ...func(*RefreshOptions), whose zero fields mean
// defaults.
//
// The package imports only the standard library; it knows nothing of load testing or AWS
// SDKs. Subpackage pricing reads the Price List Query API instead (it needs credentials).
package cost

//go:generate go run ../internal/cmd/pricegen -instance-types instancetypes.go
//go:generate go run ../internal/cmd/pricegen -out data/current.csv
