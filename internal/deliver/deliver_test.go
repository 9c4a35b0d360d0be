package deliver_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/internal/deliver"
)

func TestQueueDeliversEveryValueInOrderOneAtATime(t *testing.T) {
	var got []int
	var inside atomic.Int32
	q := deliver.New(func(v int) {
		if inside.Add(1) != 1 {
			t.Errorf("two calls at once at %d", v)
		}
		got = append(got, v)
		inside.Add(-1)
	}, deliver.Options[int]{})
	want := make([]int, 1000)
	for i := range want {
		want[i] = i
		q.Push(i)
	}
	st := q.Close(time.Minute, time.Minute)
	assert.Equal(t, want, got, "Close returns once every value is delivered")
	assert.Equal(t, deliver.Stats{Delivered: 1000, Slowest: st.Slowest}, st)
}

func TestQueueCloseGivesUpOnAStuckCallback(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	entered := make(chan struct{})
	var calls atomic.Int32
	q := deliver.New(func(int) {
		if calls.Add(1) == 1 {
			close(entered)
			<-block
		}
	}, deliver.Options[int]{})
	q.Push(1)
	<-entered
	q.Push(2)
	q.Push(3)
	st := q.Close(10*time.Millisecond, time.Minute) // the stall bound ends the wait, whatever the machine's speed
	assert.True(t, st.Abandoned)
	assert.Equal(t, 2, st.Undelivered)
	assert.Equal(t, 0, st.Delivered)
	assert.GreaterOrEqual(t, st.Slowest, 10*time.Millisecond, "the stuck call counts")
	q.Push(4) // after Close: dropped, never blocks
}

func TestQueueDropsTheOldestDroppableValue(t *testing.T) {
	block := make(chan struct{})
	entered := make(chan struct{})
	var got []int
	q := deliver.New(func(v int) {
		if v == 0 {
			close(entered)
			<-block
		}
		got = append(got, v)
	}, deliver.Options[int]{Droppable: func(v int) bool { return v%2 == 1 }, MaxDroppable: 2})
	q.Push(0)
	<-entered
	for v := 1; v <= 9; v++ { // odd values are droppable, two may wait: 5, 7 and 9 each drop the oldest (1, 3, then 5)
		q.Push(v)
	}
	close(block)
	st := q.Close(time.Minute, time.Minute)
	assert.Equal(t, []int{0, 2, 4, 6, 7, 8, 9}, got, "the even values are all kept, in order")
	assert.Equal(t, 3, st.Dropped)
}

func TestQueueSurvivesAPanickingCallback(t *testing.T) {
	var calls atomic.Int32
	var onPanic any
	q := deliver.New(func(int) { calls.Add(1); panic("boom") },
		deliver.Options[int]{OnPanic: func(p any) { onPanic = p }})
	q.Push(1)
	q.Push(2)
	st := q.Close(time.Minute, time.Minute)
	require.Equal(t, "boom", st.Panic)
	assert.Equal(t, "boom", onPanic)
	assert.Equal(t, int32(1), calls.Load(), "a callback that panicked is not called again")
	assert.Equal(t, 1, st.Undelivered)
}

func TestQueueDropOnCloseDropsTheWaitingDroppableValues(t *testing.T) {
	block := make(chan struct{})
	entered := make(chan struct{})
	var closing atomic.Bool
	dropping := make(chan struct{}) // Close is looking at the last value waiting: it drops before it waits
	var once sync.Once
	var got []int
	q := deliver.New(func(v int) {
		if v == 0 {
			close(entered)
			<-block
		}
		got = append(got, v)
	}, deliver.Options[int]{Droppable: func(v int) bool {
		if v == 6 && closing.Load() {
			once.Do(func() { close(dropping) })
		}
		return v%2 == 1
	}, MaxDroppable: 100, DropOnClose: true})
	q.Push(0)
	<-entered
	for v := 1; v <= 6; v++ {
		q.Push(v)
	}
	closing.Store(true)
	closed := make(chan deliver.Stats)
	go func() { closed <- q.Close(time.Minute, time.Minute) }()
	<-dropping
	close(block)
	st := <-closed
	assert.Equal(t, []int{0, 2, 4, 6}, got, "the values said once are all delivered, in order")
	assert.Equal(t, 3, st.Dropped)
	assert.False(t, st.Abandoned)
}
