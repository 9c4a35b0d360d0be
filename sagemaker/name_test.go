package sagemaker

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestUniqueNameHasPythonSDKSuffix(t *testing.T) {
	t.Parallel()
	at := time.Date(2021, 3, 4, 5, 6, 7, 89_000_000, time.UTC)
	if got, want := uniqueNameAt("resnet50", at), "resnet50-2021-03-04-05-06-07-089"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestUniqueNameSanitizesAndTrimsBase(t *testing.T) {
	t.Parallel()
	at := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	cases := []struct{ base, want string }{
		{"pytorch_resnet50.c5", "pytorch-resnet50-c5-2021-03-04-05-06-07-000"},
		{"--x--", "x-2021-03-04-05-06-07-000"},
		{"", "sagebench-2021-03-04-05-06-07-000"},
		{"é", "sagebench-2021-03-04-05-06-07-000"},
		{strings.Repeat("a", 100), strings.Repeat("a", 39) + "-2021-03-04-05-06-07-000"},
		// A cut that ends in '-' drops it rather than leaving "--".
		{strings.Repeat("a", 38) + "-bbbb", strings.Repeat("a", 38) + "-2021-03-04-05-06-07-000"},
	}
	for _, tc := range cases {
		got := uniqueNameAt(tc.base, at)
		if got != tc.want {
			t.Errorf("uniqueNameAt(%q) = %s, want %s", tc.base, got, tc.want)
		}
		if len(got) > MaxNameLen || checkName("test", got) != nil {
			t.Errorf("uniqueNameAt(%q) = %s is not a valid name", tc.base, got)
		}
	}
}

func TestUniqueNameNeverRepeatsInProcess(t *testing.T) {
	t.Parallel()
	const n = 2000 // far more than fit in the milliseconds this takes
	var mu sync.Mutex
	seen := make(map[string]bool, n)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / 4 {
				name := UniqueName(strings.Repeat("x", 80))
				mu.Lock()
				if seen[name] {
					t.Errorf("duplicate name %s", name)
				}
				seen[name] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct names, want %d", len(seen), n)
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "resnet50-c5", "a--b", strings.Repeat("a", 63)} {
		if err := checkName("endpoint", ok); err != nil {
			t.Errorf("checkName(%q) = %v, want ok", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "a_b", "a.b", strings.Repeat("a", 64)} {
		if err := checkName("endpoint", bad); err == nil {
			t.Errorf("checkName(%q) accepted", bad)
		}
	}
}

// RunName (and Client.Name) give a valid SageMaker name whatever the run id's length
// (Options.RunID is the caller's, e.g. a CI job URL): no panic at 63 characters or more,
// and no empty base or leading '-' at 62.
func TestRunNameWithALongRunIDIsValid(t *testing.T) {
	t.Parallel()
	for _, n := range []int{61, 62, 70} {
		run := strings.Repeat("r", n)
		var name string
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("RunName with a %d-character run id panics: %v", n, r)
				}
			}()
			name = RunName("resnet50", run)
		}()
		if len(name) > MaxNameLen || strings.HasPrefix(name, "-") || name == "" {
			t.Errorf("RunName with a %d-character run id = %q; not a valid SageMaker name", n, name)
		}
	}
}

// What Client.Name's doc says: the base is dashed and cut, the run id kept, so two
// bases that differ only in punctuation, or only past the cut, give one name.
func TestRunNameKeepsTheRunIDAndMayMergeBases(t *testing.T) {
	t.Parallel()
	const run = "20261201t210504-9f3a"
	if a, b := RunName("a.b", run), RunName("a-b", run); a != "a-b-"+run || b != a {
		t.Errorf(`RunName("a.b") = %q, RunName("a-b") = %q; want both "a-b-%s"`, a, b, run)
	}
	long := strings.Repeat("x", 60)
	a, b := RunName(long+"-one", run), RunName(long+"-two", run)
	if a != b || len(a) != MaxNameLen || !strings.HasSuffix(a, "-"+run) {
		t.Errorf("RunName of two 64-character bases = %q, %q; want one %d-character name ending in the run id", a, b, MaxNameLen)
	}
}
