package cost_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/cost"
)

// us-east-1's published 4 GB rate ($0.00008 per second) and $0.016 per GB in and out.
var rate4GB = cost.ServerlessRate{Region: "us-east-1", MemoryGB: 4, USDPerSecond: 0.00008, USDPerGBIn: 0.016, USDPerGBOut: 0.016}

func TestServerlessEstimateIsComputeByDurationPlusDataProcessed(t *testing.T) {
	e, err := cost.NewServerlessEstimate("sls-4GB", rate4GB, cost.ServerlessLoad{
		Duration: 119_400 * time.Microsecond, BytesIn: 100 << 10, BytesOut: 1 << 10, MaxConcurrency: 10})
	require.NoError(t, err)
	// 119.4ms is billed as 120ms; data in GB of 2^30 bytes.
	want := 0.00008*0.120 + (102400*0.016+1024*0.016)/(1<<30)
	assert.InDelta(t, want, e.PerRequest, 1e-15)
	assert.InDelta(t, want*1e6, e.PerMillion, 1e-9)
	assert.InDelta(t, 10/0.1194, e.MaxTPS, 1e-9, "MaxConcurrency over duration (Little's law)")

	usd, ok := e.PerHour(50)
	assert.True(t, ok)
	assert.InDelta(t, 50*3600*want, usd, 1e-12)
	_, ok = e.PerHour(e.MaxTPS * 1.01)
	assert.False(t, ok, "beyond MaxConcurrency AWS throttles")
	usd, ok = e.PerHour(0)
	assert.True(t, ok)
	assert.Zero(t, usd, "nothing is billed when idle")

	pc := rate4GB
	pc.ProvisionedUSDPerHour = 0.5
	e, err = cost.NewServerlessEstimate("sls-pc", pc, cost.ServerlessLoad{Duration: 120 * time.Millisecond, MaxConcurrency: 10})
	require.NoError(t, err)
	usd, _ = e.PerHour(0)
	assert.Equal(t, 0.5, usd, "provisioned concurrency bills per hour, idle or not")
}

func TestServerlessEstimateRefusesWhatItCannotPrice(t *testing.T) {
	for name, load := range map[string]cost.ServerlessLoad{
		"no duration":      {MaxConcurrency: 1},
		"concurrency 0":    {Duration: time.Millisecond},
		"concurrency 201":  {Duration: time.Millisecond, MaxConcurrency: 201},
		"negative payload": {Duration: time.Millisecond, MaxConcurrency: 1, BytesIn: -1},
	} {
		_, err := cost.NewServerlessEstimate(name, rate4GB, load)
		assert.True(t, errors.Is(err, cost.ErrInvalidInput), name)
	}
}

func TestServerlessRateFromPicksTheMemorySizeAndDataPrices(t *testing.T) {
	prices := []cost.ServerlessPrice{
		{Region: "us-east-1", MemoryGB: 2, USDPerSecond: 0.00004},
		{Region: "us-east-1", MemoryGB: 4, USDPerSecond: 0.00008, Source: "s4"},
		{Region: "eu-west-1", MemoryGB: 4, USDPerSecond: 0.00009},
		{Region: "us-east-1", Data: "in", USDPerGB: 0.016},
		{Region: "us-east-1", Data: "out", USDPerGB: 0.017},
	}
	r, err := cost.ServerlessRateFrom(prices, "us-east-1", 4096)
	require.NoError(t, err)
	assert.Equal(t, cost.ServerlessRate{Region: "us-east-1", MemoryGB: 4, USDPerSecond: 0.00008, USDPerGBIn: 0.016, USDPerGBOut: 0.017, Source: "s4"}, r)
	_, err = cost.ServerlessRateFrom(prices, "us-east-1", 3000)
	assert.ErrorIs(t, err, cost.ErrInvalidInput, "not one of AWS's memory sizes")
	_, err = cost.ServerlessRateFrom(prices, "us-east-1", 6144)
	assert.ErrorIs(t, err, cost.ErrInvalidInput, "no price for 6 GB")
}
