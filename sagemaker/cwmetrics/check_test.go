package cwmetrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
)

func TestCrossCheck(t *testing.T) {
	ms := time.Millisecond
	server := func(invocations int64, model, overhead time.Duration) *cwmetrics.EndpointMetrics {
		return &cwmetrics.EndpointMetrics{
			Invocations:     invocations,
			ModelLatency:    cwmetrics.Latency{Mean: model, Count: invocations},
			OverheadLatency: cwmetrics.Latency{Mean: overhead, Count: invocations},
		}
	}
	for _, tc := range []struct {
		name      string
		client    cwmetrics.ClientFigures
		server    *cwmetrics.EndpointMetrics
		remainder time.Duration
		want      string // a warning containing this, or none when empty
	}{
		{"agree", cwmetrics.ClientFigures{1000, 0, 0, 60 * ms}, server(1000, 50*ms, 5*ms), 5 * ms, ""},
		{"one request in flight at the edge", cwmetrics.ClientFigures{10, 0, 0, 60 * ms}, server(11, 50*ms, 5*ms), 5 * ms, ""},
		{"client drops requests", cwmetrics.ClientFigures{1000, 0, 0, 60 * ms}, server(750, 50*ms, 5*ms), 5 * ms, "250 requests never reached it"},
		{"another client in the server's minutes", cwmetrics.ClientFigures{1000, 0, 0, 60 * ms}, server(1200, 50*ms, 5*ms), 5 * ms, "(and 0 outside its measured window): 200 more"},
		{"requests in flight at the edges", cwmetrics.ClientFigures{1000, 0, 16, 60 * ms}, server(984, 50*ms, 5*ms), 5 * ms, ""},
		{"more missing than were in flight", cwmetrics.ClientFigures{1000, 0, 16, 60 * ms}, server(950, 50*ms, 5*ms), 5 * ms, "50 requests never reached it"},
		{"warmup allowed for", cwmetrics.ClientFigures{1000, 200, 0, 60 * ms}, server(1200, 50*ms, 5*ms), 5 * ms, ""},
		{"more than the warmup", cwmetrics.ClientFigures{1000, 100, 0, 60 * ms}, server(1200, 50*ms, 5*ms), 5 * ms, "(and 100 outside its measured window): 100 more"},
		{"server slower than client", cwmetrics.ClientFigures{1000, 0, 0, 60 * ms}, server(1000, 80*ms, 5*ms), -25 * ms, "exceeds the client's mean latency"},
		{"distant client", cwmetrics.ClientFigures{1000, 0, 0, 60 * ms}, server(1000, 20*ms, 5*ms), 35 * ms, "network and client take 35ms"},
		{"small remainder within the floor", cwmetrics.ClientFigures{1000, 0, 0, 10 * ms}, server(1000, 5*ms, 1*ms), 4 * ms, ""},
		{"no latency published", cwmetrics.ClientFigures{1000, 0, 0, 60 * ms}, &cwmetrics.EndpointMetrics{Invocations: 1000}, 0, "no latency to compare"},
		{"no server metrics", cwmetrics.ClientFigures{1000, 0, 0, 60 * ms}, nil, 0, "no server metrics"},
	} {
		chk := cwmetrics.CrossCheck(tc.client, tc.server, cwmetrics.Tolerance{})
		if chk.Remainder != tc.remainder {
			t.Errorf("%s: remainder %v, want %v", tc.name, chk.Remainder, tc.remainder)
		}
		switch {
		case tc.want == "" && len(chk.Warnings) != 0:
			t.Errorf("%s: unexpected warnings %q", tc.name, chk.Warnings)
		case tc.want != "" && (len(chk.Warnings) != 1 || !strings.Contains(chk.Warnings[0], tc.want)):
			t.Errorf("%s: warnings %q, want one saying %q", tc.name, chk.Warnings, tc.want)
		}
	}
}
