// Command peer is a tiny Go service that Hearth's fetch tests profile over
// HTTP, the way an operator would point Hearth at a real Go program.
//
// It serves net/http/pprof on -listen, writes the port it got into
// -portfile (so -listen 127.0.0.1:0 works without races), and keeps two
// recognisable workloads running until it is killed:
//
//   - main.leakyCache allocates 256 KiB chunks and keeps them in a global
//     slice (a bounded "leak": the oldest chunks are dropped past -leak-mb),
//     so a heap profile (/debug/pprof/heap) shows main.leakyCache with
//     in-use bytes;
//   - main.spin burns CPU for a share of every 100 ms (-spin), so a CPU
//     profile (/debug/pprof/profile?seconds=1) shows main.spin;
//   - main.churn allocates short-lived buffers that die at once (garbage,
//     not a leak: its in-use bytes stay flat while its allocations grow);
//   - with -goroutine-every, main.stuckWorker goroutines are started and
//     never return (a goroutine leak: /debug/pprof/goroutine grows).
//
// Standard library only; builds offline with Go 1.19:
//
//	cd tests/peer && go build -o /tmp/peer . && /tmp/peer -listen 127.0.0.1:0 -portfile /tmp/peer.port
//
// (There is no go.mod at the repository root, so `go run ./tests/peer`
// works only from inside this module: `cd tests/peer && go run . ...`.)
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// chunkSize is the size of one leaked allocation. Large enough that the heap
// profiler (one sample per MemProfileRate bytes on average) records nearly
// every one of them.
const chunkSize = 256 << 10

// cache holds the "leaked" chunks. Only leakLoop touches it.
var cache [][]byte

// leakyCache allocates one chunk and keeps it, dropping the oldest chunk
// once maxChunks are held. The allocation site is this function, which is
// what the heap profile attributes the in-use bytes to.
//
//go:noinline
func leakyCache(maxChunks int) {
	buf := make([]byte, chunkSize)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = byte(i) // touch the pages so they count as resident
	}
	cache = append(cache, buf)
	if len(cache) > maxChunks {
		cache[0] = nil
		cache = cache[1:]
	}
}

// leakLoop calls leakyCache every interval, forever.
func leakLoop(maxChunks int, interval time.Duration) {
	for {
		leakyCache(maxChunks)
		time.Sleep(interval)
	}
}

// churnSink keeps the last buffer reachable only until the next call.
var churnSink []byte

// churn allocates a 64 KiB buffer that is garbage by the next call.
//
//go:noinline
func churn() {
	churnSink = make([]byte, 64<<10)
}

func churnLoop(interval time.Duration) {
	for {
		churn()
		time.Sleep(interval)
	}
}

// stuck is never closed: every stuckWorker blocks on it forever.
var stuck = make(chan struct{})

//go:noinline
func stuckWorker() {
	<-stuck
}

func goroutineLeakLoop(interval time.Duration) {
	for {
		go stuckWorker()
		time.Sleep(interval)
	}
}

// sink keeps spin's result alive so the compiler cannot drop the loop.
var sink uint64

// spin burns CPU for about d (an xorshift loop, checking the clock every
// few thousand rounds) and returns a value that depends on every round.
//
//go:noinline
func spin(d time.Duration) uint64 {
	x := uint64(88172645463325252)
	end := time.Now().Add(d)
	for {
		for i := 0; i < 4096; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
		if !time.Now().Before(end) {
			return x
		}
	}
}

// spinLoop spends share (0..1) of every 100 ms in spin, forever.
func spinLoop(share float64) {
	const period = 100 * time.Millisecond
	busy := time.Duration(share * float64(period))
	for {
		if busy > 0 {
			sink += spin(busy)
		}
		time.Sleep(period - busy)
	}
}

// writePortFile writes the port atomically (temp file + rename), so a
// script polling for the file never reads half of it.
func writePortFile(path string, port int) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".peerport-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(strconv.Itoa(port) + "\n"); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve pprof on (port 0: any free port)")
	portfile := flag.String("portfile", "", "write the chosen port to this file")
	leakMB := flag.Int("leak-mb", 32, "most memory main.leakyCache keeps (MiB)")
	leakEvery := flag.Duration("leak-every", 50*time.Millisecond, "interval between leaked chunks")
	spinShare := flag.Float64("spin", 0.5, "share of one CPU main.spin burns (0..1)")
	churnEvery := flag.Duration("churn-every", 10*time.Millisecond, "interval between main.churn's garbage buffers (0: none)")
	goEvery := flag.Duration("goroutine-every", 0, "interval between leaked main.stuckWorker goroutines (0: none)")
	lifetime := flag.Duration("max-lifetime", 10*time.Minute, "exit after this long, in case the test forgot us (0: never)")
	flag.Parse()

	if *spinShare < 0 || *spinShare > 1 {
		log.Fatalf("peer: -spin must be within 0..1")
	}
	// Sample allocations more densely than the default (512 KiB) so the
	// heap profile has main.leakyCache from the first second on. Set before
	// the first allocation we care about.
	runtime.MemProfileRate = 64 << 10
	startMemModes() // memstats.go: /debug/vars, the served log, -spike-mb, -race-work

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("peer: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portfile != "" {
		if err := writePortFile(*portfile, port); err != nil {
			log.Fatalf("peer: portfile: %v", err)
		}
	}
	fmt.Fprintf(os.Stderr, "peer: serving pprof on http://%s/debug/pprof/\n", ln.Addr())

	maxChunks := *leakMB << 20 / chunkSize
	if maxChunks < 1 {
		maxChunks = 1
	}
	go leakLoop(maxChunks, *leakEvery)
	go spinLoop(*spinShare)
	if *churnEvery > 0 {
		go churnLoop(*churnEvery)
	}
	if *goEvery > 0 {
		go goroutineLeakLoop(*goEvery)
	}
	if *lifetime > 0 {
		time.AfterFunc(*lifetime, func() {
			fmt.Fprintf(os.Stderr, "peer: -max-lifetime %v reached, exiting\n", *lifetime)
			os.Exit(0)
		})
	}

	// Serve until killed. CPU profiles take ?seconds= to answer, so the
	// write timeout leaves room for the longest one Hearth may ask for.
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      5 * time.Minute,
	}
	log.Fatal(srv.Serve(ln))
}
