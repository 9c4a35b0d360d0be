package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLoadOnReadsProcessingTypeAndCount(t *testing.T) {
	const img = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
	p, err := parseLoadOn("processing:ml.c5.xlarge:3", img)
	require.NoError(t, err)
	assert.Equal(t, "ml.c5.xlarge", p.InstanceType)
	assert.Equal(t, 3, p.InstanceCount)
	assert.Equal(t, img, p.Image)

	p, err = parseLoadOn("processing:ml.m5.large", img)
	require.NoError(t, err)
	assert.Equal(t, 1, p.InstanceCount)

	for _, here := range []string{"", "here"} {
		p, err = parseLoadOn(here, "")
		require.NoError(t, err)
		assert.Nil(t, p)
	}
	for bad, want := range map[string]string{
		"lambda:x":                    "want here, or processing:",
		"processing:ml.c5.xlarge:0":   "not a number from 1 to 100",
		"processing:ml.c5.xlarge:101": "not a number from 1 to 100",
		"processing:":                 "want here, or processing:",
	} {
		_, err := parseLoadOn(bad, img)
		assert.ErrorContains(t, err, want, bad)
	}
	p, err = parseLoadOn("processing:ml.c5.xlarge:3", "")
	require.NoError(t, err)
	assert.Empty(t, p.Image, "the study resolves the region's scikit-learn image")
}
