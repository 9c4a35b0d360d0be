package sagemakertest

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sagebench/sagebench/internal/emuhint"
	"github.com/sagebench/sagebench/internal/reqbody"
)

// AccountID is the AWS account the emulator pretends to be; it appears in ARNs
// and in error messages.
const AccountID = "123456789012"

// Server is a running emulator. Its zero value is not usable; call [NewServer].
type Server struct {
	// URL is the base URL of the emulator, http://127.0.0.1:port, with no
	// trailing slash.
	URL string

	opts    options
	ctx     context.Context // parent of every request; canceled by Close
	cancel  context.CancelFunc
	ln      net.Listener
	hs      *http.Server
	s3      http.Handler
	backend *s3mem.Backend

	mu        sync.Mutex
	closed    bool
	timers    map[*time.Timer]struct{}
	models    map[string]*model
	configs   map[string]*endpointConfig
	endpoints map[string]*endpoint
	jobs      map[string]*compilationJob
	artifacts map[string]bool // s3:// URLs written by completed compilation jobs
	calls     map[string]int
	faults    map[string][]injected
	failEP    map[string]string // endpoint name -> failure reason
	failJob   map[string]string // compilation job name -> failure reason
	throttle  *tokenBucket
	tags      map[string][]Tag // resource ARN -> tags, see tags.go
	lose      map[string]int   // operation -> answers still to lose, see lostanswer.go
	metrics   metricStore      // what CloudWatch would hold, see cloudwatch.go
	signing   signing          // regions requests were signed for, see signing.go

	timerSlack atomic.Int64 // ns by which device-time timers wake late, see hold

	// onTimerPanic reports a panic recovered in a lifecycle timer; tests
	// replace it before the first request.
	onTimerPanic func(v any)
	// timersRunning counts the lifecycle timers scheduled and neither
	// finished nor stopped, so that a test can wait for them.
	timersRunning sync.WaitGroup
	procJobs      map[string]*processingJob // under mu; see processing.go
	procWG        sync.WaitGroup            // goroutines running processing jobs
}

// NewServer starts an emulator on 127.0.0.1 on a free port. Like
// httptest.NewServer it panics if it cannot listen, which only happens when
// the machine has no loopback interface or no free port; use [Listen] to get
// an error instead.
func NewServer(opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", opts...)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// Listen starts an emulator on addr (host:port; port 0 picks a free one), as
// the sagemakertest command does. URL names the address the listener got; an
// unspecified host (":8080", "0.0.0.0:8080") is reached through 127.0.0.1, an
// IP address, so that S3 clients address buckets by path (see [Server.Config]).
func Listen(addr string, opts ...Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sagemakertest: cannot listen on %q: %w", addr, err)
	}
	return serve(ln, o), nil
}

func serve(ln net.Listener, o options) *Server {
	backend := s3mem.New()
	fake := gofakes3.New(backend,
		gofakes3.WithTimeSkewLimit(0),
		gofakes3.WithoutVersioning(),
	)
	s := &Server{
		URL:       "http://" + dialAddr(ln.Addr()),
		opts:      o,
		ln:        ln,
		s3:        fake.Server(),
		backend:   backend,
		timers:    map[*time.Timer]struct{}{},
		models:    map[string]*model{},
		configs:   map[string]*endpointConfig{},
		endpoints: map[string]*endpoint{},
		jobs:      map[string]*compilationJob{},
		artifacts: map[string]bool{},
		calls:     map[string]int{},
		faults:    map[string][]injected{},
		failEP:    map[string]string{},
		failJob:   map[string]string{},
		tags:      map[string][]Tag{},
		lose:      map[string]int{},
	}
	s.onTimerPanic = func(v any) {
		log.Printf("sagemakertest: recovered from a panic in a lifecycle timer: %v\n%s", v, debug.Stack())
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.hs = &http.Server{
		Handler:           withRequestID(s),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	go func() { _ = s.hs.Serve(ln) }()
	return s
}

// dialAddr is the address a client on this machine dials to reach a listener:
// an unspecified IP (0.0.0.0, or :: which Go listens on dual-stack) becomes
// 127.0.0.1.
func dialAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// Close stops pending lifecycle transitions, aborts invocations waiting for a
// worker or held for device time, and shuts the server down.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for t := range s.timers {
		if t.Stop() {
			s.timersRunning.Done()
		}
	}
	s.timers = nil
	s.mu.Unlock()
	s.cancel()
	s.killProcessing()
	// Shutdown lets aborted handlers write their answers, but it waits up to
	// 5 s for connections that were dialed and never used, which the SDK
	// leaves behind under concurrency; Close ends those.
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		_ = s.hs.Close()
	}
}

// Region is the AWS region the emulator answers for (see [WithRegion]).
func (s *Server) Region() string { return s.opts.region }

// Config returns an aws.Config that points every client at the emulator: its
// region, static test credentials and BaseEndpoint set to s.URL. Checksums are
// computed only when an operation requires them, as gofakes3 does not verify
// the SDK's default CRC trailers. S3 clients must address buckets by path:
// the SDK does so by default for an IP endpoint such as s.URL, and
// [Server.S3Client] also sets UsePathStyle.
//
// The config also says how fast the emulator is, so that a sagebench.Study,
// sagemaker.NewClient and neo.NewCompiler given only this config run at its
// speed rather than AWS's: they poll endpoints and compilation jobs every
// [PollInterval] (backing off to [MaxPollInterval]) instead of every 15 s and
// 5 s, unless told otherwise, and a Study reads the endpoints' CloudWatch
// metrics at once instead of waiting minutes for them, since the emulator
// publishes each request as it ends. A Study's report labels the rows of
// instance types served by a [GenericProfile] "emulated (generic profile)".
func (s *Server) Config() aws.Config {
	return emuhint.With(s.baseConfig(), emuhint.Hint{PollInterval: PollInterval, MaxPollInterval: MaxPollInterval, MetricsAtOnce: true,
		Generic: func(instanceType string, compiled bool) bool { return s.profileFor(instanceType, compiled).Generic }})
}

// How often clients given [Server.Config] poll the emulator's endpoints and
// compilation jobs: the emulator's lifecycle delays are 50 to 150 ms by default.
const (
	PollInterval    = 20 * time.Millisecond
	MaxPollInterval = 200 * time.Millisecond
)

func (s *Server) baseConfig() aws.Config {
	return aws.Config{
		Region:                     s.opts.region,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDSAGEMAKERTEST", "sagemakertest-secret", ""),
		BaseEndpoint:               aws.String(s.URL),
		HTTPClient:                 &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           3,
	}
}

// SageMakerClient returns a SageMaker control-plane client for the emulator.
func (s *Server) SageMakerClient(optFns ...func(*sagemaker.Options)) *sagemaker.Client {
	return sagemaker.NewFromConfig(s.Config(), optFns...)
}

// RuntimeClient returns a SageMaker runtime client for the emulator. Its HTTP client
// (optFns' too) sends request bodies without the WriteTo that makes the SDK fail a 200
// answer of a few KB now and then while reading it (see internal/reqbody), so that a
// test without retries sees only what the emulator answered.
func (s *Server) RuntimeClient(optFns ...func(*sagemakerruntime.Options)) *sagemakerruntime.Client {
	return sagemakerruntime.NewFromConfig(s.Config(), append(optFns, func(o *sagemakerruntime.Options) {
		o.HTTPClient = reqbody.ReadOnly(o.HTTPClient)
	})...)
}

// S3Client returns a path-style S3 client for the emulator.
func (s *Server) S3Client(optFns ...func(*s3.Options)) *s3.Client {
	fns := append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)
	return s3.NewFromConfig(s.Config(), fns...)
}

// ServeHTTP routes a request to CloudWatch, the SageMaker API, the runtime or
// S3. It is the one place that dispatches by protocol: an API served in
// another protocol gets a case here.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.noteSigning(r)
	if op, ok := cwPath(r.URL.Path); ok && r.Header.Get("Smithy-Protocol") != "" {
		s.serveCloudWatch(w, r, op)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if op, ok := isCloudWatchJSON(target); ok {
			s.serveCloudWatchOp(w, r, op, cwJSONProtocol)
			return
		}
		s.serveAPI(w, r, target)
		return
	}
	if isCloudWatchQuery(r) {
		s.serveCloudWatchQuery(w, r)
		return
	}
	if name, ok := invocationPath(r.URL.Path); ok && r.Method == http.MethodPost {
		s.serveInvoke(w, r, name)
		return
	}
	if isPriceList(r) {
		s.servePriceList(w, r)
		return
	}
	s.count("s3:" + r.Method)
	s.serveS3(w, r)
}

// invocationPath extracts the endpoint name from /endpoints/{name}/invocations.
func invocationPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/endpoints/")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, "/invocations")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// afterLocked runs f once d has passed, unless the server is closed first.
// The caller holds s.mu; f runs without it.
func (s *Server) afterLocked(d time.Duration, f func()) {
	if s.closed {
		return
	}
	var t *time.Timer
	s.timersRunning.Add(1)
	t = time.AfterFunc(d, func() {
		defer s.timersRunning.Done()
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		delete(s.timers, t)
		s.mu.Unlock()
		defer s.recoverTimer()
		f()
	})
	s.timers[t] = struct{}{}
}

// recoverTimer, deferred in a timer's goroutine, stops a panic there from
// ending the process: a panic in a goroutine no handler runs in cannot be
// caught by net/http, so one bad lifecycle transition would otherwise kill
// every client's server. The panic is reported to onTimerPanic.
func (s *Server) recoverTimer() {
	if v := recover(); v != nil {
		s.onTimerPanic(v)
	}
}

func (s *Server) count(op string) {
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
}

func (s *Server) arn(kind, name string) string {
	return "arn:aws:sagemaker:" + s.opts.region + ":" + AccountID + ":" + kind + "/" + strings.ToLower(name)
}
