package sagemakertest

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// listQuery is the input the List operations share. Each operation reads the
// members its API has: ListModels and ListEndpointConfigs have no status and
// no LastModifiedTime filters, and SageMaker ignores members an operation
// does not define, as the JSON protocol allows.
type listQuery struct {
	NameContains, StatusEquals, SortBy, SortOrder, NextToken string

	MaxResults *int
	// Times are seconds since the Unix epoch, as AWS JSON 1.1 sends them.
	CreationTimeAfter, CreationTimeBefore         *float64
	LastModifiedTimeAfter, LastModifiedTimeBefore *float64
}

// listing describes one List operation: its sort keys and, when it has a
// StatusEquals filter, the statuses it accepts.
type listing struct {
	sortKeys enum
	statuses *enum
}

// row is what filtering and sorting look at in a listed resource.
type row struct {
	name, status      string
	created, modified float64
}

// validate checks the query as the front end does, all members at once.
func (l listing) validate(q *listQuery) *APIError {
	var vs violations
	vs.str("nameContains", q.NameContains, nameContainsRule)
	vs.enum("sortBy", q.SortBy, l.sortKeys)
	vs.enum("sortOrder", q.SortOrder, orderKeys)
	if l.statuses != nil {
		vs.enum("statusEquals", q.StatusEquals, *l.statuses)
	}
	if q.MaxResults != nil {
		vs.between("maxResults", *q.MaxResults, 1, 100)
	}
	vs.str("nextToken", q.NextToken, nextTokenRule)
	return vs.err()
}

// keeps reports whether a resource passes every filter. NameContains is
// case-insensitive, as in SageMaker; the time filters are strict (After means
// later than, Before earlier than).
func (q *listQuery) keeps(r row) bool {
	after := func(t float64, bound *float64) bool { return bound == nil || t > *bound }
	before := func(t float64, bound *float64) bool { return bound == nil || t < *bound }
	return strings.Contains(strings.ToLower(r.name), strings.ToLower(q.NameContains)) &&
		(q.StatusEquals == "" || q.StatusEquals == r.status) &&
		after(r.created, q.CreationTimeAfter) && before(r.created, q.CreationTimeBefore) &&
		after(r.modified, q.LastModifiedTimeAfter) && before(r.modified, q.LastModifiedTimeBefore)
}

// list validates q, filters all, sorts what is kept as q asks and returns
// the page q selects and the next token. SortBy Name compares names;
// Status compares statuses, then names; CreationTime (the default) compares
// creation times, then names. Every order is descending unless SortOrder is
// Ascending, as in SageMaker. The page is never nil, so an empty one encodes
// as [] rather than null.
//
// A token names the last resource of its page by its sort key (see
// pageToken), not by its position: the next page starts after that key in
// the same order, so deleting resources between calls (a cleanup loop over
// a paginator) neither invalidates the token nor skips a resource that
// still exists, as an offset would.
func list[T any](l listing, q *listQuery, all []T, key func(T) row) ([]T, string, *APIError) {
	if e := l.validate(q); e != nil {
		return nil, "", e
	}
	all = slices.DeleteFunc(all, func(t T) bool { return !q.keeps(key(t)) })
	order := func(a, b row) int {
		var c int
		switch q.SortBy {
		case "Name":
			c = -strings.Compare(a.name, b.name)
		case "Status":
			c = -strings.Compare(a.status, b.status)
			if c == 0 {
				c = -strings.Compare(a.name, b.name)
			}
		default:
			c = cmpDesc(a.created, b.created, a.name, b.name)
		}
		if q.SortOrder == "Ascending" {
			c = -c
		}
		return c
	}
	slices.SortFunc(all, func(a, b T) int { return order(key(a), key(b)) })
	lo := 0
	if q.NextToken != "" {
		after, ok := parsePageToken(q.NextToken, q)
		if !ok {
			return nil, "", validation("Invalid pagination token %q", q.NextToken)
		}
		lo, _ = slices.BinarySearchFunc(all, after, func(t T, after row) int {
			if order(key(t), after) <= 0 {
				return -1
			}
			return 1
		})
	}
	maxResults := 100
	if q.MaxResults != nil {
		maxResults = *q.MaxResults
	}
	hi := min(lo+maxResults, len(all))
	next := ""
	if hi < len(all) {
		next = newPageToken(key(all[hi-1]), q)
	}
	return append([]T{}, all[lo:hi]...), next, nil
}

// pageToken is what a NextToken of a List operation holds: the sort key of
// the last resource returned, and the order it was returned in, which the
// next call must repeat.
type pageToken struct {
	SortBy    string  `json:"b,omitempty"`
	SortOrder string  `json:"o,omitempty"`
	Name      string  `json:"n"`
	Status    string  `json:"s,omitempty"`
	Created   float64 `json:"c,omitempty"`
}

func newPageToken(last row, q *listQuery) string {
	raw, _ := json.Marshal(pageToken{q.SortBy, q.SortOrder, last.name, last.status, last.created})
	return base64.RawURLEncoding.EncodeToString(raw)
}

// parsePageToken decodes a token made by newPageToken for the same order.
func parsePageToken(tok string, q *listQuery) (row, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return row{}, false
	}
	var p pageToken
	if err := json.Unmarshal(raw, &p); err != nil || p.Name == "" || p.SortBy != q.SortBy || p.SortOrder != q.SortOrder {
		return row{}, false
	}
	return row{name: p.Name, status: p.Status, created: p.Created}, true
}

// cmpDesc orders newest first, then by name, which is AWS's default listing
// order (SortBy CreationTime, SortOrder Descending).
func cmpDesc(ta, tb float64, na, nb string) int {
	switch {
	case ta > tb:
		return -1
	case ta < tb:
		return 1
	}
	return strings.Compare(na, nb)
}

// page applies AWS-style NextToken/MaxResults paging to n sorted items and
// returns the half-open range to return and the next token ("" at the end).
// A maxResults of 0 or less means the default, 100.
func page(n int, nextToken string, maxResults int) (lo, hi int, next string, e *APIError) {
	if maxResults <= 0 {
		maxResults = 100
	}
	if nextToken != "" {
		var err error
		if lo, err = strconv.Atoi(nextToken); err != nil || lo < 0 || lo > n {
			return 0, 0, "", validation("Invalid pagination token %q", nextToken)
		}
	}
	hi = min(lo+maxResults, n)
	if hi < n {
		next = strconv.Itoa(hi)
	}
	return lo, hi, next, nil
}
