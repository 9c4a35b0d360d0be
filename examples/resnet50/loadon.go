package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sagebench/sagebench"
)

// parseLoadOn reads -load-on: "" or "here" loads from this process; "processing:TYPE:N"
// (or "processing:TYPE", one instance) loads from a SageMaker Processing job of N
// instances of TYPE in the study's region, running on image (empty: the region's
// scikit-learn image, sagebench.ProcessingImageVersion).
func parseLoadOn(s, image string) (*sagebench.Processing, error) {
	if s == "" || s == "here" {
		return nil, nil
	}
	parts := strings.Split(s, ":")
	if parts[0] != "processing" || len(parts) < 2 || len(parts) > 3 || parts[1] == "" {
		return nil, fmt.Errorf("-load-on %q: want here, or processing:<instance type>[:<count>] (e.g. processing:ml.c5.xlarge:3)", s)
	}
	p := &sagebench.Processing{InstanceType: parts[1], InstanceCount: 1, Image: image}
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 || n > 100 {
			return nil, fmt.Errorf("-load-on %q: the instance count %q is not a number from 1 to 100", s, parts[2])
		}
		p.InstanceCount = n
	}
	return p, nil
}
