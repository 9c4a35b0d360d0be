package pricing

import (
	"strings"
	"testing"
)

// doc builds a product document with the given component, usage type and hourly USD rates.
func doc(component, usage string, rates ...string) string {
	var dims []string
	for i, r := range rates {
		dims = append(dims, `"D`+string(rune('0'+i))+`":{"unit":"Hrs","pricePerUnit":{"USD":"`+r+`"}}`)
	}
	return `{"product":{"productFamily":"ML Instance","sku":"S","attributes":{"regionCode":"us-east-1",` +
		`"instanceName":"ml.c5.xlarge","component":"` + component + `","usagetype":"` + usage + `"}},` +
		`"terms":{"OnDemand":{"S.T":{"priceDimensions":{` + strings.Join(dims, ",") + `}}}}}`
}

func TestParseItem(t *testing.T) {
	tests := []struct {
		name, doc string
		ok        bool
		usd       float64
		err       string
	}{
		{"hosting", doc("Hosting", "USE1-Host:ml.c5.xlarge", "0.2040000000"), true, 0.204, ""},
		{"unprefixed usage type", doc("Hosting", "Host:ml.c5.xlarge", "0.204"), true, 0.204, ""},
		{"training", doc("Training", "USE1-Train:ml.c5.xlarge", "0.204"), false, 0, ""},
		{"async", doc("Hosting", "USE1-AsyncInf:ml.c5.xlarge", "0.204"), false, 0, ""},
		{"zero rate", doc("Hosting", "USE1-Host:ml.c5.xlarge", "0.0000000000"), false, 0, ""},
		{"not JSON", "{", false, 0, "not JSON"},
		{"no rate", doc("Hosting", "USE1-Host:ml.c5.xlarge"), false, 0, "no on-demand hourly rate"},
		{"two rates", doc("Hosting", "USE1-Host:ml.c5.xlarge", "0.2", "0.3"), false, 0, "2 on-demand hourly rates"},
		{"bad rate", doc("Hosting", "USE1-Host:ml.c5.xlarge", "cheap"), false, 0, `USD rate "cheap"`},
		{"negative rate", doc("Hosting", "USE1-Host:ml.c5.xlarge", "-1"), false, 0, `USD rate "-1"`},
		{"digit separator", doc("Hosting", "USE1-Host:ml.c5.xlarge", "0_25"), false, 0, `USD rate "0_25"`},
		{"hexadecimal", doc("Hosting", "USE1-Host:ml.c5.xlarge", "0x1p-2"), false, 0, `USD rate "0x1p-2"`},
		{"Outposts", strings.Replace(doc("Hosting", "USE1-Host:ml.c5.xlarge", "0.3"), `"regionCode"`, `"locationType":"AWS Outposts","regionCode"`, 1), false, 0, ""},
		{"AWS Region", strings.Replace(doc("Hosting", "USE1-Host:ml.c5.xlarge", "0.204"), `"regionCode"`, `"locationType":"AWS Region","regionCode"`, 1), true, 0.204, ""},
	}
	for _, tt := range tests {
		it, ok, err := parseItem(tt.doc)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || ok != tt.ok || it.usdPerHour != tt.usd {
			t.Errorf("%s: parseItem = %+v, %v, %v; want ok=%v $%v", tt.name, it, ok, err, tt.ok, tt.usd)
		}
	}
}
