package sagemakertest_test

import (
	"os"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// TestCalibrationAtScaleOne measures every shipped profile at real speed with
// the default handler and 16 clients, the reference study's setup. It takes
// about 40 s, so it runs only with SAGEMAKERTEST_CALIBRATE=1:
//
//	SAGEMAKERTEST_CALIBRATE=1 go test -run CalibrationAtScaleOne -v ./sagemaker/sagemakertest/
func TestCalibrationAtScaleOne(t *testing.T) {
	if testing.Short() || os.Getenv("SAGEMAKERTEST_CALIBRATE") != "1" {
		t.Skip("set SAGEMAKERTEST_CALIBRATE=1 to measure the profiles at scale 1 (about 40 s)")
	}
	body := sampleJPEG(t)
	for _, p := range sagemakertest.Profiles() {
		name := "cal"
		env := map[string]string{sagemakertest.CompiledEnv: "false"}
		if p.Compiled {
			env[sagemakertest.CompiledEnv] = "true"
		}
		srv := newServer(t)
		deploy(t, srv, name, p.InstanceType, 1, env)
		// Slow profiles complete in bursts of Workers every DeviceTime, so
		// the window spans a whole number of rounds (about 5 s).
		window := p.DeviceTime * time.Duration(max(1, int(5*time.Second/p.DeviceTime)))
		got := runClosedLoop(t, srv.RuntimeClient(), name, body, 16, time.Second+p.DeviceTime/2, window)
		want := p.Throughput()
		t.Logf("%-15s compiled=%-5v want %6.1f TPS, got %6.1f TPS (%+.1f%%)", p.InstanceType, p.Compiled, want, got, 100*(got-want)/want)
		if got < want*0.75 || got > want*1.1 {
			t.Errorf("%s compiled=%v: %.1f TPS, want %.1f", p.InstanceType, p.Compiled, got, want)
		}
		srv.Close()
	}
}
