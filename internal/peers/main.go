// Command peers measures sagebench's load generator against its peers (vegeta, hey, wrk)
// on one loopback server, to show that sagebench is never the bottleneck of a benchmark.
//
//	peers serve   -addr 127.0.0.1:0                  start the loopback server, print its URL
//	peers load    -url URL -c 16 -d 10s [-rate R]    one sagebench run (bench.Run + httpinvoker)
//	peers compare -c 16,64 -d 10s -rounds 2          every tool in turn, alternating, as Markdown
//
// scripts/compare-peers.sh installs the peers and runs the whole comparison. Everything
// here talks to 127.0.0.1 only.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: peers serve|load|compare [flags]  (peers CMD -h for flags)")
	os.Exit(2)
}
