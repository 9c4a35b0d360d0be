// Command sagemakertest serves the sagemakertest emulator (SageMaker API,
// SageMaker runtime and S3 on one URL) as a standalone process, like moto's
// server mode, so that a Python, Java or shell harness, or any of our
// example binaries, can run against it without an AWS account:
//
//	go run github.com/sagebench/sagebench/sagemaker/sagemakertest/cmd/sagemakertest -addr 127.0.0.1:4566
//
// It prints, on stdout, lines a shell can evaluate: the environment to
// export (AWS_ENDPOINT_URL, dummy credentials, region), then a readiness line
// "# ready <URL>" once it accepts connections. SIGINT or SIGTERM stop it
// cleanly, as does the exit of the process that started it (such as go run);
// it then prints "# leftovers [...]" (resources a harness did not
// delete) and "# calls {...}" (requests per operation), both JSON, and exits 0.
//
// Clients that do not read AWS_ENDPOINT_URL (boto3 before 1.31, AWS CLI v2
// before 2.13) take the URL as endpoint_url / --endpoint-url. S3 clients must
// address buckets by path: the URL is an IP address, for which aws-sdk-go-v2
// and botocore choose path style on their own.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, orphaned := withParent(ctx, time.Second)
	defer orphaned()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// withParent returns a context that is also done once the process that
// started this one has exited, checked every interval. A harness that stops
// "go run .../sagemakertest" with SIGTERM (Python's Popen.terminate) signals
// only the go command, which dies without passing the signal on; without
// this the server would live on as an orphan, holding its port.
func withParent(ctx context.Context, interval time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	parent := os.Getppid()
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if os.Getppid() != parent {
					fmt.Fprintf(os.Stderr, "sagemakertest: parent process %d exited\n", parent)
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// run serves until ctx is done and returns the exit code: 0 after a clean
// shutdown, 2 for bad flags, 1 when the server cannot start.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sagemakertest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr         = fs.String("addr", "127.0.0.1:0", "`host:port` to listen on; port 0 picks a free one")
		region       = fs.String("region", "eu-west-1", "AWS `region` the emulator answers for")
		timeScale    = fs.Float64("time-scale", 1, "multiply every emulated device time by `f` (0.1 is ten times faster, 0 removes it)")
		create       = fs.Duration("endpoint-create", sagemakertest.DefaultEndpointCreateDelay, "how long an endpoint stays Creating or Updating")
		del          = fs.Duration("endpoint-delete", sagemakertest.DefaultEndpointDeleteDelay, "how long an endpoint stays Deleting")
		compile      = fs.Duration("compile", sagemakertest.DefaultCompilationDelay, "how long a Neo compilation job runs")
		maxEndpoints = fs.Int("max-endpoints", 0, "fail CreateEndpoint with ResourceLimitExceeded once `n` endpoints exist (0: no limit)")
		fast         = fs.Bool("fast", false, "answer every invocation at once with a small JSON echo of the request instead of classifying the image (implies -time-scale 0 unless given)")
		list         = fs.Bool("profiles", false, "print the calibrated device profiles and exit")
		profiles     profileFlags
	)
	fs.Var(&profiles, "profile", "override a device profile: `TYPE[+neo]=WORKERSxDEVICE`, e.g. ml.m5.large=2x40ms or ml.c5.xlarge+neo=4x310ms (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sagemakertest [flags]\n\nServes an emulated SageMaker API, runtime and S3 on one URL (not AWS).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sagemakertest: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *list {
		for _, p := range sagemakertest.Profiles() {
			fmt.Fprintf(stdout, "%-15s neo=%-5v workers=%d device=%-9v %6.1f TPS  %s\n",
				p.InstanceType, p.Compiled, p.Workers, p.DeviceTime, p.Throughput(), p.Source)
		}
		return 0
	}
	if err := checkFlags(*region, *timeScale, *create, *del, *compile, *maxEndpoints); err != nil {
		fmt.Fprintln(stderr, "sagemakertest:", err)
		return 2
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	opts := []sagemakertest.Option{
		sagemakertest.WithRegion(*region),
		sagemakertest.WithTimeScale(*timeScale),
		sagemakertest.WithEndpointDelays(*create, *del),
		sagemakertest.WithCompilationDelay(*compile),
		sagemakertest.WithMaxEndpoints(*maxEndpoints),
	}
	for _, p := range profiles {
		opts = append(opts, sagemakertest.WithProfile(p.instanceType, p.compiled, p.profile))
	}
	if *fast {
		opts = append(opts, sagemakertest.WithHandler(echo))
		if !given["time-scale"] {
			opts = append(opts, sagemakertest.WithTimeScale(0))
		}
	}
	srv, err := sagemakertest.Listen(*addr, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	cfg := srv.Config()
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		srv.Close()
		fmt.Fprintln(stderr, "sagemakertest:", err)
		return 1
	}
	fmt.Fprintf(stdout, "# sagemakertest: emulated SageMaker, SageMaker runtime and S3 (not AWS) in %s; stop with Ctrl-C\n", srv.Region())
	for _, kv := range [][2]string{
		{"AWS_ENDPOINT_URL", srv.URL},
		{"AWS_ACCESS_KEY_ID", creds.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey},
		{"AWS_REGION", srv.Region()},
		{"AWS_DEFAULT_REGION", srv.Region()},
	} {
		fmt.Fprintf(stdout, "export %s=%s\n", kv[0], kv[1])
	}
	fmt.Fprintf(stdout, "# ready %s\n", srv.URL)

	<-ctx.Done()
	fmt.Fprintln(stderr, "sagemakertest: shutting down")
	srv.Close()
	left, _ := json.Marshal(nonNil(srv.Leftovers()))
	calls, _ := json.Marshal(srv.CallCounts())
	fmt.Fprintf(stdout, "# leftovers %s\n# calls %s\n", left, calls)
	return 0
}

// regionPattern is the shape of an AWS region name (eu-west-1,
// us-gov-west-1, ap-southeast-5), so that a typo does not end up in every ARN.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// checkFlags refuses values the emulator cannot honour: a negative or
// non-finite time scale, negative delays or quota, a region that is not one.
func checkFlags(region string, timeScale float64, create, del, compile time.Duration, maxEndpoints int) error {
	switch {
	case !regionPattern.MatchString(region):
		return fmt.Errorf("-region %q is not an AWS region name such as eu-west-1", region)
	case math.IsNaN(timeScale) || math.IsInf(timeScale, 0) || timeScale < 0:
		return fmt.Errorf("-time-scale %v: want a finite number >= 0", timeScale)
	case create < 0:
		return fmt.Errorf("-endpoint-create %v: want a duration >= 0", create)
	case del < 0:
		return fmt.Errorf("-endpoint-delete %v: want a duration >= 0", del)
	case compile < 0:
		return fmt.Errorf("-compile %v: want a duration >= 0", compile)
	case maxEndpoints < 0:
		return fmt.Errorf("-max-endpoints %d: want a whole number >= 0 (0: no limit)", maxEndpoints)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// echo is the -fast handler: no decoding, no device time, an answer that
// shows what the runtime passed on.
func echo(ctx context.Context, endpoint string, body []byte, contentType string) ([]byte, error) {
	inv, _ := sagemakertest.InvocationFromContext(ctx)
	return json.Marshal(map[string]any{
		"emulated": true, "endpoint": endpoint, "variant": inv.Variant, "bytes": len(body),
		"contentType": contentType, "inferenceId": inv.InferenceID, "customAttributes": inv.CustomAttributes,
	})
}

type profileFlag struct {
	instanceType string
	compiled     bool
	profile      sagemakertest.Profile
}

// profileFlags collects -profile TYPE[+neo]=WORKERSxDEVICE flags.
type profileFlags []profileFlag

func (p *profileFlags) String() string { return "" }

func (p *profileFlags) Set(v string) error {
	key, spec, ok := strings.Cut(v, "=")
	workersText, deviceText, ok2 := strings.Cut(spec, "x")
	if !ok || !ok2 || key == "" {
		return fmt.Errorf("want TYPE[+neo]=WORKERSxDEVICE, e.g. ml.m5.large=2x40ms")
	}
	typ, neo := strings.CutSuffix(key, "+neo")
	if !slices.Contains(types.ProductionVariantInstanceType("").Values(), types.ProductionVariantInstanceType(typ)) {
		return fmt.Errorf("instance type %q is not one SageMaker knows (aws-sdk-go-v2's ProductionVariantInstanceType)", typ)
	}
	workers, err := strconv.Atoi(workersText)
	if err != nil || workers < 1 {
		return fmt.Errorf("workers %q: want a whole number >= 1", workersText)
	}
	device, err := time.ParseDuration(deviceText)
	if err != nil || device < 0 {
		return fmt.Errorf("device time %q: want a duration such as 40ms", deviceText)
	}
	*p = append(*p, profileFlag{typ, neo, sagemakertest.Profile{Workers: workers, DeviceTime: device, Source: "-profile " + v}})
	return nil
}
