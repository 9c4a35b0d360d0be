package pricing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/cost/pricing"
)

// Fetch prices and write them as a cost table. A real program passes
// awspricing.NewFromConfig(cfg) for a config from config.LoadDefaultConfig; here a local
// server stands in for the Price List API.
func ExampleFetch() {
	product := `{"product":{"productFamily":"ML Instance","sku":"EXAMPLESKU","attributes":{` +
		`"regionCode":"eu-west-1","instanceName":"ml.inf1.xlarge","component":"Hosting","usagetype":"EU-Host:ml.inf1.xlarge"}},` +
		`"terms":{"OnDemand":{"EXAMPLESKU.JRTCKXETXF":{"priceDimensions":{"EXAMPLESKU.JRTCKXETXF.6YS6EN2CT7":{` +
		`"unit":"Hrs","pricePerUnit":{"USD":"0.3300000000"}}}}}},"publicationDate":"2026-11-01T00:00:00Z"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"FormatVersion": "aws_v1", "PriceList": []string{product}})
	}))
	defer srv.Close()
	client := awspricing.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}, func(o *awspricing.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	prices, err := pricing.Fetch(context.Background(), client, func(o *pricing.Options) {
		o.Regions, o.AsOf = []string{"eu-west-1"}, "2026-11-25"
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := cost.WriteCSV(os.Stdout, prices, "refreshed from the AWS Price List API"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # refreshed from the AWS Price List API
	// region,instance_type,usd_per_hour,as_of,source
	// eu-west-1,ml.inf1.xlarge,0.33,2026-11-25,AWS Price List API AmazonSageMaker EU-Host:ml.inf1.xlarge (SKU EXAMPLESKU; published 2026-11-01)
}
