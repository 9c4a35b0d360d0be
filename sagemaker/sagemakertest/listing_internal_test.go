package sagemakertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// listingFixture stores four endpoints and four compilation jobs with the
// same names, statuses and creation times, chosen so that every SortBy gives
// a different order: d and b share a creation time, so CreationTime falls
// back to the name.
func listingFixture(t *testing.T) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	base := time.UnixMilli(1_600_000_000_000)
	rows := []struct {
		name, epStatus, jobStatus string
		created                   time.Duration
	}{
		{"a", EndpointInService, CompilationCompleted, 1 * time.Second},
		{"b", EndpointFailed, CompilationFailed, 3 * time.Second},
		{"c", EndpointCreating, CompilationInProgress, 2 * time.Second},
		{"d", EndpointUpdating, CompilationStarting, 3 * time.Second},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rows {
		at := base.Add(r.created)
		s.endpoints[r.name] = &endpoint{name: r.name, arn: s.arn("endpoint", r.name), status: r.epStatus, created: at, modified: at}
		s.jobs[r.name] = &compilationJob{name: r.name, arn: s.arn("compilation-job", r.name), status: r.jobStatus, created: at, modified: at}
	}
	return s
}

// listNames calls a List operation handler with body and returns the names
// it lists and the NextToken; an empty list must be encoded as [], not null.
func listNames(t *testing.T, op apiOp, s *Server, body, listField, nameField string) (names []string, next string, e *APIError) {
	t.Helper()
	out, e := op(s, []byte(body))
	if e != nil {
		return nil, "", e
	}
	raw, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if string(got[listField]) == "null" {
		t.Errorf("%s: %s encoded as null, want []", body, listField)
	}
	var items []map[string]any
	if err := json.Unmarshal(got[listField], &items); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		names = append(names, it[nameField].(string))
	}
	if tok, ok := got["NextToken"]; ok {
		_ = json.Unmarshal(tok, &next)
	}
	return names, next, nil
}

func TestListEndpointsAndJobsSortOrders(t *testing.T) {
	t.Parallel()
	s := listingFixture(t)
	cases := []struct {
		body string
		want string
	}{
		{`{}`, "b,d,c,a"}, // newest first, ties by name
		{`{"SortBy":"CreationTime","SortOrder":"Descending"}`, "b,d,c,a"},
		{`{"SortBy":"CreationTime","SortOrder":"Ascending"}`, "a,c,d,b"},
		{`{"SortBy":"Name"}`, "d,c,b,a"},
		{`{"SortBy":"Name","SortOrder":"Descending"}`, "d,c,b,a"},
		{`{"SortBy":"Name","SortOrder":"Ascending"}`, "a,b,c,d"},
		{`{"NameContains":"B"}`, "b"},
		{`{"NameContains":"zz"}`, ""},
	}
	for _, c := range cases {
		got, _, e := listNames(t, (*Server).listEndpoints, s, c.body, "Endpoints", "EndpointName")
		if e != nil || strings.Join(got, ",") != c.want {
			t.Errorf("ListEndpoints %s = %v, %v; want %s", c.body, got, e, c.want)
		}
		got, _, e = listNames(t, (*Server).listCompilationJobs, s, c.body, "CompilationJobSummaries", "CompilationJobName")
		if e != nil || strings.Join(got, ",") != c.want {
			t.Errorf("ListCompilationJobs %s = %v, %v; want %s", c.body, got, e, c.want)
		}
	}
}

func TestListEndpointsAndJobsSortByStatus(t *testing.T) {
	t.Parallel()
	s := listingFixture(t)
	cases := []struct {
		op                         apiOp
		listField, nameField, body string
		want                       string
	}{
		// Creating < Failed < InService < Updating.
		{(*Server).listEndpoints, "Endpoints", "EndpointName", `{"SortBy":"Status"}`, "d,a,b,c"},
		{(*Server).listEndpoints, "Endpoints", "EndpointName", `{"SortBy":"Status","SortOrder":"Ascending"}`, "c,b,a,d"},
		{(*Server).listEndpoints, "Endpoints", "EndpointName", `{"StatusEquals":"Failed"}`, "b"},
		// COMPLETED < FAILED < INPROGRESS < STARTING.
		{(*Server).listCompilationJobs, "CompilationJobSummaries", "CompilationJobName", `{"SortBy":"Status"}`, "d,c,b,a"},
		{(*Server).listCompilationJobs, "CompilationJobSummaries", "CompilationJobName", `{"SortBy":"Status","SortOrder":"Ascending"}`, "a,b,c,d"},
		{(*Server).listCompilationJobs, "CompilationJobSummaries", "CompilationJobName", `{"StatusEquals":"INPROGRESS"}`, "c"},
	}
	for _, c := range cases {
		got, _, e := listNames(t, c.op, s, c.body, c.listField, c.nameField)
		if e != nil || strings.Join(got, ",") != c.want {
			t.Errorf("%s %s = %v, %v; want %s", c.listField, c.body, got, e, c.want)
		}
	}
}

func TestListEndpointsAndJobsPaging(t *testing.T) {
	t.Parallel()
	s := listingFixture(t)
	for _, l := range []struct {
		op                   apiOp
		listField, nameField string
	}{
		{(*Server).listEndpoints, "Endpoints", "EndpointName"},
		{(*Server).listCompilationJobs, "CompilationJobSummaries", "CompilationJobName"},
	} {
		got, next, e := listNames(t, l.op, s, `{"SortBy":"Name","SortOrder":"Ascending","MaxResults":3}`, l.listField, l.nameField)
		if e != nil || strings.Join(got, ",") != "a,b,c" || next == "" {
			t.Errorf("%s first page = %v, next %q, %v; want a,b,c and a next token", l.listField, got, next, e)
		}
		got, last, e := listNames(t, l.op, s, `{"SortBy":"Name","SortOrder":"Ascending","MaxResults":3,"NextToken":"`+next+`"}`, l.listField, l.nameField)
		if e != nil || strings.Join(got, ",") != "d" || last != "" {
			t.Errorf("%s second page = %v, next %q, %v; want d, no next", l.listField, got, last, e)
		}
		// A token belongs to the order it was made for.
		_, _, e = listNames(t, l.op, s, `{"SortBy":"Name","SortOrder":"Descending","MaxResults":3,"NextToken":"`+next+`"}`, l.listField, l.nameField)
		if e == nil || e.Code != "ValidationException" {
			t.Errorf("%s token of another order: %v, want ValidationException", l.listField, e)
		}
		_, _, e = listNames(t, l.op, s, `{"NextToken":"5"}`, l.listField, l.nameField)
		if e == nil || e.Code != "ValidationException" || e.Message != `Invalid pagination token "5"` {
			t.Errorf("%s bad token error = %v, want ValidationException Invalid pagination token \"5\"", l.listField, e)
		}
		_, _, e = listNames(t, l.op, s, `{"MaxResults":"x"}`, l.listField, l.nameField)
		if e == nil || e.Code != "SerializationException" {
			t.Errorf("%s malformed body error = %v, want SerializationException", l.listField, e)
		}
	}
}

// TestLookupErrors pins the errors of the operations that decode a name,
// validate it and look it up, including which error wins when several apply.
func TestLookupErrors(t *testing.T) {
	t.Parallel()
	s := NewServer()
	t.Cleanup(s.Close)
	long := strings.Repeat("x", 64)
	arn := func(kind, name string) string { return s.arn(kind, name) }
	cases := []struct {
		op   string
		body string
		code string
		msg  string
	}{
		{"DescribeModel", `{"ModelName":"nope"}`, "ValidationException", `Could not find model "` + arn("model", "nope") + `".`},
		{"DeleteModel", `{"ModelName":"nope"}`, "ValidationException", `Could not find model "` + arn("model", "nope") + `".`},
		{"DescribeModel", `{}`, "ValidationException", "1 validation error detected: Value null at 'modelName' failed to satisfy constraint: Member must not be null"},
		{"DeleteModel", `{"ModelName":"` + long + `"}`, "ValidationException", "1 validation error detected: Value '" + long + "' at 'modelName' failed to satisfy constraint: Member must have length less than or equal to 63"},
		{"DescribeModel", `{"ModelName":1}`, "SerializationException", ""},
		{"DescribeEndpointConfig", `{"EndpointConfigName":"nope"}`, "ValidationException", `Could not find endpoint configuration "` + arn("endpoint-config", "nope") + `".`},
		{"DeleteEndpointConfig", `{"EndpointConfigName":"nope"}`, "ValidationException", `Could not find endpoint configuration "` + arn("endpoint-config", "nope") + `".`},
		{"DescribeEndpointConfig", `{"EndpointConfigName":"a_b"}`, "ValidationException", "1 validation error detected: Value 'a_b' at 'endpointConfigName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + nameRule.text},
		{"DeleteEndpointConfig", `{}`, "ValidationException", "1 validation error detected: Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null"},
		{"DescribeEndpoint", `{"EndpointName":"nope"}`, "ValidationException", `Could not find endpoint "` + arn("endpoint", "nope") + `".`},
		{"DeleteEndpoint", `{"EndpointName":"nope"}`, "ValidationException", `Could not find endpoint "` + arn("endpoint", "nope") + `".`},
		{"DescribeEndpoint", `{}`, "ValidationException", "1 validation error detected: Value null at 'endpointName' failed to satisfy constraint: Member must not be null"},
		{"UpdateEndpoint", `{"EndpointName":"nope","EndpointConfigName":"c"}`, "ValidationException", `Could not find endpoint "` + arn("endpoint", "nope") + `".`},
		{"UpdateEndpoint", `{"EndpointConfigName":"c"}`, "ValidationException", "1 validation error detected: Value null at 'endpointName' failed to satisfy constraint: Member must not be null"},
		// The config name is validated before the endpoint is looked up.
		{"UpdateEndpoint", `{"EndpointName":"nope"}`, "ValidationException", "1 validation error detected: Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null"},
		{"UpdateEndpoint", `{"EndpointName":"a_b"}`, "ValidationException", "1 validation error detected: Value 'a_b' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + nameRule.text},
		{"CreateEndpoint", `{"EndpointName":"a_b"}`, "ValidationException", "1 validation error detected: Value 'a_b' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + nameRule.text},
		{"CreateEndpoint", `{"EndpointName":"e"}`, "ValidationException", "1 validation error detected: Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null"},
		{"CreateEndpoint", `{"EndpointName":"e","EndpointConfigName":"nope"}`, "ValidationException", `Could not find endpoint configuration "` + arn("endpoint-config", "nope") + `".`},
		{"CreateEndpoint", `[]`, "SerializationException", ""},
		{"DescribeCompilationJob", `{"CompilationJobName":"nope"}`, "ResourceNotFound", "Could not find compilation job with name nope"},
		{"StopCompilationJob", `{"CompilationJobName":"nope"}`, "ResourceNotFound", "Could not find compilation job with name nope"},
		{"StopCompilationJob", `{}`, "ValidationException", "1 validation error detected: Value null at 'compilationJobName' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		_, e := apiOps[c.op](s, []byte(c.body))
		if e == nil || e.Code != c.code || (c.msg != "" && e.Message != c.msg) || e.StatusCode != 400 {
			t.Errorf("%s %s = %+v; want %s %q (HTTP 400)", c.op, c.body, e, c.code, c.msg)
		}
	}
}

// TestListPagingVisitsEveryResourceWhileOthersAreDeleted pages through 150
// models, deleting each page's models before asking for the next, as a
// cleanup loop over boto3's paginator does, in every order: every model is
// visited once. Before, the offset token skipped the 50 models that moved
// into the deleted ones' places (or was refused as out of range).
func TestListPagingVisitsEveryResourceWhileOthersAreDeleted(t *testing.T) {
	for _, order := range []string{`"SortBy":"Name","SortOrder":"Ascending"`, `"SortBy":"CreationTime","SortOrder":"Descending"`, `"SortBy":"CreationTime","SortOrder":"Ascending"`} {
		s := NewServer()
		base := time.UnixMilli(1_600_000_000_000)
		s.mu.Lock()
		for i := range 150 {
			name := fmt.Sprintf("m%03d", i)
			s.models[name] = &model{name: name, arn: s.arn("model", name), created: base.Add(time.Duration(i/3) * time.Second)}
		}
		s.mu.Unlock()
		seen := map[string]int{}
		next := ""
		for page := 0; ; page++ {
			body := `{` + order + `,"MaxResults":40`
			if next != "" {
				body += `,"NextToken":"` + next + `"`
			}
			names, tok, e := listNames(t, (*Server).listModels, s, body+`}`, "Models", "ModelName")
			if e != nil {
				t.Fatalf("%s page %d: %v", order, page, e)
			}
			for _, n := range names {
				seen[n]++
				if _, e := s.deleteModel([]byte(`{"ModelName":"` + n + `"}`)); e != nil {
					t.Fatalf("DeleteModel %s: %v", n, e)
				}
			}
			if next = tok; next == "" || page > 10 {
				break
			}
		}
		if len(seen) != 150 || len(s.models) != 0 {
			t.Errorf("%s: visited %d models, %d left; want all 150 visited and deleted", order, len(seen), len(s.models))
		}
		for n, c := range seen {
			if c != 1 {
				t.Errorf("%s: %s visited %d times", order, n, c)
			}
		}
		s.Close()
	}
}
