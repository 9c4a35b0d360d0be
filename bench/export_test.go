package bench

// Spin is spin for the external tests: a goroutine that hogs the CPU until stop closes.
var Spin = spin
