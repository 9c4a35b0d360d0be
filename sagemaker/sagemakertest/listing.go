package sagemakertest

import (
	"slices"
	"strconv"
	"strings"
)

// listQuery is the input ListEndpoints and ListCompilationJobs share.
type listQuery struct {
	NameContains, StatusEquals, SortBy, SortOrder, NextToken string
	MaxResults                                               int
}

// keeps reports whether a resource passes the NameContains filter, which
// AWS applies case-insensitively, and the exact StatusEquals filter.
func (q *listQuery) keeps(name, status string) bool {
	return strings.Contains(strings.ToLower(name), strings.ToLower(q.NameContains)) &&
		(q.StatusEquals == "" || q.StatusEquals == status)
}

// sortedPage sorts all as q asks and returns the page q selects and the next
// token. SortBy Name and Status compare only that key; anything else sorts by
// CreationTime with ties broken by name. Every order is descending unless
// SortOrder is Ascending. The page is never nil, so an empty one encodes as
// [] rather than null.
func sortedPage[T any](all []T, q listQuery, key func(T) (name, status string, created float64)) ([]T, string, *APIError) {
	slices.SortFunc(all, func(a, b T) int {
		na, sa, ta := key(a)
		nb, sb, tb := key(b)
		var c int
		switch q.SortBy {
		case "Name":
			c = -strings.Compare(na, nb)
		case "Status":
			c = -strings.Compare(sa, sb)
		default:
			c = cmpDesc(ta, tb, na, nb)
		}
		if q.SortOrder == "Ascending" {
			c = -c
		}
		return c
	})
	lo, hi, next, e := page(len(all), q.NextToken, q.MaxResults)
	if e != nil {
		return nil, "", e
	}
	return append([]T{}, all[lo:hi]...), next, nil
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
func page(n int, nextToken string, maxResults int) (lo, hi int, next string, e *APIError) {
	if maxResults <= 0 || maxResults > 100 {
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
