package main

import (
	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/cost"
)

// serverlessRate is an ILLUSTRATIVE serverless price, not a quote: $0.00008 per second of
// compute at 4 GB and $0.016 per GB of data in and out, the figures AWS's pricing page
// (https://aws.amazon.com/sagemaker/pricing/, Serverless Inference) has shown for
// us-east-1. The quickstart's instance prices are eu-west-1's of 2021; for a study that
// matters, read the region's serverless prices from the Price List with cost.ParseOffer
// and cost.ServerlessRateFrom.
var serverlessRate = cost.ServerlessRate{
	Region: "eu-west-1", MemoryGB: 4, USDPerSecond: 0.00008, USDPerGBIn: 0.016, USDPerGBOut: 0.016,
	Source: "illustrative: us-east-1's published 4 GB rate, not a eu-west-1 quote",
}

// serverlessCandidate is the candidate -serverless adds: a 4 GB serverless endpoint that
// lets every client in at once (MaxConcurrency above the clients), so that the study
// measures its speed rather than its throttling.
func serverlessCandidate(clients int) sagebench.Candidate {
	rate := serverlessRate
	return sagebench.Candidate{
		Name:             "serverless-4GB",
		FrameworkVersion: "1.7",
		Serverless: &sagebench.ServerlessSpec{
			MemorySizeInMB: 4096, MaxConcurrency: min(max(clients, 1)+4, 200), Price: &rate,
		},
		Note: "serverless price illustrative (us-east-1's published 4 GB rate)",
	}
}
