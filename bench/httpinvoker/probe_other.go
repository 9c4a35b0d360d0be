//go:build !unix

package httpinvoker

// initProbe does nothing where the socket cannot be peeked at: pooled connections are then
// used unprobed, and one the server closed fails its request.
func (c *h1conn) initProbe() {}

func (c *h1conn) probe() probeResult {
	if c.br.Buffered() > 0 {
		return probeData
	}
	return probeUnknown
}
