package sagemakertest

import (
	"slices"
	"strings"
)

// listConfigsByName is ListEndpointConfigs with its NameContains filter and
// paging, newest first, enough for a cleanup to find a run's configurations.
func (s *Server) listConfigsByName(body []byte) (any, *APIError) {
	var in struct {
		NameContains string
		NextToken    string
		MaxResults   int
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	type summary struct {
		EndpointConfigName string
		EndpointConfigArn  string
		CreationTime       float64
	}
	s.mu.Lock()
	var all []summary
	for _, c := range s.configs {
		if strings.Contains(strings.ToLower(c.name), strings.ToLower(in.NameContains)) {
			all = append(all, summary{c.name, c.arn, epoch(c.created)})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b summary) int {
		return cmpDesc(a.CreationTime, b.CreationTime, a.EndpointConfigName, b.EndpointConfigName)
	})
	lo, hi, next, e := page(len(all), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return struct {
		EndpointConfigs []summary
		NextToken       string `json:",omitempty"`
	}{append([]summary{}, all[lo:hi]...), next}, nil
}
