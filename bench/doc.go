// Package bench drives load through an Invoker and measures it honestly.
//
// Run is the engine. In closed loop, N workers each send their next request as soon as
// the last returns: the question it answers is "how fast can N clients go". In open loop,
// requests are scheduled at a fixed rate whatever the endpoint does, and each latency is
// counted from the request's intended send time, so an endpoint that stalls shows it in
// its percentiles instead of silently slowing the clients down (coordinated omission).
//
//	res, err := bench.Run(ctx, inv, bench.Config{
//		Concurrency: 16,
//		Duration:    time.Minute,
//		Warmup:      10 * time.Second,
//		Payloads:    []payload.Payload{img},
//	})
//	if err != nil { ... }
//	fmt.Printf("%.1f req/s, p99 %v\n", res.Throughput, res.Latency.P99)
//
// Config.ClientRate caps each closed-loop worker at a number of requests per second, each
// worker paced by a go.uber.org/ratelimit Limiter of its own (Locust's
// constant_throughput, hey's -q): N clients that each pace themselves, still a closed
// loop, with latency counted from each actual send.
//
// In open loop send n is due at start + n/Rate on the monotonic clock: the schedule is
// arithmetic, never a rate limiter's answer, so a pacer that wakes late (a CPU-starved
// client) releases every send already due and each carries its lateness in its latency.
//
// What is counted where (Run says it in full): a request that completed in the window is
// made (Result.Requests; Errors if it failed), in open loop only if it was due in the
// window, and with Config.Requests only if it was sent after the warmup; an open-loop
// send due in the window and never sent is missed (Result.Missed, ClientMissed when the
// client is to blame); a request sent or queued in the window and not done at its end is
// unfinished (Result.Unfinished). In open loop Requests + Missed + Unfinished = Offered,
// the sends the schedule held. Result.Latency is successful requests only;
// Result.LatencyAll adds failures and unfinished requests (at their age at the end).
//
// Latencies go into one HDR histogram per worker (github.com/HdrHistogram/hdrhistogram-go),
// merged at the end, so memory does not grow with the number of requests and percentiles
// are exact to 0.1%. Throughput counts successful requests per second of the measured
// window; warmup is never counted. Errors are classified (Classify) by their shape, so
// the package needs no import of AWS or HTTP.
//
// Every closed-loop Result checks itself against Little's law: N workers always busy
// means the time requests spent in flight inside the window, over its length, is N. A
// Result that breaks it carries a warning; the reference study this project grew from
// reported latencies ten times too small, which this check would have caught.
//
// Sweep climbs a ladder of concurrency levels (or rates), measuring each step in
// consecutive windows of one continuous run until they agree, to find the highest
// throughput that meets a latency objective.
package bench
