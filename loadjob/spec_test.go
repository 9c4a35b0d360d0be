package loadjob

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestFindShardIsThePositionOfCurrentHostInSortedHosts(t *testing.T) {
	rc := filepath.Join(t.TempDir(), "resourceconfig.json")
	require.NoError(t, os.WriteFile(rc, []byte(`{"current_host":"algo-2","hosts":["algo-3","algo-1","algo-2"],"network_interface_name":"eth0"}`), 0o644))
	sh, err := FindShard(-1, 3, rc, env(nil))
	require.NoError(t, err)
	assert.Equal(t, Shard{I: 1, N: 3, Host: "algo-2", From: rc}, sh)

	_, err = FindShard(-1, 4, rc, env(nil))
	assert.ErrorContains(t, err, "does not fit the spec's 4 shards")
}

func TestFindShardPrefersFlagThenKubernetesThenBatch(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.json")
	sh, err := FindShard(2, 4, missing, env(map[string]string{EnvJobCompletionIndex: "1"}))
	require.NoError(t, err)
	assert.Equal(t, 2, sh.I)
	sh, err = FindShard(-1, 4, missing, env(map[string]string{EnvJobCompletionIndex: "1", EnvBatchArrayIndex: "3"}))
	require.NoError(t, err)
	assert.Equal(t, Shard{I: 1, N: 4, Host: "shard-1", From: EnvJobCompletionIndex}, sh)
	sh, err = FindShard(-1, 4, missing, env(map[string]string{EnvBatchArrayIndex: "3"}))
	require.NoError(t, err)
	assert.Equal(t, 3, sh.I)

	_, err = FindShard(-1, 4, missing, env(map[string]string{EnvBatchArrayIndex: "4"}))
	assert.ErrorContains(t, err, "shard 4 of 4")
	_, err = FindShard(-1, 4, missing, env(map[string]string{EnvBatchArrayIndex: "x"}))
	assert.ErrorContains(t, err, "is not an index")
	_, err = FindShard(-1, 4, missing, env(nil))
	assert.ErrorContains(t, err, "no shard index")
}

func TestParseS3URIEndsThePrefixWithASlash(t *testing.T) {
	b, p, ok := parseS3URI("s3://bucket/a/b")
	assert.True(t, ok)
	assert.Equal(t, "bucket", b)
	assert.Equal(t, "a/b/", p)
	_, _, ok = parseS3URI("https://bucket/a")
	assert.False(t, ok)
}
