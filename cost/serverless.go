package cost

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// ServerlessMemorySizesMB are the memory sizes a serverless endpoint may have: "1024 MB,
// 2048 MB, 3072 MB, 4096 MB, 5120 MB, or 6144 MB" (AWS, "Deploy models with Amazon
// SageMaker Serverless Inference", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html,
// and ProductionVariantServerlessConfig.MemorySizeInMB in the SageMaker API reference).
var ServerlessMemorySizesMB = []int{1024, 2048, 3072, 4096, 5120, 6144}

// ServerlessMaxConcurrency is the most MaxConcurrency one serverless endpoint may have
// (ProductionVariantServerlessConfig.MaxConcurrency: 1 to 200).
const ServerlessMaxConcurrency = 200

// bytesPerGB is the GB in which AWS bills data processed. Assumption: binary GB (2^30
// bytes), as AWS's billing of data transfer counts it; the difference from 10^9 is 7%
// of a figure that is a small part of a serverless bill.
const bytesPerGB = 1 << 30

// ServerlessRate is what a serverless endpoint of one memory size is billed at in one
// region: compute per second of inference duration at that memory size (AWS bills it per
// millisecond, by the GB-second of memory: https://aws.amazon.com/sagemaker/pricing/,
// "Serverless Inference"), and data processed in and out per GB.
type ServerlessRate struct {
	Region       string
	MemoryGB     int
	USDPerSecond float64 // compute at MemoryGB, per second of invocation duration
	USDPerGBIn   float64
	USDPerGBOut  float64
	// ProvisionedUSDPerHour is what the endpoint's provisioned concurrency costs an hour,
	// idle or not (0: none). The Price List rows of provisioned concurrency are not parsed
	// (see ParseOffer): the caller gives this from the pricing page.
	ProvisionedUSDPerHour float64
	// Source says where the compute price comes from.
	Source string
}

// ServerlessRateFrom picks, from an offer's serverless prices (Offer.Serverless), the
// compute price of memoryMB in region and the data prices. It fails when the memory size
// is not one AWS allows or the offer has no compute price for it; a missing data price
// is zero.
func ServerlessRateFrom(prices []ServerlessPrice, region string, memoryMB int) (ServerlessRate, error) {
	if !slices.Contains(ServerlessMemorySizesMB, memoryMB) {
		return ServerlessRate{}, fmt.Errorf("%w: serverless memory size %d MB is not one of %v", ErrInvalidInput, memoryMB, ServerlessMemorySizesMB)
	}
	r := ServerlessRate{Region: region, MemoryGB: memoryMB / 1024}
	for _, p := range prices {
		if p.Region != region {
			continue
		}
		switch {
		case p.MemoryGB == r.MemoryGB:
			r.USDPerSecond, r.Source = p.USDPerSecond, p.Source
		case p.Data == "in":
			r.USDPerGBIn = p.USDPerGB
		case p.Data == "out":
			r.USDPerGBOut = p.USDPerGB
		}
	}
	if r.USDPerSecond <= 0 {
		return ServerlessRate{}, fmt.Errorf("%w: no serverless compute price for %d GB in %s", ErrInvalidInput, r.MemoryGB, region)
	}
	return r, nil
}

// ServerlessLoad is what a serverless candidate's measurement says about one request.
type ServerlessLoad struct {
	// Duration is the mean billed duration of an invocation. AWS bills the time the
	// container spends on the request, per millisecond; the client's latency, which adds
	// the network and the front end, is an upper bound of it.
	Duration time.Duration
	// BytesIn and BytesOut are the mean request and response sizes.
	BytesIn, BytesOut float64
	// MaxConcurrency is the endpoint's; with Duration it bounds the traffic it serves.
	MaxConcurrency int
}

// ServerlessEstimate is a serverless candidate's cost, a function of traffic.
type ServerlessEstimate struct {
	Name string
	Rate ServerlessRate
	Load ServerlessLoad
	// PerRequest is compute plus data for one request, in USD:
	//   Rate.USDPerSecond x Duration (rounded up to the millisecond)
	//   + (BytesIn x Rate.USDPerGBIn + BytesOut x Rate.USDPerGBOut) / 2^30.
	PerRequest float64
	// PerMillion is a million requests' cost without provisioned concurrency.
	PerMillion float64
	// MaxTPS is the most traffic the endpoint serves without throttling, by Little's law:
	// MaxConcurrency requests in flight, each Duration long. AWS throttles the rest
	// (ThrottlingException).
	MaxTPS float64
}

// NewServerlessEstimate prices a serverless candidate. It fails on a duration that is not
// positive, negative sizes or prices, or a MaxConcurrency outside 1..200.
func NewServerlessEstimate(name string, rate ServerlessRate, load ServerlessLoad) (ServerlessEstimate, error) {
	switch {
	case load.Duration <= 0:
		return ServerlessEstimate{}, fmt.Errorf("%w: serverless candidate %q has duration %v", ErrInvalidInput, name, load.Duration)
	case !(load.BytesIn >= 0) || !(load.BytesOut >= 0) || math.IsInf(load.BytesIn+load.BytesOut, 0):
		return ServerlessEstimate{}, fmt.Errorf("%w: serverless candidate %q has payload sizes %v in, %v out", ErrInvalidInput, name, load.BytesIn, load.BytesOut)
	case load.MaxConcurrency < 1 || load.MaxConcurrency > ServerlessMaxConcurrency:
		return ServerlessEstimate{}, fmt.Errorf("%w: serverless candidate %q has MaxConcurrency %d, not in 1..%d", ErrInvalidInput, name, load.MaxConcurrency, ServerlessMaxConcurrency)
	}
	for _, p := range []float64{rate.USDPerSecond, rate.USDPerGBIn, rate.USDPerGBOut, rate.ProvisionedUSDPerHour} {
		if err := checkPrice(p); err != nil {
			return ServerlessEstimate{}, fmt.Errorf("serverless candidate %q: %w", name, err)
		}
	}
	billed := load.Duration.Round(0)
	if r := billed % time.Millisecond; r != 0 {
		billed += time.Millisecond - r
	}
	per := rate.USDPerSecond*billed.Seconds() + (load.BytesIn*rate.USDPerGBIn+load.BytesOut*rate.USDPerGBOut)/bytesPerGB
	return ServerlessEstimate{
		Name: name, Rate: rate, Load: load, PerRequest: per, PerMillion: per * 1e6,
		MaxTPS: float64(load.MaxConcurrency) / load.Duration.Seconds(),
	}, nil
}

// PerHour is the cost of an hour at tps requests per second: provisioned concurrency's
// hourly price plus tps x 3600 x PerRequest. ok is false beyond MaxTPS, where AWS
// throttles the requests over it: the endpoint cannot serve that traffic.
func (e ServerlessEstimate) PerHour(tps float64) (usd float64, ok bool) {
	if !(tps >= 0) || tps > e.MaxTPS {
		return 0, false
	}
	return e.Rate.ProvisionedUSDPerHour + tps*secondsPerHour*e.PerRequest, true
}
