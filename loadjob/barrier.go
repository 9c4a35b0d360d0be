package loadjob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The start barrier
//
// Instances of one job start independently, possibly minutes apart. Each worker writes
// ready/<i> under Spec.Barrier, with its clock's offset against S3's Date header; shard 0
// waits (at most Spec.ReadyTimeout) until all N are there and writes go, with a start
// time Spec.StartDelay ahead of its clock; every worker waits for go and starts loading at
// that time by its own clock. Cloud instances keep their clocks within a millisecond
// (Amazon Time Sync); the offsets against S3's Date, whose resolution is one second, are
// recorded to catch a clock that is off by seconds, not to correct the start.

// Ready is what a worker writes to ready/<i>.
type Ready struct {
	Shard int
	Host  string
	// Offset is the worker's clock minus S3's, as measured from the Date header of the
	// PutObject answer (to within its one-second resolution, plus the round trip).
	Offset time.Duration
	At     time.Time // the worker's clock when it was ready
}

// Go is what shard 0 writes to go.
type Go struct {
	Start time.Time // when every shard starts loading
	// Ready lists each shard's Ready, in shard order.
	Ready []Ready
	// Abort, if set, says why the shards must not load (some never became ready).
	Abort string
}

type barrier struct {
	s3             *s3.Client
	bucket, prefix string
	poll           time.Duration
}

func newBarrier(c *s3.Client, uri string) (*barrier, error) {
	bucket, prefix, ok := parseS3URI(uri)
	if !ok {
		return nil, fmt.Errorf("loadjob: barrier %q is not an s3://bucket/prefix URI", uri)
	}
	return &barrier{s3: c, bucket: bucket, prefix: prefix, poll: 200 * time.Millisecond}, nil
}

func parseS3URI(uri string) (bucket, prefix string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix, bucket != ""
}

func (b *barrier) put(ctx context.Context, key string, v any) (*s3.PutObjectOutput, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out, err := b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: aws.String(b.prefix + key),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json")})
	if err != nil {
		return nil, fmt.Errorf("loadjob: writing s3://%s/%s%s: %w", b.bucket, b.prefix, key, err)
	}
	return out, nil
}

// get reads key into v; found is false when it does not exist yet.
func (b *barrier) get(ctx context.Context, key string, v any) (found bool, err error) {
	out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: aws.String(b.prefix + key)})
	if err != nil {
		var nsk *types.NoSuchKey
		var re *smithyhttp.ResponseError
		if errors.As(err, &nsk) || errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return false, nil
		}
		return false, fmt.Errorf("loadjob: reading s3://%s/%s%s: %w", b.bucket, b.prefix, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(data, v)
}

// ready writes ready/<i> and returns what it wrote.
func (b *barrier) ready(ctx context.Context, sh Shard) (Ready, error) {
	sent := time.Now()
	r := Ready{Shard: sh.I, Host: sh.Host, At: sent}
	out, err := b.put(ctx, "ready/"+strconv.Itoa(sh.I), r)
	if err != nil {
		return r, err
	}
	if date, ok := serverDate(out.ResultMetadata); ok {
		// Date is truncated to the second: the server's clock read between date and
		// date+1s, on average date+0.5s, while ours read the midpoint of the round trip.
		mid := sent.Add(time.Since(sent) / 2)
		r.Offset = mid.Sub(date.Add(500 * time.Millisecond)).Round(time.Millisecond)
		_, err = b.put(ctx, "ready/"+strconv.Itoa(sh.I), r)
	}
	return r, err
}

func serverDate(md middleware.Metadata) (time.Time, bool) {
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok || raw == nil {
		return time.Time{}, false
	}
	t, err := http.ParseTime(raw.Header.Get("Date"))
	return t, err == nil
}

// await is the whole barrier for shard sh of a job: it returns the Go every shard starts
// by, once it is written, or an error when the barrier timed out or was aborted.
func (b *barrier) await(ctx context.Context, sh Shard, spec Spec) (Go, error) {
	if sh.I == 0 && spec.Shards > 1 {
		// A go already there is an earlier run's (or an earlier attempt's): loading by it
		// would start out of any window the others share. (Alone, shard 0 reads no go:
		// nor does it need s3:ListBucket to tell a missing one.)
		var old Go
		found, err := b.get(ctx, "go", &old)
		if err != nil {
			return Go{}, err
		}
		if found {
			return Go{}, b.staleGo()
		}
	}
	me, err := b.ready(ctx, sh)
	if err != nil {
		return Go{}, err
	}
	deadline := time.Now().Add(spec.ReadyTimeout)
	if sh.I == 0 {
		return b.lead(ctx, spec, deadline)
	}
	// The others wait for shard 0's go, a little longer than shard 0 waits for them.
	deadline = deadline.Add(spec.StartDelay + time.Minute)
	for {
		var g Go
		found, err := b.get(ctx, "go", &g)
		if err != nil {
			return Go{}, err
		}
		if found {
			if g.Abort != "" {
				return g, errors.New("loadjob: shard 0 aborted the run: " + g.Abort)
			}
			// Shard 0 writes go after reading every ready: this run's go lists the ready
			// this shard wrote.
			if len(g.Ready) <= sh.I || !g.Ready[sh.I].At.Equal(me.At) {
				return Go{}, b.staleGo()
			}
			return g, nil
		}
		if err := b.sleep(ctx, deadline, "shard 0's go"); err != nil {
			return Go{}, err
		}
	}
}

func (b *barrier) staleGo() error {
	return fmt.Errorf("loadjob: s3://%s/%sgo is from an earlier run or attempt, not this one: give each run a barrier prefix of its own", b.bucket, b.prefix)
}

// lead is shard 0's part: wait for every ready/<i>, then write go.
func (b *barrier) lead(ctx context.Context, spec Spec, deadline time.Time) (Go, error) {
	readies := make([]Ready, spec.Shards)
	have := make([]bool, spec.Shards)
	for {
		missing := 0
		for i := range readies {
			if have[i] {
				continue
			}
			found, err := b.get(ctx, "ready/"+strconv.Itoa(i), &readies[i])
			if err != nil {
				return Go{}, err
			}
			have[i] = found
			if !found {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if err := b.sleep(ctx, deadline, "every shard's ready"); err != nil {
			g := Go{Abort: fmt.Sprintf("%d of %d shards not ready after %v", missing, spec.Shards, spec.ReadyTimeout)}
			if _, perr := b.put(context.WithoutCancel(ctx), "go", g); perr != nil {
				err = errors.Join(err, perr)
			}
			return g, err
		}
	}
	g := Go{Start: time.Now().Add(spec.StartDelay), Ready: readies}
	_, err := b.put(ctx, "go", g)
	return g, err
}

func (b *barrier) sleep(ctx context.Context, deadline time.Time, what string) error {
	if !time.Now().Before(deadline) {
		return fmt.Errorf("loadjob: gave up waiting for %s at %v", what, deadline.Format(time.RFC3339))
	}
	t := time.NewTimer(min(b.poll, time.Until(deadline)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
