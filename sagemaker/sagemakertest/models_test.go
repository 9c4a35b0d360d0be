package sagemakertest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// TestCreateModelEnforcesEnvironmentLimits: the ContainerDefinition API
// reference allows 1024 bytes per Environment key and value and 32 KB for
// all the containers' maps together; CreateModel refuses more with a
// ValidationException. Before, any size was accepted.
func TestCreateModelEnforcesEnvironmentLimits(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	spread := func(containers, vars, valueBytes int) []types.ContainerDefinition {
		var cs []types.ContainerDefinition
		for c := range containers {
			env := map[string]string{}
			for i := range vars {
				env[fmt.Sprintf("K%d_%02d", c, i)] = strings.Repeat("v", valueBytes)
			}
			cs = append(cs, types.ContainerDefinition{Image: aws.String(testImage), Environment: env})
		}
		return cs
	}
	cases := []struct {
		name       string
		containers []types.ContainerDefinition
		want       string // "" for success
	}{
		{"value of 1024 bytes", []types.ContainerDefinition{{Image: aws.String(testImage), Environment: map[string]string{"K": strings.Repeat("é", 512)}}}, ""},
		{"value of 1026 bytes", []types.ContainerDefinition{{Image: aws.String(testImage), Environment: map[string]string{"K": strings.Repeat("é", 513)}}},
			"Value at 'containers.1.member.environment' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 1024]"},
		{"key of 1025 bytes", []types.ContainerDefinition{{Image: aws.String(testImage), Environment: map[string]string{strings.Repeat("K", 1025): "v"}}},
			"Map keys must satisfy constraint: [Member must have length less than or equal to 1024]"},
		{"key with a dash", []types.ContainerDefinition{{Image: aws.String(testImage), Environment: map[string]string{"MY-VAR": "v"}}},
			"Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]"},
		{"30 KB in two containers", spread(2, 15, 1000), ""},
		{"33 KB in two containers", spread(2, 17, 1000), "The combined length of the environment variables of all containers is 34170 bytes, more than the maximum of 32768 bytes (32 KB)."},
	}
	for i, c := range cases {
		_, err := sm.CreateModel(ctxT(t), &sagemaker.CreateModelInput{
			ModelName: aws.String(fmt.Sprintf("env-%d", i)), ExecutionRoleArn: aws.String(testRole), Containers: c.containers,
		})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want success", c.name, err)
		case c.want != "" && (errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want ValidationException %q", c.name, err, c.want)
		}
	}
}
