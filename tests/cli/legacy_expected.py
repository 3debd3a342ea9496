"""`go tool pprof -symbolize=none -top -sample_index=I NAME` (Go 1.19.8) for
the inputs of legacy_inputs.py, keyed "NAME I"."""

EXPECTED = {
    'go-heap.txt 0':
        'Type: alloc_objects\nShowing nodes accounting for 1282, 100% of 1282 total\n      flat  flat%   sum%        cum   cum%\n      1282   100%   100%       1282   100%  <unknown>\n',
    'go-heap.txt 1':
        'Type: alloc_space\nShowing nodes accounting for 2.50MB, 100% of 2.50MB total\n      flat  flat%   sum%        cum   cum%\n    2.50MB   100%   100%     2.50MB   100%  <unknown>\n',
    'go-heap.txt 2':
        'Type: inuse_objects\nShowing nodes accounting for 1537, 100% of 1537 total\n      flat  flat%   sum%        cum   cum%\n      1537   100%   100%       1537   100%  <unknown>\n',
    'go-heap.txt 3':
        'Type: inuse_space\nShowing nodes accounting for 1.50MB, 100% of 1.50MB total\n      flat  flat%   sum%        cum   cum%\n    1.50MB   100%   100%     1.50MB   100%  <unknown>\n',
    'go-goroutine.txt 0':
        'Type: goroutine\nShowing nodes accounting for 4, 100% of 4 total\n      flat  flat%   sum%        cum   cum%\n         4   100%   100%          4   100%  <unknown>\n',
    'go-mutex.txt 0':
        'Type: contentions\nShowing nodes accounting for 20, 100% of 20 total\n      flat  flat%   sum%        cum   cum%\n        20   100%   100%         20   100%  <unknown>\n',
    'go-mutex.txt 1':
        'Type: delay\nShowing nodes accounting for 5.25ms, 100% of 5.25ms total\n      flat  flat%   sum%        cum   cum%\n    5.25ms   100%   100%     5.25ms   100%  <unknown>\n',
    'go-block.txt 0':
        'Type: contentions\nShowing nodes accounting for 2, 100% of 2 total\n      flat  flat%   sum%        cum   cum%\n         2   100%   100%          2   100%  <unknown>\n',
    'go-block.txt 1':
        'Type: delay\nShowing nodes accounting for 3us, 100% of 3us total\n      flat  flat%   sum%        cum   cum%\n       3us   100%   100%        3us   100%  <unknown>\n',
    'gperf-heap.txt 0':
        'File: server\nType: alloc_objects\nShowing nodes accounting for 31459, 100% of 31459 total\n      flat  flat%   sum%        cum   cum%\n     20973 66.67% 66.67%      20973 66.67%  [libc.so.6]\n     10486 33.33%   100%      31459   100%  [server]\n',
    'gperf-heap.txt 1':
        'File: server\nType: alloc_space\nShowing nodes accounting for 3MB, 100% of 3MB total\n      flat  flat%   sum%        cum   cum%\n       2MB 66.67% 66.67%        2MB 66.67%  [libc.so.6]\n       1MB 33.33%   100%        3MB   100%  [server]\n',
    'gperf-heap.txt 2':
        'File: server\nType: inuse_objects\nShowing nodes accounting for 15729, 100% of 15729 total\n      flat  flat%   sum%        cum   cum%\n     10486 66.67% 66.67%      10486 66.67%  [libc.so.6]\n      5243 33.33%   100%      15729   100%  [server]\n',
    'gperf-heap.txt 3':
        'File: server\nType: inuse_space\nShowing nodes accounting for 1536.15kB, 100% of 1536.15kB total\n      flat  flat%   sum%        cum   cum%\n 1024.10kB 66.67% 66.67%  1024.10kB 66.67%  [libc.so.6]\n  512.05kB 33.33%   100%  1536.15kB   100%  [server]\n',
    'gperf-growth.txt 0':
        'File: server\nType: objects\nShowing nodes accounting for 2, 100% of 2 total\n      flat  flat%   sum%        cum   cum%\n         2   100%   100%          2   100%  [server]\n',
    'gperf-growth.txt 1':
        'File: server\nType: space\nShowing nodes accounting for 300B, 100% of 300B total\n      flat  flat%   sum%        cum   cum%\n      300B   100%   100%       300B   100%  [server]\n',
    'gperf-contention.txt 0':
        'File: server\nType: contentions\nDuration: 5s, Total samples = 300 \nShowing nodes accounting for 300, 100% of 300 total\n      flat  flat%   sum%        cum   cum%\n       200 66.67% 66.67%        200 66.67%  [server]\n       100 33.33%   100%        100 33.33%  [libc.so.6]\n',
    'gperf-contention.txt 1':
        'File: server\nType: delay\nDuration: 5s, Total samples = 50us (0.001%)\nShowing nodes accounting for 50us, 100% of 50us total\n      flat  flat%   sum%        cum   cum%\n   33.33us 66.67% 66.67%    33.33us 66.67%  [server]\n   16.67us 33.33%   100%    16.67us 33.33%  [libc.so.6]\n',
    'gperf-thread.txt 0':
        'File: server\nType: thread\nShowing nodes accounting for 3, 100% of 3 total\n      flat  flat%   sum%        cum   cum%\n         2 66.67% 66.67%          3   100%  [server]\n         1 33.33%   100%          1 33.33%  [libc.so.6]\n',
    'gperf-cpu-64le.prof 0':
        'File: server\nType: samples\nShowing nodes accounting for 8, 100% of 8 total\n      flat  flat%   sum%        cum   cum%\n         6 75.00% 75.00%          8   100%  [server]\n         2 25.00%   100%          2 25.00%  [libc.so.6]\n',
    'gperf-cpu-64le.prof 1':
        'File: server\nType: cpu\nShowing nodes accounting for 80ms, 100% of 80ms total\n      flat  flat%   sum%        cum   cum%\n      60ms 75.00% 75.00%       80ms   100%  [server]\n      20ms 25.00%   100%       20ms 25.00%  [libc.so.6]\n',
    'gperf-cpu-32be.prof 0':
        'File: server\nType: samples\nShowing nodes accounting for 8, 100% of 8 total\n      flat  flat%   sum%        cum   cum%\n         6 75.00% 75.00%          8   100%  [server]\n         2 25.00%   100%          2 25.00%  [libm.so.6]\n',
    'gperf-cpu-32be.prof 1':
        'File: server\nType: cpu\nShowing nodes accounting for 80ms, 100% of 80ms total\n      flat  flat%   sum%        cum   cum%\n      60ms 75.00% 75.00%       80ms   100%  [server]\n      20ms 25.00%   100%       20ms 25.00%  [libm.so.6]\n',
    'gperf-cpu-64be-nomaps.prof 0':
        'Type: samples\nShowing nodes accounting for 8, 100% of 8 total\n      flat  flat%   sum%        cum   cum%\n         8   100%   100%          8   100%  <unknown>\n',
    'gperf-cpu-64be-nomaps.prof 1':
        'Type: cpu\nShowing nodes accounting for 80ms, 100% of 80ms total\n      flat  flat%   sum%        cum   cum%\n      80ms   100%   100%       80ms   100%  <unknown>\n',
    'java-heap.txt 0':
        'Type: inuse_objects\nShowing nodes accounting for 3073, 100% of 3073 total\n      flat  flat%   sum%        cum   cum%\n      2049 66.68% 66.68%       2049 66.68%  com.example.Foo.alloc\n      1024 33.32%   100%       1024 33.32%  GC\n         0     0%   100%       3073   100%  com.example.Main.main\n',
    'java-heap.txt 1':
        'Type: inuse_space\nShowing nodes accounting for 1536.75kB, 100% of 1536.75kB total\n      flat  flat%   sum%        cum   cum%\n 1024.50kB 66.67% 66.67%  1024.50kB 66.67%  com.example.Foo.alloc\n  512.25kB 33.33%   100%   512.25kB 33.33%  GC\n         0     0%   100%  1536.75kB   100%  com.example.Main.main\n',
    'java-contention.txt 0':
        'Type: contentions\nDuration: 2s, Total samples = 30 \nShowing nodes accounting for 30, 100% of 30 total\n      flat  flat%   sum%        cum   cum%\n        20 66.67% 66.67%         20 66.67%  com.example.Foo.alloc\n        10 33.33%   100%         10 33.33%  GC\n         0     0%   100%         20 66.67%  com.example.Main.main\n',
    'java-contention.txt 1':
        'Type: delay\nDuration: 2s, Total samples = 400us ( 0.02%)\nShowing nodes accounting for 400us, 100% of 400us total\n      flat  flat%   sum%        cum   cum%\n     300us 75.00% 75.00%      300us 75.00%  com.example.Foo.alloc\n     100us 25.00%   100%      100us 25.00%  GC\n         0     0%   100%      300us 75.00%  com.example.Main.main\n',
    'java-cpu.prof 0':
        'Type: samples\nShowing nodes accounting for 8, 100% of 8 total\n      flat  flat%   sum%        cum   cum%\n         5 62.50% 62.50%          5 62.50%  com.example.Foo.alloc\n         3 37.50%   100%          3 37.50%  GC\n         0     0%   100%          5 62.50%  com.example.Main.main\n',
    'java-cpu.prof 1':
        'Type: cpu\nShowing nodes accounting for 80ms, 100% of 80ms total\n      flat  flat%   sum%        cum   cum%\n      50ms 62.50% 62.50%       50ms 62.50%  com.example.Foo.alloc\n      30ms 37.50%   100%       30ms 37.50%  GC\n         0     0%   100%       50ms 62.50%  com.example.Main.main\n',
}
