package sagemakertest

import (
	"testing"
	"time"
)

// TestTimerPanicLeavesServerServing: a panic in a lifecycle timer's
// goroutine, where net/http cannot recover it, is reported and the server
// keeps serving. Before, it ended the process.
func TestTimerPanicLeavesServerServing(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	got := make(chan any, 1)
	s.onTimerPanic = func(v any) { got <- v }
	s.mu.Lock()
	s.afterLocked(0, func() { panic("boom") })
	s.mu.Unlock()
	select {
	case v := <-got:
		if v != "boom" {
			t.Errorf("reported %v, want boom", v)
		}
	case <-time.After(time.Minute):
		t.Fatal("the panic was never reported")
	}
	if _, e := s.listModels([]byte(`{}`)); e != nil {
		t.Errorf("ListModels after the panic: %v", e)
	}
}
