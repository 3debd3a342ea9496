package main

// Real Go runtime profiles, produced by work done inside this process.
//
// The functions here are written to give the profiles interesting shapes:
// small helpers that the compiler inlines (so locations carry several Line
// entries), recursion, closures, methods with pointer receivers, map growth,
// labelled goroutines and real lock contention. Function names are part of
// the test data: renaming them changes the profiles.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"time"
)

// writeReal writes every real runtime profile. It must run while
// runtime.MemProfileRate is 1.
func writeReal(o *output) error {
	if err := writeHeapSeries(o); err != nil {
		return err
	}
	if err := writeLookup(o, "allocs", "allocs.pb.gz",
		"real Go allocs profile (MemProfileRate=1) after the heap series; default type alloc_space"); err != nil {
		return err
	}
	if err := writeCPULabels(o); err != nil {
		return err
	}
	if err := writeCPUPlain(o); err != nil {
		return err
	}
	if err := writeInlineHeavy(o); err != nil {
		return err
	}
	if err := writeContention(o); err != nil {
		return err
	}
	return writeGoroutines(o)
}

// writeLookup writes the named runtime/pprof profile in proto form.
func writeLookup(o *output, profile, name, desc string) error {
	f, err := o.create(name, desc)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(profile).WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ---------------------------------------------------------------------------
// Heap series

// Leak roots: everything stored here stays live, so in-use memory grows from
// one heap snapshot to the next.
var (
	leakedRecords []*record
	leakedTrees   []*treeNode
	leakedBlobs   [][]byte
	leakedInts    [][]int
	leakedStrings []string
	leakedCache   *cache
	leakedMap     map[int]*record
	scratch       [][]byte // replaced every phase: allocated but not in use
)

type record struct {
	id      int
	payload []byte
}

// newRecord and makePayload are small enough to be inlined into their
// callers.
func newRecord(id int) *record { return &record{id: id, payload: makePayload(32 + id%96)} }

func makePayload(n int) []byte { return make([]byte, n) }

// leakRecords allocates through the inlined helpers above.
//
//go:noinline
func leakRecords(n int) {
	for i := 0; i < n; i++ {
		leakedRecords = append(leakedRecords, newRecord(i))
	}
}

type treeNode struct {
	left, right *treeNode
	vals        [6]int
}

// buildTree allocates recursively: the heap stacks repeat buildTree.
func buildTree(depth int) *treeNode {
	if depth == 0 {
		return nil
	}
	n := &treeNode{}
	n.vals[0] = depth
	n.left = buildTree(depth - 1)
	n.right = buildTree(depth - 1)
	return n
}

// blobMaker returns a closure that allocates size-byte blobs; the closure
// shows up as blobMaker.func1.
func blobMaker(size int) func() []byte {
	return func() []byte { return make([]byte, size) }
}

// leakClosures allocates through a returned closure and a local closure.
//
//go:noinline
func leakClosures(n int) {
	mk := blobMaker(200)
	ints := func(k int) []int { return make([]int, k) }
	for i := 0; i < n; i++ {
		leakedBlobs = append(leakedBlobs, mk())
		leakedInts = append(leakedInts, ints(8+i%24))
	}
}

type cacheEntry struct {
	key  string
	data []byte
}

type cache struct {
	byKey map[string]*cacheEntry
	order []*cacheEntry
}

// add is a method with a pointer receiver that allocates.
func (c *cache) add(key string, size int) {
	e := &cacheEntry{key: key, data: make([]byte, size)}
	c.byKey[key] = e
	c.order = append(c.order, e)
}

// fillCache fills the global cache through (*cache).add.
//
//go:noinline
func fillCache(n int) {
	if leakedCache == nil {
		leakedCache = &cache{byKey: map[string]*cacheEntry{}}
	}
	for i := 0; i < n; i++ {
		leakedCache.add("key-"+strconv.Itoa(len(leakedCache.order)), 64+i%512)
	}
}

// growMap grows a map one key at a time, so the runtime's bucket
// allocations appear under it.
//
//go:noinline
func growMap(n int) {
	if leakedMap == nil {
		leakedMap = map[int]*record{}
	}
	base := len(leakedMap)
	for i := 0; i < n; i++ {
		leakedMap[base+i] = &record{id: i}
	}
}

// leakStrings allocates through fmt and strconv.
//
//go:noinline
func leakStrings(n int) {
	for i := 0; i < n; i++ {
		leakedStrings = append(leakedStrings, fmt.Sprintf("item-%d-%s", i, strconv.Itoa(i*i)))
	}
}

// makeGarbage allocates memory that is dropped at the next phase, so alloc
// values exceed inuse values.
//
//go:noinline
func makeGarbage(n, size int) {
	scratch = scratch[:0]
	for i := 0; i < n; i++ {
		scratch = append(scratch, make([]byte, size))
	}
}

// writeHeapSeries writes heap-series.0 .. .3, leaking more memory through
// different call paths before each snapshot.
func writeHeapSeries(o *output) error {
	phases := []struct {
		desc string
		work func()
	}{
		{"inlined helpers (leakRecords -> newRecord -> makePayload) and garbage", func() {
			leakRecords(2000)
			makeGarbage(500, 1024)
		}},
		{"+ recursion (buildTree) and closures (blobMaker, leakClosures)", func() {
			leakedTrees = append(leakedTrees, buildTree(11))
			leakClosures(1500)
			makeGarbage(300, 4096)
		}},
		{"+ pointer-receiver method (*cache).add and map growth (growMap)", func() {
			fillCache(3000)
			growMap(20000)
			makeGarbage(100, 16384)
		}},
		{"+ more of every path plus fmt/strconv strings", func() {
			leakRecords(1000)
			leakedTrees = append(leakedTrees, buildTree(10))
			leakClosures(500)
			fillCache(1000)
			growMap(10000)
			leakStrings(3000)
			makeGarbage(50, 65536)
		}},
	}
	for i, ph := range phases {
		ph.work()
		runtime.GC() // publish the allocations made so far
		name := fmt.Sprintf("heap-series.%d.pb.gz", i)
		desc := fmt.Sprintf("real Go heap profile, MemProfileRate=1, phase %d: %s", i, ph.desc)
		if err := writeLookup(o, "heap", name, desc); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// CPU work

// cpuSink keeps results alive so the compiler cannot drop the work.
var cpuSink uint64

// rotl, mix and scramble are tiny and get inlined into their callers.
func rotl(x uint64, k uint) uint64 { return x<<k | x>>(64-k) }

func mix(x uint64) uint64 { return rotl(x*0x9e3779b97f4a7c15, 31) ^ x>>17 }

func scramble(x, y uint64) uint64 { return mix(x^y) + mix(y) }

// hashWork hashes a buffer with several algorithms.
//
//go:noinline
func hashWork(buf []byte, rounds int) {
	h := fnv.New64a()
	for i := 0; i < rounds; i++ {
		buf[i%len(buf)]++
		s := sha256.Sum256(buf)
		cpuSink += uint64(s[0]) + uint64(crc32.ChecksumIEEE(buf))
		h.Write(buf[:256])
	}
	cpuSink += h.Sum64()
}

// sortWork refills ints with pseudo-random numbers and sorts them.
//
//go:noinline
func sortWork(ints []int, rounds int) {
	x := uint64(rounds) + 1
	for r := 0; r < rounds; r++ {
		for i := range ints {
			x = mix(x + uint64(i))
			ints[i] = int(x >> 1)
		}
		sort.Ints(ints)
	}
	cpuSink += uint64(ints[len(ints)/2])
}

// fib is deliberately recursive.
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func fibWork(n int) { cpuSink += uint64(fib(n)) }

// mixWork spends its time in the inlined helpers.
//
//go:noinline
func mixWork(rounds int) {
	x := cpuSink | 1
	for i := 0; i < rounds; i++ {
		x = scramble(x, uint64(i))
	}
	cpuSink += x
}

// The kinds of CPU work, each taking roughly a millisecond per call. They
// are named functions (not closures) so the stacks read well.
func kindHash(buf []byte, _ []int) { hashWork(buf, 90) }

func kindSort(_ []byte, ints []int) { sortWork(ints[:10000], 1) }

func kindFib([]byte, []int) { fibWork(27) }

func kindMix([]byte, []int) { mixWork(500000) }

var cpuKinds = []struct {
	name string
	run  func(buf []byte, ints []int)
}{
	{"hash", kindHash},
	{"sort", kindSort},
	{"fib", kindFib},
	{"mix", kindMix},
}

// cpuWorker runs the kinds round-robin until the deadline. With labels it
// runs each chunk under pprof.Do with worker and kind labels.
func cpuWorker(ctx context.Context, worker int, deadline time.Time, labels bool) {
	buf := make([]byte, 4096)
	ints := make([]int, 20000)
	for k := worker; time.Now().Before(deadline); k++ {
		kind := cpuKinds[k%len(cpuKinds)]
		if !labels {
			kind.run(buf, ints)
			continue
		}
		pprof.Do(ctx, pprof.Labels("worker", strconv.Itoa(worker), "kind", kind.name),
			func(context.Context) { kind.run(buf, ints) })
	}
}

// profileCPU writes a CPU profile of fn to name.
func profileCPU(o *output, name, desc string, fn func()) error {
	f, err := o.create(name, desc)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	fn()
	pprof.StopCPUProfile()
	return f.Close()
}

// runWorkers runs n goroutines of cpuWorker for d and waits for them.
func runWorkers(n int, d time.Duration, labels bool) {
	ctx := context.Background()
	if labels {
		ctx = pprof.WithLabels(ctx, pprof.Labels("phase", "cpu-labels"))
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 1; w <= n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cpuWorker(ctx, w, deadline, labels)
		}(w)
	}
	wg.Wait()
}

func writeCPULabels(o *output) error {
	return profileCPU(o, "cpu-labels.pb.gz",
		"real Go CPU profile, 1.5s of 2 goroutines (hash/sort/fib/mix) under pprof.Do labels worker, kind",
		func() { runWorkers(2, 1500*time.Millisecond, true) })
}

func writeCPUPlain(o *output) error {
	return profileCPU(o, "cpu.pb.gz",
		"real Go CPU profile, 1s of 2 goroutines (hash/sort/fib/mix), no labels",
		func() { runWorkers(2, time.Second, false) })
}

// ---------------------------------------------------------------------------
// Inline-heavy CPU work: a five-level chain of tiny helpers, all inlined into
// inlineDriver, so CPU samples land in locations with several Line entries.

func lvl5(x uint32) uint32 { return x*0x85ebca6b ^ x>>13 }

func lvl4(x uint32) uint32 { return lvl5(x+0x9e3779b9) ^ x<<5 }

func lvl3(x uint32) uint32 { return lvl4(x^0xc2b2ae35) + 7 }

func lvl2(x uint32) uint32 { return lvl3(x) * 3 }

func lvl1(x uint32) uint32 { return lvl2(x>>1) ^ x }

// sideA and sideB give a second, shallower inlined path.
func sideB(x uint32) uint32 { return x*2654435761 + 1 }

func sideA(x uint32) uint32 { return sideB(x) ^ sideB(x>>7) }

//go:noinline
func inlineDriver(rounds int) uint32 {
	s := uint32(rounds)
	for i := 0; i < rounds; i++ {
		if i&3 == 0 {
			s = sideA(s)
		} else {
			s = lvl1(s + uint32(i))
		}
	}
	return s
}

func writeInlineHeavy(o *output) error {
	return profileCPU(o, "inline-heavy.pb.gz",
		"real Go CPU profile, 0.8s in a 5-level chain of inlined helpers (locations with several Lines)",
		func() {
			deadline := time.Now().Add(800 * time.Millisecond)
			var wg sync.WaitGroup
			for w := 0; w < 2; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Now().Before(deadline) {
						cpuSink += uint64(inlineDriver(2000000))
					}
				}()
			}
			wg.Wait()
		})
}

// ---------------------------------------------------------------------------
// Mutex and block profiles

// spin burns roughly n iterations of CPU while a lock is held.
//
//go:noinline
func spin(n int) {
	x := cpuSink
	for i := 0; i < n; i++ {
		x = mix(x)
	}
	cpuSink += x
}

// lockContender fights over mu with its siblings.
//
//go:noinline
func lockContender(mu *sync.Mutex, rounds int) {
	for i := 0; i < rounds; i++ {
		mu.Lock()
		spin(20000)
		mu.Unlock()
	}
}

// rwContender mixes readers and writers on one RWMutex.
//
//go:noinline
func rwContender(rw *sync.RWMutex, write bool, rounds int) {
	for i := 0; i < rounds; i++ {
		if write {
			rw.Lock()
			spin(10000)
			rw.Unlock()
		} else {
			rw.RLock()
			spin(5000)
			rw.RUnlock()
		}
	}
}

// slowConsumer receives from an unbuffered channel slowly, so the producer
// blocks on send.
//
//go:noinline
func slowConsumer(ch <-chan int, done chan<- struct{}) {
	for range ch {
		time.Sleep(200 * time.Microsecond)
	}
	close(done)
}

//go:noinline
func producer(ch chan<- int, n int) {
	for i := 0; i < n; i++ {
		ch <- i
	}
	close(ch)
}

// selectWaiter blocks in select until one of its channels fires.
//
//go:noinline
func selectWaiter(a, b <-chan int, n int) {
	for i := 0; i < n; i++ {
		select {
		case <-a:
		case <-b:
		}
	}
}

// writeContention produces real mutex and block contention and writes
// mutex.pb.gz and block.pb.gz.
func writeContention(o *output) error {
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); lockContender(&mu, 60) }()
	}
	var rw sync.RWMutex
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); rwContender(&rw, i == 0, 60) }(i)
	}
	ch := make(chan int)
	done := make(chan struct{})
	go slowConsumer(ch, done)
	go producer(ch, 300)

	a, b := make(chan int), make(chan int)
	wg.Add(1)
	go func() { defer wg.Done(); selectWaiter(a, b, 100) }()
	for i := 0; i < 100; i++ {
		time.Sleep(100 * time.Microsecond)
		if i%2 == 0 {
			a <- i
		} else {
			b <- i
		}
	}
	wg.Wait()
	<-done

	err := writeLookup(o, "mutex", "mutex.pb.gz",
		"real Go mutex profile (fraction 1): Mutex and RWMutex contention from lockContender/rwContender")
	if err == nil {
		err = writeLookup(o, "block", "block.pb.gz",
			"real Go block profile (rate 1): mutex, channel send/recv, select and WaitGroup blocking")
	}
	runtime.SetMutexProfileFraction(0)
	runtime.SetBlockProfileRate(0)
	return err
}

// ---------------------------------------------------------------------------
// Goroutine profile: about 30 goroutines parked in different ways.

//go:noinline
func parkRecv(ch <-chan int) { <-ch }

//go:noinline
func parkSend(ch chan<- int) { ch <- 1 }

//go:noinline
func parkMutex(mu *sync.Mutex) { mu.Lock(); mu.Unlock() }

//go:noinline
func parkRLock(rw *sync.RWMutex) { rw.RLock(); rw.RUnlock() }

//go:noinline
func parkWaitGroup(wg *sync.WaitGroup) { wg.Wait() }

//go:noinline
func parkSleep() { time.Sleep(time.Hour) } // left sleeping until exit

//go:noinline
func parkSelect(a, b <-chan int, c chan<- int) {
	select {
	case <-a:
	case <-b:
	case c <- 1:
	}
}

//go:noinline
func parkCond(c *sync.Cond, ready *bool) {
	c.L.Lock()
	for !*ready {
		c.Wait()
	}
	c.L.Unlock()
}

func writeGoroutines(o *output) error {
	var (
		recvCh  = make(chan int)
		sendCh  = make(chan int)
		selA    = make(chan int)
		selB    = make(chan int)
		selC    = make(chan int)
		mu      sync.Mutex
		rw      sync.RWMutex
		gate    sync.WaitGroup // parked goroutines wait on this
		exited  sync.WaitGroup // tracks the goroutines that will exit
		condMu  sync.Mutex
		ready   bool
		cond    = sync.NewCond(&condMu)
		started = runtime.NumGoroutine()
	)
	mu.Lock()
	rw.Lock()
	gate.Add(1)

	spawn := func(n int, fn func()) {
		for i := 0; i < n; i++ {
			exited.Add(1)
			go func() { defer exited.Done(); fn() }()
		}
	}
	// Goroutines started inside pprof.Do inherit its labels.
	labelled := func(kind string, fn func()) {
		pprof.Do(context.Background(), pprof.Labels("parked", kind, "group", "labelled"),
			func(context.Context) { fn() })
	}

	spawn(3, func() { parkRecv(recvCh) })
	labelled("chanrecv", func() { spawn(2, func() { parkRecv(recvCh) }) })
	spawn(4, func() { parkSend(sendCh) })
	spawn(2, func() { parkMutex(&mu) })
	labelled("mutex", func() { spawn(2, func() { parkMutex(&mu) }) })
	spawn(2, func() { parkRLock(&rw) })
	labelled("waitgroup", func() { spawn(4, func() { parkWaitGroup(&gate) }) })
	for i := 0; i < 4; i++ {
		go parkSleep()
	}
	spawn(2, func() { parkSelect(selA, selB, selC) })
	labelled("select", func() { spawn(2, func() { parkSelect(selA, selB, selC) }) })
	labelled("cond", func() { spawn(3, func() { parkCond(cond, &ready) }) })

	// Wait until all 30 are parked (they park almost immediately).
	for i := 0; i < 100 && runtime.NumGoroutine() < started+30; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	err := writeLookup(o, "goroutine", "goroutine.pb.gz",
		"real Go goroutine profile: ~30 goroutines parked on chan send/recv, Mutex, RWMutex, WaitGroup, Sleep, select, Cond; some labelled")

	// Release everything except the sleepers.
	close(recvCh)
	for i := 0; i < 4; i++ {
		<-sendCh
	}
	mu.Unlock()
	rw.Unlock()
	gate.Done()
	close(selA)
	condMu.Lock()
	ready = true
	condMu.Unlock()
	cond.Broadcast()
	exited.Wait()
	return err
}
