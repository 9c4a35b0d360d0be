package main

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// The testdata files are real outputs of hey 0.1.4, wrk 4.1.0 and vegeta 12.13.0 runs.

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func TestParsers(t *testing.T) {
	for _, c := range []struct {
		file  string
		parse func(string) (loadResult, error)
		want  loadResult
	}{
		{"hey.txt", parseHey, loadResult{Tool: "hey", Requests: 6951, RPS: 6946.43, P50us: 400, P99us: 5000}},
		{"wrk.txt", parseWrk, loadResult{Tool: "wrk", Requests: 24681, RPS: 22447.54, P50us: 103, P99us: 4100}},
		{"vegeta.json", parseVegeta, loadResult{Tool: "vegeta", Requests: 4390, RPS: 4366.169620856152, P50us: 387.457, P99us: 7125.968}},
	} {
		got, err := c.parse(readTestdata(t, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if got.Tool != c.want.Tool || got.Requests != c.want.Requests || got.Errors != 0 ||
			!near(got.RPS, c.want.RPS) || !near(got.P50us, c.want.P50us) || !near(got.P99us, c.want.P99us) {
			t.Errorf("%s: got %+v, want %+v", c.file, got, c.want)
		}
	}
}

func TestParsersCountErrors(t *testing.T) {
	hey := "Requests/sec:\t10.0\nStatus code distribution:\n  [200]\t7 responses\n  [503]\t2 responses\n\n" +
		"Error distribution:\n  [4]\tPost \"http://127.0.0.1:1/x\": dial tcp: connection refused\n"
	if r, err := parseHey(hey); err != nil || r.Requests != 13 || r.Errors != 6 {
		t.Errorf("hey: %+v %v, want 13 requests, 6 errors", r, err)
	}
	wrk := "  100 requests in 1.00s, 1MB read\n  Socket errors: connect 1, read 2, write 0, timeout 3\n" +
		"  Non-2xx or 3xx responses: 4\nRequests/sec:    100.00\n"
	if r, err := parseWrk(wrk); err != nil || r.Requests != 100 || r.Errors != 10 {
		t.Errorf("wrk: %+v %v, want 100 requests, 10 errors", r, err)
	}
	if _, err := parseWrk("wrk: connection refused"); err == nil {
		t.Error("wrk output without a rate parsed without error")
	}
}

func TestToolsGetTheSameLoad(t *testing.T) {
	l := loadSpec{url: "http://127.0.0.1:9/invocations", bodyFile: "/b.jpg", contentType: "image/jpeg",
		conc: 16, dur: 10 * time.Second, threads: 1, dir: t.TempDir()}
	for _, tl := range tools("peers", "vegeta", "hey", "wrk") {
		argv := strings.Join(tl.commands(l)[0], " ")
		for _, want := range []string{"16", "10s"} {
			if !strings.Contains(argv, " "+want) {
				t.Errorf("%s: %q lacks %q", tl.name, argv, want)
			}
		}
		if tl.name != "wrk" && !strings.Contains(argv, "/b.jpg") {
			t.Errorf("%s: %q does not send the body file", tl.name, argv)
		}
	}
	script, err := os.ReadFile(l.dir + "/post.lua")
	if err != nil || !strings.Contains(string(script), `"/b.jpg"`) || !strings.Contains(string(script), `wrk.method = "POST"`) {
		t.Errorf("wrk script %q (%v) must POST the body file", script, err)
	}
}
