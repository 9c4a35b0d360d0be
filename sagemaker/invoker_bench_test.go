package sagemaker_test

import (
	"context"
	"testing"

	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// BenchmarkRuntimeInvoker measures the client side of one InvokeEndpoint against the
// emulator with a trivial handler and no device time: SDK serialization, signing, a
// loopback HTTP round trip and the invoker's own work. It is the floor under every
// latency the benchmark reports.
func BenchmarkRuntimeInvoker(b *testing.B) {
	ok := func(context.Context, string, []byte, string) ([]byte, error) { return []byte(`{}`), nil }
	_, c := newEnv(b, []sagemakertest.Option{sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(ok)})
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		b.Fatal(err)
	}
	defer ep.Delete(context.Background())
	p := payload.Payload{ContentType: "application/x-image", Body: make([]byte, 16<<10)}
	inv := ep.Invoker(func(o *sagemaker.InvokerOptions) { o.Accept = "application/json" })
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := inv.Invoke(ctx, p); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
