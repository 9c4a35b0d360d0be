package httpinvoker

// probeResult is what a look at an idle connection found.
type probeResult int

const (
	probeUnknown probeResult = iota // the OS does not tell: use the connection
	probeIdle                       // open, nothing to read: usable
	probeGone                       // closed or reset by the server
	probeData                       // bytes are waiting that no request asked for
)
