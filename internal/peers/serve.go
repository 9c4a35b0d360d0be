package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sagebench/sagebench/internal/peers/loopserver"
)

// response is what the loopback server answers: the size of a small classifier's JSON.
const response = `{"label":"tabby cat","p":0.93}`

// serve runs the loopback server until SIGINT or SIGTERM. Its first line of output is its
// URL, which compare reads.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	fs.Parse(args)
	s, err := loopserver.Start(*addr, "application/json", []byte(response))
	if err != nil {
		return err
	}
	fmt.Println(s.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	fmt.Fprintf(os.Stderr, "served %d requests\n", s.Served())
	return s.Close()
}
