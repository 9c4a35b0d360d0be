package sagemakertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The region index names each served region's file; the CSV is at that path with .csv for
// .json, as the Price List documentation says, and it starts with the five metadata rows.
func TestPriceListServesTheRegionIndexAndTheRegionalCSV(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	resp, err := http.Get(srv.URL + "/offers/v1.0/aws/AmazonSageMaker/current/region_index.json")
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Regions map[string]struct {
			RegionCode        string `json:"regionCode"`
			CurrentVersionURL string `json:"currentVersionUrl"`
		} `json:"regions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&idx)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("region index: %s, %v", resp.Status, err)
	}
	r, ok := idx.Regions["eu-central-1"]
	if !ok || r.RegionCode != "eu-central-1" || !strings.HasSuffix(r.CurrentVersionURL, "/eu-central-1/index.json") {
		t.Fatalf("region index = %+v; want eu-central-1 with its currentVersionUrl", idx)
	}
	resp, err = http.Get(srv.URL + strings.TrimSuffix(r.CurrentVersionURL, ".json") + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), `"FormatVersion","v1.0"`+"\n"+`"Disclaimer",`) {
		t.Fatalf("regional CSV: %s, starts %.60q", resp.Status, b)
	}
	resp, err = http.Get(srv.URL + "/offers/v1.0/aws/AmazonSageMaker/20261205100000/mars-north-1/index.csv")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a region the fixture lacks: %s; want 404", resp.Status)
	}
}

// The Price List answers unsigned GETs only: an S3 bucket named "offers" is still S3's.
func TestPriceListLeavesABucketNamedOffersToS3(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	s3c := srv.S3Client()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("offers")}); err != nil {
		t.Fatal(err)
	}
	key := aws.String("v1.0/aws/AmazonSageMaker/current/region_index.json")
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("offers"), Key: key, Body: strings.NewReader("mine")}); err != nil {
		t.Fatal(err)
	}
	out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("offers"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "mine" {
		t.Errorf("GetObject from bucket offers = %q; want the object put there", b)
	}
}
