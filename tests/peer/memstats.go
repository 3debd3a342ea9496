// Runtime memory modes of the peer (Hearth's MemStats tests):
//
//   - /debug/vars serves expvar's shape ({"cmdline", "memstats", "goroutines"})
//     from one runtime.ReadMemStats: the peer's own view of its memory;
//   - every answer of /debug/pprof/heap?debug=1 and /debug/vars is kept
//     (the last 200), and /peer/served?what=debug1|vars returns them as a
//     JSON array of strings, oldest first: a test compares what Hearth
//     stored with the exact bytes the peer sent it, not with a later read;
//   - -no-debug1 answers 404 to /debug/pprof/heap?debug=1 (a target that
//     serves only /debug/vars);
//   - -spike-mb N allocates N MiB at start, drops it, turns the GC's pacing
//     off (debug.SetGCPercent(-1)) and collects once: the freed spike stays
//     idle in the heap, and the scavenger (whose goal follows the heap goal,
//     infinite with GOGC off) does not return it to the OS;
//   - -race-work keeps main.raceTouch reading and writing a shared slice, so
//     that a binary built with -race spends CPU in the race detector's
//     runtime.race* functions (CPU profiles show them).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

var (
	spikeMB  = flag.Int("spike-mb", 0, "allocate this many MiB at start, free it and keep the runtime from returning it (0: none)")
	noDebug1 = flag.Bool("no-debug1", false, "answer 404 to /debug/pprof/heap?debug=1 (serve MemStats only as /debug/vars)")
	raceWork = flag.Bool("race-work", false, "keep main.raceTouch touching a shared slice (race detector frames in a -race build)")
)

var served struct {
	sync.Mutex
	debug1, vars []string
}

func keep(list *[]string, body string) {
	served.Lock()
	defer served.Unlock()
	*list = append(*list, body)
	if len(*list) > 200 {
		*list = (*list)[1:]
	}
}

// recorder tees a handler's answer into a buffer.
type recorder struct {
	http.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }
func (r *recorder) Write(p []byte) (int, error) {
	r.buf.Write(p)
	return r.ResponseWriter.Write(p)
}

func heapHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("debug") == "1" {
		if *noDebug1 {
			http.Error(w, "debug=1 is not served here", http.StatusNotFound)
			return
		}
		rec := &recorder{ResponseWriter: w, status: 200}
		pprof.Handler("heap").ServeHTTP(rec, r)
		if rec.status == 200 {
			keep(&served.debug1, rec.buf.String())
		}
		return
	}
	pprof.Handler("heap").ServeHTTP(w, r)
}

func varsHandler(w http.ResponseWriter, r *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	body, err := json.Marshal(map[string]any{
		"cmdline":    os.Args,
		"memstats":   ms,
		"goroutines": runtime.NumGoroutine(),
	})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	keep(&served.vars, string(body))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(body)
}

func servedHandler(w http.ResponseWriter, r *http.Request) {
	served.Lock()
	var list []string
	if r.URL.Query().Get("what") == "vars" {
		list = append(list, served.vars...)
	} else {
		list = append(list, served.debug1...)
	}
	served.Unlock()
	if list == nil {
		list = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

// spikeSink holds the spike until it is dropped.
var spikeSink [][]byte

//go:noinline
func spike(mb int) {
	for i := 0; i < mb; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1 // resident, not just reserved
		}
		spikeSink = append(spikeSink, b)
	}
	spikeSink = nil
	debug.SetGCPercent(-1)
	runtime.GC()
}

var raceSlice = make([]uint64, 4096)

//go:noinline
func raceTouch() {
	for i := range raceSlice {
		raceSlice[i] += uint64(i)
	}
}

func raceLoop() {
	for {
		for k := 0; k < 200; k++ {
			raceTouch()
		}
		time.Sleep(time.Millisecond)
	}
}

// startMemModes registers the handlers and starts the modes (after flag.Parse).
func startMemModes() {
	http.HandleFunc("/debug/pprof/heap", heapHandler)
	http.HandleFunc("/debug/vars", varsHandler)
	http.HandleFunc("/peer/served", servedHandler)
	if *spikeMB > 0 {
		spike(*spikeMB)
	}
	if *raceWork {
		go raceLoop()
	}
}
