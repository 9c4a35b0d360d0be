package pricing_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
)

// fakePriceList answers GetProducts over the awsJson1_1 wire protocol the way the AWS Price
// List API does: TERM_MATCH filters over a product catalog, pages of pageSize documents, an
// opaque NextToken, and each product as a JSON string in PriceList.
//
// The catalog, testdata/sagemaker-products.json, holds product documents in the shape the
// real API returns for AmazonSageMaker (attributes, OnDemand terms, price dimensions). Its
// SKUs are invented; its hosting rates are the figures of ../data/current.csv and the study.
type fakePriceList struct {
	t        *testing.T
	catalog  []product
	pageSize int

	mu       sync.Mutex
	requests []getProductsRequest
	fail     func(w http.ResponseWriter) bool // if set and true, the response was an error
}

type product struct {
	doc   string            // compact JSON, as it travels in PriceList
	attrs map[string]string // attributes plus productFamily, for filter matching
}

type getProductsRequest struct {
	ServiceCode   string
	FormatVersion string
	NextToken     string
	MaxResults    int
	Filters       []struct{ Field, Type, Value string }
	Authorized    bool // carried a SigV4 Authorization header
}

func newFakePriceList(t *testing.T, catalogFile string, pageSize int) (*fakePriceList, *awspricing.Client) {
	t.Helper()
	b, err := os.ReadFile(catalogFile)
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	f := &fakePriceList{t: t, pageSize: pageSize}
	for _, r := range raw {
		var p struct {
			Product struct {
				ProductFamily string            `json:"productFamily"`
				Attributes    map[string]string `json:"attributes"`
			} `json:"product"`
		}
		if err := json.Unmarshal(r, &p); err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, r); err != nil {
			t.Fatal(err)
		}
		attrs := p.Product.Attributes
		attrs["productFamily"] = p.Product.ProductFamily
		f.catalog = append(f.catalog, product{doc: compact.String(), attrs: attrs})
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := awspricing.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	}, func(o *awspricing.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return f, client
}

func (f *fakePriceList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AWSPriceListService.GetProducts" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		f.t.Errorf("unexpected request %s %s target %q", r.Method, r.URL, r.Header.Get("X-Amz-Target"))
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "no such operation")
		return
	}
	var req getProductsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		awsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	req.Authorized = strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
	f.mu.Lock()
	f.requests = append(f.requests, req)
	fail := f.fail
	f.mu.Unlock()
	if fail != nil && fail(w) {
		return
	}

	var match []string
	for _, p := range f.catalog {
		if p.attrs["servicecode"] == req.ServiceCode && matches(p.attrs, req) {
			match = append(match, p.doc)
		}
	}
	start := 0
	if req.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(req.NextToken, "page-after-"))
		if err != nil || n <= 0 || n > len(match) {
			awsError(w, http.StatusBadRequest, "InvalidNextTokenException", "bad token "+req.NextToken)
			return
		}
		start = n
	}
	size := f.pageSize
	if req.MaxResults > 0 {
		size = req.MaxResults
	}
	end := min(start+size, len(match))
	out := map[string]any{"FormatVersion": "aws_v1", "PriceList": match[start:end]}
	if end < len(match) {
		out["NextToken"] = fmt.Sprintf("page-after-%d", end)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func matches(attrs map[string]string, req getProductsRequest) bool {
	for _, flt := range req.Filters {
		if flt.Type != "TERM_MATCH" || attrs[flt.Field] != flt.Value {
			return false
		}
	}
	return true
}

func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func (f *fakePriceList) calls() []getProductsRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]getProductsRequest(nil), f.requests...)
}
