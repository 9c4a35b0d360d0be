package sagemakertest_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/smithy-go/middleware"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestEveryAnswerCarriesItsOwnRequestID: SageMaker, its runtime and
// CloudWatch answers, errors included, carry x-amzn-RequestId, which the
// SDKs report as the request ID; each request gets its own. Before, none did.
func TestEveryAnswerCarriesItsOwnRequestID(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	ctx := ctxT(t)
	deploy(t, srv, "ids", "ml.c5.xlarge", 1, nil)
	seen := map[string]string{}
	record := func(what string, md middleware.Metadata, err error) {
		t.Helper()
		id, _ := awsmiddleware.GetRequestIDMetadata(md)
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			id = re.ServiceRequestID()
		} else if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !uuidPattern.MatchString(id) {
			t.Errorf("%s: request ID %q, want a UUID", what, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("%s and %s share request ID %s", prev, what, id)
		}
		seen[id] = what
	}
	sm := srv.SageMakerClient()
	out, err := sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("ids")})
	record("DescribeEndpoint", out.ResultMetadata, err)
	out, err = sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("ids")})
	record("DescribeEndpoint again", out.ResultMetadata, err)
	_, err = sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("ghost")})
	record("DescribeEndpoint ghost", middleware.Metadata{}, err)
	inv, err := srv.RuntimeClient().InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{
		EndpointName: aws.String("ids"), ContentType: aws.String("image/jpeg"), Body: sampleJPEG(t),
	})
	record("InvokeEndpoint", inv.ResultMetadata, err)
	now := time.Now()
	cw, err := srv.CloudWatchClient().GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{cwStat("n", sagemakertest.NamespaceInvocations, "Invocations", "ids", "Sum", 60)},
	})
	record("GetMetricData", cw.ResultMetadata, err)
}

// TestAPIRefusesBodiesOverTheLimit: a SageMaker API body larger than
// MaxAPIRequestBytes is refused with 413, whether it announces its length
// or not, without being read into memory. Before, a 200 MB CreateModel was
// accepted and grew the server by 800 MB.
func TestAPIRefusesBodiesOverTheLimit(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	huge := `{"ModelName":"m","ExecutionRoleArn":"` + testRole + `","PrimaryContainer":{"Image":"` + testImage + `","Environment":{"A":"` + strings.Repeat("x", sagemakertest.MaxAPIRequestBytes) + `"}}}`
	for name, body := range map[string]io.Reader{
		"with Content-Length": strings.NewReader(huge),
		"chunked":             io.MultiReader(strings.NewReader(huge)), // length unknown to net/http
	} {
		a := rawCall(t, srv, "CreateModel", body)
		if a.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d %v, want 413", name, a.Status, a.Body)
		}
	}
	if got := srv.Leftovers(); len(got) != 0 {
		t.Errorf("leftovers %v, want none", got)
	}
	ok := `{"ModelName":"m","ExecutionRoleArn":"` + testRole + `","PrimaryContainer":{"Image":"` + testImage + `"}}`
	if a := rawCall(t, srv, "CreateModel", bytes.NewReader([]byte(ok))); a.Status != 200 {
		t.Errorf("a small CreateModel: %d %v", a.Status, a.Body)
	}
}
