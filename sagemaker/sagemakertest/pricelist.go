package sagemakertest

import (
	"embed"
	"encoding/json"
	"net/http"
	"path"
	"slices"
	"strings"
)

// The Price List's public bulk endpoints, served from a fixture so that code reading
// prices (cost.Refresh, a Study without Prices) runs offline against srv.URL as its
// Price List base URL. The paths and the region index's shape are the AWS Billing user
// guide's: "Service region index file" (offers/v1.0/aws/{offerCode}/current/region_index.json
// lists each region's regionCode and currentVersionUrl,
// https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/service-region-infex-file-for-service.html)
// and "Fetching price list files manually" (the CSV file is the currentVersionUrl with
// .json replaced by .csv,
// https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-the-aws-price-list-bulk-api-fetching-price-list-files-manually.html).
// The files need no credentials; the emulator serves them to unsigned GETs only, so an
// S3 bucket named "offers" still reaches S3.

// pricePrefix is where every Price List path starts.
const pricePrefix = "/offers/v1.0/aws/"

// priceVersion is the fixture's Version row: the path segment of its currentVersionUrl.
const priceVersion = "20261205100000"

//go:embed pricelist/*.csv
var priceFiles embed.FS

// PriceListRegions are the regions whose SageMaker price list file the emulator serves
// (the fixture's prices are invented; its Disclaimer row says so).
func PriceListRegions() []string {
	entries, _ := priceFiles.ReadDir("pricelist")
	var out []string
	for _, e := range entries {
		if r, ok := strings.CutPrefix(strings.TrimSuffix(e.Name(), ".csv"), "AmazonSageMaker-"); ok {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// isPriceList says whether r asks for a Price List file: an unsigned GET under /offers/.
func isPriceList(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		strings.HasPrefix(r.URL.Path, pricePrefix) && r.Header.Get("Authorization") == ""
}

func (s *Server) servePriceList(w http.ResponseWriter, r *http.Request) {
	s.count("pricing:" + path.Base(r.URL.Path))
	rest := strings.TrimPrefix(r.URL.Path, pricePrefix)
	switch {
	case rest == "AmazonSageMaker/current/region_index.json":
		type region struct {
			RegionCode        string `json:"regionCode"`
			CurrentVersionURL string `json:"currentVersionUrl"`
		}
		idx := struct {
			FormatVersion   string            `json:"formatVersion"`
			Disclaimer      string            `json:"disclaimer"`
			PublicationDate string            `json:"publicationDate"`
			Regions         map[string]region `json:"regions"`
		}{"v1.0", "sagemakertest emulator: invented prices", "2026-12-05T10:00:00Z", map[string]region{}}
		for _, code := range PriceListRegions() {
			idx.Regions[code] = region{code, pricePrefix + "AmazonSageMaker/" + priceVersion + "/" + code + "/index.json"}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(idx)
		return
	case strings.HasPrefix(rest, "AmazonSageMaker/"+priceVersion+"/") && strings.HasSuffix(rest, "/index.csv"):
		code := strings.TrimSuffix(strings.TrimPrefix(rest, "AmazonSageMaker/"+priceVersion+"/"), "/index.csv")
		if b, err := priceFiles.ReadFile("pricelist/AmazonSageMaker-" + code + ".csv"); err == nil && !strings.Contains(code, "/") {
			w.Header().Set("Content-Type", "text/csv")
			w.Write(b)
			return
		}
	}
	http.Error(w, "no such price list file in the emulator's fixture", http.StatusNotFound)
}
