#!/usr/bin/env python3
"""Oracle test: compare `hearth` against Go 1.19's `go tool pprof`.

Usage:
  python3 tests/oracle/oracle.py --hearth build/hearth [--corpus DIR] [--gen DIR]
      [--jobs 2] [--max-bytes 4000000] [--filter SUBSTR] [--summary FILE] [--verbose]

Exit status: 0 if every case passed, 1 if any failed, 77 when the test cannot
run (no Go toolchain, no profiles), 2 on usage errors.  Standard library only.
See README.md beside this file for what is compared.
"""

import argparse
import collections
import concurrent.futures
import difflib
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib

TIMEOUT = 60
SKIP_EXIT = 77
TOP_FULL = ['-nodecount=0', '-nodefraction=0', '-edgefraction=0']
COLUMN_HEADER = '      flat  flat%   sum%        cum   cum%'
TRACE_SEP = '-----------+-------------------------------------------------------'
KINDS = ['top-full', 'top-default', 'reject', 'diff-base', 'diff-diffbase',
         'graph', 'flame', 'filters', 'options', 'tags', 'tagroot', 'dot']
# pprof's other reports (report_cases): byte-compared, except the profiles (semantic)
REPORT_KINDS = ['text', 'traces', 'tree', 'peek', 'raw', 'callgrind', 'proto', 'topproto',
                'comments']
KINDS += REPORT_KINDS
# `dot` variants per file and sample index: default flags, the granularities, a small nodecount
DOT_VARIANTS = [[], ['-lines'], ['-files'], ['-filefunctions'], ['-addresses'], ['-nodecount=12']]

# --------------------------------------------------------------------------
# Units (pprof internal/measurement, Go 1.19)

_UNIT_FAMILIES = [
    # (canonical name, aliases) ; first family: memory, then time, then GCU
    [('B', ['b', 'byte']), ('kB', ['kb', 'kbyte', 'kilobyte']),
     ('MB', ['mb', 'mbyte', 'megabyte']), ('GB', ['gb', 'gbyte', 'gigabyte']),
     ('TB', ['tb', 'tbyte', 'terabyte']), ('PB', ['pb', 'pbyte', 'petabyte'])],
    [('ns', ['ns', 'nanosecond']), ('us', ['\u03bcs', 'us', 'microsecond']),
     ('ms', ['ms', 'millisecond']), ('s', ['s', 'sec', 'second']),
     ('hrs', ['hour', 'hr'])],
    [('n*GCU', ['nanogcu']), ('u*GCU', ['microgcu']), ('m*GCU', ['milligcu']),
     ('GCU', ['gcu']), ('k*GCU', ['kilogcu']), ('M*GCU', ['megagcu']),
     ('G*GCU', ['gigagcu']), ('T*GCU', ['teragcu']), ('P*GCU', ['petagcu'])],
]


def sniff_unit(unit):
    """(family index, canonical name) for a unit string pprof knows, else None."""
    u = unit.lower()
    if len(u) > 2 and u.endswith('s'):
        u = u[:-1]
    for fi, fam in enumerate(_UNIT_FAMILIES):
        for canon, aliases in fam:
            if u in aliases:
                return fi, canon
    return None


def unit_flag(unit):
    """The -unit=U flag to pass for a sample type unit, or [] (count-like/unknown).
    GCU units are left out: their factors are not exact in binary floating point."""
    s = sniff_unit(unit)
    if s is None or s[0] == 2:
        return []
    return ['-unit=' + unit]


def value_suffix(unit):
    """Suffix of exact values printed with unit_flag(unit) (or without it)."""
    if unit_flag(unit):
        return sniff_unit(unit)[1]
    return ''


def parse_value(tok, suffix):
    """Exact integer from a pprof value token, or None if not exact."""
    if tok == '0':
        return 0
    if suffix:
        if not tok.endswith(suffix):
            return None
        tok = tok[:-len(suffix)]
    if re.fullmatch(r'-?[0-9]+', tok):
        return int(tok)
    return None


def re2_escape(s):
    """Escape a literal for RE2 (Go regexp): backslash before ASCII punctuation
    that has a meaning; everything else literal. A NUL byte (which no
    command-line argument can hold) is written as \\x00."""
    return re.sub(r'([\\.+*?()|\[\]{}^$,])', r'\\\1', s).replace('\0', '\\x00')


def to_text(b):
    return b.decode('utf-8', 'surrogateescape')


def norm_name(s):
    """Names compared from JSON: invalid UTF-8 bytes become U+FFFD on both sides."""
    try:
        return s.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
    except UnicodeEncodeError:
        return s.encode('utf-8', 'replace').decode('utf-8', 'replace')


# --------------------------------------------------------------------------
# Minimal protobuf reader for pprof's -proto output (profile.proto)

def _varint(buf, i):
    result = 0
    shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7f) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf):
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        fn, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 2:
            ln, i = _varint(buf, i)
            v = buf[i:i + ln]
            i += ln
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ValueError('bad wire type %d' % wt)
        yield fn, wt, v


def _ints(wt, v):
    if wt == 0:
        return [v]
    out = []
    i = 0
    while i < len(v):
        x, i = _varint(v, i)
        out.append(x)
    return out


def _s64(x):
    return x - (1 << 64) if x >= (1 << 63) else x


def decode_profile(data, want_labels=False):
    """Sample types, default sample type, and (optionally) per-sample labels."""
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    buf = memoryview(data)
    strings = []
    sample_types = []
    default_type = 0
    samples = []
    for fn, wt, v in _fields(buf):
        if fn == 6:
            strings.append(bytes(v).decode('utf-8', 'surrogateescape'))
        elif fn == 1:
            t = u = 0
            for f2, w2, v2 in _fields(v):
                if f2 == 1:
                    t = v2
                elif f2 == 2:
                    u = v2
            sample_types.append((t, u))
        elif fn == 14:
            default_type = v
        elif fn == 2 and want_labels:
            labels = []
            values = []
            for f2, w2, v2 in _fields(v):
                if f2 == 2:
                    values.extend(_s64(x) for x in _ints(w2, v2))
                elif f2 == 3:
                    lab = {1: 0, 2: 0, 3: 0, 4: 0}
                    for f3, w3, v3 in _fields(v2):
                        if w3 == 0:
                            lab[f3] = v3
                    labels.append((lab[1], lab[2], _s64(lab[3]), lab[4]))
            samples.append((values, labels))

    def S(i):
        return strings[i] if 0 <= i < len(strings) else ''
    types = [(S(t), S(u)) for t, u in sample_types]
    dflt = len(types) - 1
    if default_type:
        for i, (t, u) in enumerate(types):
            if t == S(default_type):
                dflt = i
                break
    res = {'types': types, 'default': dflt}
    if want_labels:
        str_labels = collections.Counter()   # (key, value) -> samples
        num_labels = collections.defaultdict(list)  # key -> [(value, unit)]
        for values, labels in samples:
            for k, s, n, nu in labels:
                key = S(k)
                if s:
                    str_labels[(key, S(s))] += 1
                else:
                    num_labels[key].append((n, S(nu)))
        res['str_labels'] = str_labels
        res['num_labels'] = num_labels
    return res


# --------------------------------------------------------------------------
# Parsers for pprof text outputs

ROW_RE = re.compile(r'^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)  (.*)$', re.S)


def split_inline(name):
    for suf in (' (inline)', ' (partial-inline)'):
        if name.endswith(suf):
            return name[:-len(suf)], suf.strip()[1:-1]
    return name, ''


def parse_top(text):
    """{'header': [lines], 'showing': str|None, 'rows': [(name, inl, flat, flat%, sum%, cum, cum%)]}
    Lines split on '\\n' only (names may contain other control characters);
    a line after the column header that is not a row continues the previous
    row's name (names containing newlines)."""
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    header, rows, showing = [], [], None
    in_rows = False
    for line in lines:
        if not in_rows:
            if line == COLUMN_HEADER:
                in_rows = True
                continue
            header.append(line)
            if line.startswith('Showing nodes accounting for '):
                showing = line
            continue
        m = ROW_RE.match(line)
        if m is None:
            if rows:
                r = rows[-1]
                name, inl = split_inline(r[7] + '\n' + line)
                rows[-1] = (name, inl) + r[2:7] + (r[7] + '\n' + line,)
                continue
            rows.append(('?' + line, '', '', '', '', '', '', line))
            continue
        flat, flatp, sump, cum, cump, full = m.groups()
        name, inl = split_inline(full)
        rows.append((name, inl, flat, flatp, sump, cum, cump, full))
    return {'header': header, 'showing': showing, 'has_columns': in_rows,
            'rows': [r[:7] for r in rows]}


NODE_RE = re.compile(r'^N(\d+) \[label="(.*)" id="node\d+" fontsize=\d+ shape=\w+ '
                     r'tooltip="(.*)" color="#[0-9a-fA-F]+" fillcolor="#[0-9a-fA-F]+"')
EDGE_RE = re.compile(r'^N(\d+) -> N(\d+) \[label=" (\S*?)(\\n \(inline\))?"(.*)\]$')
LABEL_VALUE_RE = re.compile(
    r'^(.*)\\n(?:(0)|0 of (\S+) \([^()]*\)|(\S+) \([^()]*\)(?:\\nof (\S+) \([^()]*\))?)$',
    re.S)
TOTAL_RE = re.compile(r'Showing nodes accounting for (\S+), \S+ of (\S+) total')


def dot_unescape(s):
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'l' else m.group(1), s,
                  flags=re.S)


class OracleError(Exception):
    pass


def parse_dot(text, suffix):
    nodes = {}   # dot id -> (name, flat, cum)
    edges = []
    total = None
    for line in text.split('\n'):
        if line.startswith('subgraph cluster_L'):
            m = TOTAL_RE.search(line)
            if m:
                total = parse_value(m.group(2), suffix)
            continue
        m = NODE_RE.match(line)
        if m:
            k, label, tooltip = m.groups()
            if ' (' not in tooltip:
                raise OracleError('dot tooltip without value: %r' % line[:120])
            name = norm_name(dot_unescape(tooltip.rsplit(' (', 1)[0]))
            lm = LABEL_VALUE_RE.match(label)
            if lm is None:
                raise OracleError('cannot parse dot label %r' % label[:120])
            _, zero, cum0, flat_t, cum_t = lm.groups()
            if zero is not None:
                flat, cum = 0, 0
            elif cum0 is not None:
                flat, cum = 0, parse_value(cum0, suffix)
            else:
                flat = parse_value(flat_t, suffix)
                cum = parse_value(cum_t, suffix) if cum_t is not None else flat
            if flat is None or cum is None:
                raise OracleError('inexact dot value in %r' % label[:120])
            nodes[k] = (name, flat, cum)
            continue
        m = EDGE_RE.match(line)
        if m:
            a, b, w, inl, rest = m.groups()
            wv = parse_value(w, suffix)
            if wv is None:
                raise OracleError('inexact dot edge weight %r' % w)
            edges.append((a, b, wv, 'style="dotted"' in rest, inl is not None))
    named_edges = []
    for a, b, w, res, inl in edges:
        if a not in nodes or b not in nodes:
            raise OracleError('dot edge N%s -> N%s to unknown node' % (a, b))
        named_edges.append((nodes[a][0], nodes[b][0], w, res, inl))
    return {'nodes': list(nodes.values()), 'edges': named_edges, 'total': total}


TRACE_FIRST_RE = re.compile(r'^ *(\S+)   (.*)$', re.S)


def parse_traces(text, suffix):
    """Aggregate -traces output: {root-to-leaf name tuple: summed value}."""
    agg = collections.defaultdict(int)
    lines = text.split('\n')
    block = None

    def flush(block):
        frames = None
        value = None
        for line in block:
            if frames is None:
                m = TRACE_FIRST_RE.match(line)
                if m:
                    v = parse_value(m.group(1), suffix)
                    if v is not None:
                        value = v
                        frames = [m.group(2)]
                continue
            if line.startswith(' ' * 13):
                frames.append(line[13:])
            else:
                frames[-1] += '\n' + line
        if frames is None:
            if block:
                raise OracleError('trace block without frames: %r' % block[:3])
            return
        names = tuple(norm_name(split_inline(f)[0]) for f in reversed(frames))
        agg[names] += value

    for line in lines:
        if line == TRACE_SEP:
            if block is not None:
                flush(block)
            block = []
        elif block is not None:
            block.append(line)
    if block:
        if block[-1] == '':
            block.pop()
        if block:
            flush(block)
    return {k: v for k, v in agg.items() if v != 0}


# --------------------------------------------------------------------------
# Process running

class Result:
    __slots__ = ('rc', 'out', 'err', 'timeout', 'secs')

    def __init__(self, rc, out, err, timeout, secs):
        self.rc, self.out, self.err, self.timeout, self.secs = rc, out, err, timeout, secs

    def crashed(self):
        return self.timeout or (self.rc is not None and self.rc < 0)

    def describe(self):
        if self.timeout:
            return 'timed out after %ds' % TIMEOUT
        if self.rc < 0:
            return 'killed by signal %d' % -self.rc
        first = to_text(self.err).strip().split('\n')[0] if self.err.strip() else ''
        return 'exit %d%s' % (self.rc, (': ' + first[:160]) if first else '')


def run(argv, env):
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=TIMEOUT)
        return Result(p.returncode, p.stdout, p.stderr, False, time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        return Result(None, e.stdout or b'', e.stderr or b'', True, time.monotonic() - t0)
    except OSError as e:
        return Result(127, b'', str(e).encode(), False, time.monotonic() - t0)


class Tools:
    def __init__(self, pprof, hearth, env):
        self.pprof, self.hearth, self.env = pprof, hearth, env
        self._cache = {}
        self._lock = threading.Lock()
        self.stats = collections.Counter()   # summed seconds / call counts

    def _account(self, what, r):
        with self._lock:
            self.stats[what + '_secs'] += r.secs
            self.stats[what + '_calls'] += 1
        return r

    def pprof_run(self, args, cache=False):
        argv = [self.pprof, '-symbolize=none'] + args
        if not cache:
            return self._account('pprof', run(argv, self.env))
        key = tuple(args)
        with self._lock:
            ev = self._cache.get(key)
            if ev is None:
                ev = self._cache[key] = [threading.Event(), None]
                owner = True
            else:
                owner = False
        if owner:
            ev[1] = self._account('pprof', run(argv, self.env))
            ev[0].set()
        else:
            ev[0].wait()
        return ev[1]

    def hearth_run(self, args):
        return self._account('hearth', run([self.hearth] + args, self.env))


# --------------------------------------------------------------------------
# Cases

# Known differences from pprof, each with its reason. A failing case that
# matches one is reported as KNOWN (and counted apart), never as a pass; any
# other failure fails the run. Remove an entry when its cause is fixed.
KNOWN = [
]


def known(c):
    for kind, match, why in KNOWN:
        if c.kind == kind and match(c):
            return why
    return None


class Case:
    def __init__(self, kind, label, si, flags, fn):
        self.kind, self.label, self.si, self.flags, self.fn = kind, label, si, flags, fn

    def title(self):
        s = '%s %s' % (self.kind, self.label)
        if self.si is not None:
            s += ' si=%s' % self.si
        if self.flags:
            s += ' ' + ' '.join(self.flags)
        return s


class Outcome:
    def __init__(self, status, reason='', detail=''):
        self.status, self.reason, self.detail = status, reason, detail


def PASS():
    return Outcome('pass')


def FAIL(reason, detail=''):
    return Outcome('fail', reason, detail)


def SKIP(reason):
    return Outcome('skip', reason)


def short(s, n=100):
    s = repr(s) if not isinstance(s, str) else s
    s = s.replace('\n', '\\n')
    return s if len(s) <= n else s[:n - 3] + '...'


def unified(a, b, name_a='pprof', name_b='hearth', limit=40):
    al = to_text(a).split('\n') if isinstance(a, bytes) else a
    bl = to_text(b).split('\n') if isinstance(b, bytes) else b
    d = list(difflib.unified_diff(al, bl, name_a, name_b, lineterm='', n=1))
    if len(d) > limit:
        d = d[:limit] + ['... (%d more diff lines)' % (len(d) - limit)]
    return '\n'.join(short(x, 200) for x in d)


def both_fail_check(pp, hh):
    """pprof failed: hearth must fail cleanly too."""
    if hh.crashed():
        return FAIL('pprof rejects (%s) but hearth %s' % (pp.describe(), hh.describe()))
    if hh.rc == 0:
        return FAIL('pprof rejects (%s) but hearth exits 0' % pp.describe())
    return PASS()


def pre_hearth(pp, hh):
    """Common handling of exit statuses. Returns an Outcome or None to continue."""
    if pp.timeout:
        return SKIP('pprof timed out')
    if pp.rc != 0:
        return both_fail_check(pp, hh)
    if hh.crashed() or hh.rc != 0:
        return FAIL('hearth ' + hh.describe())
    return None


def compare_top(pp, hh, suffix, byte_compare=True):
    o = pre_hearth(pp, hh)
    if o:
        return o
    ptext, htext = to_text(pp.out), to_text(hh.out)
    P, H = parse_top(ptext), parse_top(htext)
    reasons = []
    if not H['has_columns']:
        return FAIL('hearth output has no column header line', unified(pp.out, hh.out))
    prow, hrow = P['rows'], H['rows']
    if prow != hrow:
        pn = collections.Counter((r[0], r[1]) for r in prow)
        hn = collections.Counter((r[0], r[1]) for r in hrow)
        missing = list((pn - hn).elements())
        extra = list((hn - pn).elements())
        if missing or extra:
            msg = 'rows: %d pprof vs %d hearth' % (len(prow), len(hrow))
            if missing:
                msg += '; missing %d (e.g. %s)' % (len(missing), short(missing[0][0] + (' (%s)' % missing[0][1] if missing[0][1] else ''), 60))
            if extra:
                msg += '; extra %d (e.g. %s)' % (len(extra), short(extra[0][0] + (' (%s)' % extra[0][1] if extra[0][1] else ''), 60))
            reasons.append(msg)
        pv = {}
        for r in prow:
            pv.setdefault((r[0], r[1]), r)
        valdiff = None
        for r in hrow:
            q = pv.get((r[0], r[1]))
            if q is not None and (q[2], q[5]) != (r[2], r[5]):
                valdiff = (r, q)
                break
        if valdiff:
            r, q = valdiff
            reasons.append('values of %s: pprof flat=%s cum=%s, hearth flat=%s cum=%s' % (
                short(r[0], 60), q[2], q[5], r[2], r[5]))
        if not reasons or not (missing or extra or valdiff):
            for i, (a, b) in enumerate(zip(prow, hrow)):
                if a != b:
                    if (a[0], a[1]) != (b[0], b[1]):
                        reasons.append('order differs at row %d: pprof %s, hearth %s' % (
                            i + 1, short(a[0], 50), short(b[0], 50)))
                    else:
                        reasons.append('row %d (%s) percentages: pprof %s/%s/%s, hearth %s/%s/%s' % (
                            i + 1, short(a[0], 50), a[3], a[4], a[6], b[3], b[4], b[6]))
                    break
        # exactness sanity: values must parse with -unit
        if suffix is not None:
            bad = [r for r in hrow if parse_value(r[2], suffix) is None or parse_value(r[5], suffix) is None]
            if bad:
                reasons.append('hearth value not exact: %s' % short(bad[0][2] + ' ' + bad[0][5], 40))
    if P['showing'] != H['showing']:
        reasons.append('header: pprof %r, hearth %r' % (short(P['showing'], 90), short(H['showing'], 90)))
    if reasons:
        return FAIL('; '.join(reasons), unified(pp.out, hh.out))
    if byte_compare and pp.out != hh.out:
        pl, hl = pp.out.split(b'\n'), hh.out.split(b'\n')
        for i in range(max(len(pl), len(hl))):
            a = pl[i] if i < len(pl) else None
            b = hl[i] if i < len(hl) else None
            if a != b:
                return FAIL('rows equal but text differs at line %d: pprof %s, hearth %s' % (
                    i + 1, short(to_text(a) if a is not None else '<EOF>', 70),
                    short(to_text(b) if b is not None else '<EOF>', 70)), unified(pp.out, hh.out))
    return PASS()


def compare_bytes(pp, hh):
    o = pre_hearth(pp, hh)
    if o:
        return o
    if pp.out == hh.out:
        return PASS()
    pl, hl = pp.out.split(b'\n'), hh.out.split(b'\n')
    for i in range(max(len(pl), len(hl))):
        a = pl[i] if i < len(pl) else None
        b = hl[i] if i < len(hl) else None
        if a != b:
            return FAIL('line %d: pprof %s, hearth %s' % (
                i + 1, short(to_text(a) if a is not None else '<EOF>', 80),
                short(to_text(b) if b is not None else '<EOF>', 80)), unified(pp.out, hh.out))
    return PASS()


def sorted_lines(b):
    return sorted(b.split(b'\n'))


DOT_NODE = re.compile(rb'^(N\d+) \[(.*)$')
DOT_EDGE = re.compile(rb'^(N\d+) -> (N\d+) (.*)$')
DOT_TOOLTIP = re.compile(rb'tooltip="([^"]*)"')


def dot_semantic(out):
    """A DOT text as what it says, not how pprof numbered it: each node's line
    with its id and `id="nodeN"` taken out (its tooltip names it), each edge
    as its two ends' tooltips plus its attributes, every other line as is; a
    sorted list. Where Go 1.19's pprof orders tied nodes in Go map order, the
    node numbers (and so the edge lines' ids) differ from run to run while the
    graph stays the same."""
    names, nodes, edges, other = {}, [], [], []
    lines = out.split(b'\n')
    for ln in lines:
        m = DOT_NODE.match(ln)
        if m and b' -> ' not in ln:
            t = DOT_TOOLTIP.search(ln)
            names[m.group(1)] = t.group(1) if t else m.group(1)
    for ln in lines:
        m = DOT_EDGE.match(ln)
        if m:
            edges.append((names.get(m.group(1), m.group(1)), names.get(m.group(2), m.group(2)),
                          m.group(3)))
            continue
        m = DOT_NODE.match(ln)
        if m:
            nodes.append(re.sub(rb' id="node\d+"', b'', m.group(2)))
        else:
            other.append(ln)
    return sorted(nodes), sorted(edges), sorted(other)


DOT_WEIGHT = re.compile(rb'label=" ?-?([^"\\]*)')


def dot_ties_only(p, h):
    """True if two dot_semantic() graphs differ only in residual (dotted)
    edges that pprof keeps or drops by a tie: pprof's RemoveRedundantEdges
    walks a node's in-edges from the lightest and stops at the first
    non-residual one, and in a diff a residual +w edge and a solid -w edge
    into the same node have equal |weight|, which its sort leaves in Go map
    order. So an edge may differ only if its node has another in-edge of the
    same |weight| in both graphs."""
    if p[0] != h[0] or p[2] != h[2]:
        return False
    pe, he = collections.Counter(p[1]), collections.Counter(h[1])
    if pe == he:
        return True

    def weight(e):
        m = DOT_WEIGHT.search(e[2])
        return m.group(1) if m else None

    def tied(e, edges):
        w = weight(e)
        return w is not None and any(o is not e and o[1] == e[1] and weight(o) == w and
                                     b'style="dotted"' not in o[2] for o in edges)
    for e in (pe - he) + (he - pe):
        if b'style="dotted"' not in e[2] or not (tied(e, p[1]) and tied(e, h[1])):
            return False
    return True


def compare_dot(pp, hh, rerun, diff):
    """`-dot` byte for byte. Go 1.19's pprof sorts edges with an unstable sort
    over a Go map, so edges whose |weight| and names tie (a +w and a -w edge in
    a diff) come out in run-dependent order, and in diffs which residual edge
    RemoveRedundantEdges drops can depend on that order too. Where pprof is
    seen to vary (diff pairs, or a second run differing from the first), the
    lines are compared as multisets against up to ten pprof runs, and then as
    a graph (dot_semantic: nodes by name with their labels, edges by their
    ends' names with their labels and styles): hearth must equal one graph
    pprof itself prints. In a diff, pprof keeps or drops a residual edge
    tied in |weight| with a solid in-edge of the same node by Go map order
    (cpu-to-cpu-labels -diff_base si=1: 41 edges in 9 runs of 10, 40 in
    one): there the graphs may differ in such edges only (dot_ties_only)."""
    o = pre_hearth(pp, hh)
    if o:
        return o
    if pp.out == hh.out:
        return PASS()
    runs = [pp]
    if not diff:
        # seen varying only by chance: up to nine more runs, each may match
        # exactly (a node order pprof picks half of the time, as in
        # grafana-pyroscope heap_delta si=1 -files, misses five runs in 32)
        varies = False
        while len(runs) < 10 and not varies:
            r = rerun()
            if r.rc == 0 and r.out == hh.out:
                return PASS()
            varies = r.rc == 0 and r.out != pp.out
            runs.append(r)
        if not varies:
            return compare_bytes(pp, hh)
    hs, hsem = sorted_lines(hh.out), dot_semantic(hh.out)
    while True:
        if any(sorted_lines(r.out) == hs for r in runs):
            return PASS()
        if any(dot_semantic(r.out) == hsem for r in runs):
            return PASS()
        if diff and any(dot_ties_only(dot_semantic(r.out), hsem) for r in runs):
            return PASS()
        if any(r.out == hh.out for r in runs):
            return PASS()
        if len(runs) >= 10:
            break
        runs.append(rerun())
    r = compare_bytes(pp, hh)
    r.reason = '(order-insensitive, %d pprof runs) %s' % (len(runs), r.reason)
    return r


def load_json(hh):
    try:
        return json.loads(to_text(hh.out)), None
    except ValueError as e:
        return None, FAIL('hearth output is not JSON: %s' % e, short(to_text(hh.out[:300]), 300))


def check_sample(j, stype):
    s = j.get('sample')
    if not isinstance(s, dict):
        return 'missing "sample"'
    if stype is not None and (s.get('type'), s.get('unit')) != stype:
        return 'sample type %s/%s, expected %s/%s' % (s.get('type'), s.get('unit'), stype[0], stype[1])
    return None


def fmt_edge(e):
    return '%s -> %s' % (short(e[0], 40), short(e[1], 40))


def compare_graph(pp, hh, suffix, stype):
    o = pre_hearth(pp, hh)
    if o:
        return o
    try:
        D = parse_dot(to_text(pp.out), suffix)
    except OracleError as e:
        return FAIL('oracle: ' + str(e))
    j, err = load_json(hh)
    if err:
        return err
    reasons = []
    try:
        msg = check_sample(j, stype)
        if msg:
            reasons.append(msg)
        if D['total'] is not None and j.get('total') != D['total']:
            reasons.append('total: pprof %s, hearth %s' % (D['total'], j.get('total')))
        ids = {}
        hnodes = []
        for n in j['nodes']:
            name = norm_name(n['name'])
            if n['id'] in ids:
                reasons.append('duplicate node id %s' % n['id'])
            ids[n['id']] = name
            hnodes.append((name, int(n['flat']), int(n['cum'])))
        hedges = []
        for e in j['edges']:
            if e['src'] not in ids or e['dst'] not in ids:
                reasons.append('edge references unknown node id')
                break
            hedges.append((ids[e['src']], ids[e['dst']], int(e['weight']),
                           bool(e['residual']), bool(e['inline'])))
    except (KeyError, TypeError, ValueError) as e:
        return FAIL('malformed graph JSON (%s: %s)' % (type(e).__name__, e))
    pn = collections.Counter(n[0] for n in D['nodes'])
    hn = collections.Counter(n[0] for n in hnodes)
    if pn != hn:
        missing = list((pn - hn).elements())
        extra = list((hn - pn).elements())
        msg = 'nodes: %d pprof vs %d hearth' % (len(D['nodes']), len(hnodes))
        if missing:
            msg += '; missing %d (e.g. %s)' % (len(missing), short(missing[0], 60))
        if extra:
            msg += '; extra %d (e.g. %s)' % (len(extra), short(extra[0], 60))
        reasons.append(msg)
    pc, hc = collections.Counter(D['nodes']), collections.Counter(hnodes)
    if pc != hc:
        pm = {n[0]: n for n in D['nodes']}
        bad = [(pm[n[0]], n) for n in (hc - pc).elements() if n[0] in pm]
        if bad:
            a, b = bad[0]
            reasons.append('%d node value mismatches, e.g. %s: pprof flat=%d cum=%d, hearth flat=%d cum=%d' % (
                len(bad), short(a[0], 60), a[1], a[2], b[1], b[2]))
    pe, he = collections.Counter(D['edges']), collections.Counter(hedges)
    if pe != he:
        pkeys = collections.Counter((e[0], e[1]) for e in D['edges'])
        hkeys = collections.Counter((e[0], e[1]) for e in hedges)
        missing = list((pkeys - hkeys).elements())
        extra = list((hkeys - pkeys).elements())
        msg = 'edges: %d pprof vs %d hearth' % (len(D['edges']), len(hedges))
        if missing:
            msg += '; missing %d (e.g. %s)' % (len(missing), fmt_edge(missing[0]))
        if extra:
            msg += '; extra %d (e.g. %s)' % (len(extra), fmt_edge(extra[0]))
        pm = {(e[0], e[1]): e for e in D['edges']}
        bad = [(pm[(e[0], e[1])], e) for e in (he - pe).elements() if (e[0], e[1]) in pm]
        if bad:
            a, b = bad[0]
            msg += '; %d edge attribute mismatches, e.g. %s: pprof w=%d res=%s inl=%s, hearth w=%d res=%s inl=%s' % (
                len(bad), fmt_edge(a), a[2], a[3], a[4], b[2], b[3], b[4])
        reasons.append(msg)
    if reasons:
        detail = ''
        if pc != hc:
            lines = ['- %s flat=%d cum=%d' % (short(n[0], 80), n[1], n[2]) for n in sorted((pc - hc).elements())][:15]
            lines += ['+ %s flat=%d cum=%d' % (short(n[0], 80), n[1], n[2]) for n in sorted((hc - pc).elements())][:15]
            detail += '\n'.join(lines)
        if pe != he:
            lines = ['- %s w=%d res=%s inl=%s' % (fmt_edge(e), e[2], e[3], e[4]) for e in sorted((pe - he).elements())][:15]
            lines += ['+ %s w=%d res=%s inl=%s' % (fmt_edge(e), e[2], e[3], e[4]) for e in sorted((he - pe).elements())][:15]
            detail += ('\n' if detail else '') + '\n'.join(lines)
        return FAIL('; '.join(reasons), detail)
    return PASS()


def fmt_path(p, n=100):
    if not p:
        return '<root>'
    s = ';'.join(p) if len(p) <= 3 else '...;' + ';'.join(p[-3:])
    return s if len(s) <= n else '...' + s[-(n - 3):]


def compare_flame(pp, hh, suffix, stype):
    o = pre_hearth(pp, hh)
    if o:
        return o
    try:
        T = parse_traces(to_text(pp.out), suffix)
    except OracleError as e:
        return FAIL('oracle: ' + str(e))
    j, err = load_json(hh)
    if err:
        return err
    reasons = []
    try:
        msg = check_sample(j, stype)
        if msg:
            reasons.append(msg)
        strings = j['strings']
        nd = j['nodes']
        names, parents, selfs, totals = nd['name'], nd['parent'], nd['self'], nd['total']
        n = len(names)
        if not (len(parents) == len(selfs) == len(totals) == n) or n == 0:
            return FAIL('flame node arrays have different lengths or are empty')
        if parents[0] != -1 or strings[names[0]] != 'root':
            reasons.append('node 0 is not a synthetic root named "root" with parent -1')
        paths = [()] * n
        child_sum = [0] * n
        agg = collections.defaultdict(int)
        for i in range(n):
            if i > 0:
                p = parents[i]
                if not (0 <= p < i):
                    return FAIL('node %d has parent %s (not pre-order)' % (i, p))
                paths[i] = paths[p] + (norm_name(strings[names[i]]),)
                child_sum[p] += int(totals[i])
            agg[paths[i]] += int(selfs[i])
        bad_tot = [i for i in range(n) if int(totals[i]) != int(selfs[i]) + child_sum[i]]
        if bad_tot:
            i = bad_tot[0]
            reasons.append('%d nodes with total != self + children, e.g. %s total=%s self=%s children=%d' % (
                len(bad_tot), fmt_path(paths[i]), totals[i], selfs[i], child_sum[i]))
    except (KeyError, TypeError, ValueError, IndexError) as e:
        return FAIL('malformed flame JSON (%s: %s)' % (type(e).__name__, e))
    H = {k: v for k, v in agg.items() if v != 0}
    if H != T:
        missing = [k for k in T if k not in H]
        extra = [k for k in H if k not in T]
        diff = [k for k in T if k in H and T[k] != H[k]]
        msg = 'stacks: %d pprof vs %d hearth' % (len(T), len(H))
        if missing:
            msg += '; missing %d (e.g. %s =%d)' % (len(missing), fmt_path(missing[0]), T[missing[0]])
        if extra:
            msg += '; extra %d (e.g. %s =%d)' % (len(extra), fmt_path(extra[0]), H[extra[0]])
        if diff:
            msg += '; %d self mismatches (e.g. %s pprof=%d hearth=%d)' % (
                len(diff), fmt_path(diff[0]), T[diff[0]], H[diff[0]])
        reasons.append(msg)
    if reasons:
        detail = ''
        if H != T:
            lines = ['- %s =%d' % (fmt_path(k, 180), v) for k, v in sorted(T.items()) if H.get(k) != v][:10]
            lines += ['+ %s =%d' % (fmt_path(k, 180), v) for k, v in sorted(H.items()) if T.get(k) != v][:10]
            detail = '\n'.join(lines)
        return FAIL('; '.join(reasons), detail)
    return PASS()


def check_reject(args, tools):
    pp = tools.pprof_run(['-top'] + args, cache=True)
    hh = tools.hearth_run(['top'] + args)
    if pp.timeout:
        return SKIP('pprof timed out')
    if pp.rc == 0:
        # pprof accepts after all (should not happen for reject cases)
        return SKIP('pprof accepts it')
    if hh.crashed():
        return FAIL('hearth ' + hh.describe())
    if hh.rc == 0:
        return FAIL('pprof rejects (%s) but hearth exits 0' % pp.describe())
    errlines = [l for l in to_text(hh.err).split('\n') if l.strip()]
    if len(errlines) != 1:
        return FAIL('hearth exits %d but prints %d stderr lines (want 1)%s' % (
            hh.rc, len(errlines), (': ' + short(errlines[0], 80)) if errlines else ''))
    return PASS()


# --------------------------------------------------------------------------
# Profile discovery and metadata

CORPUS_DIRS = ['generated', 'public', 'pprof-testdata']
SKIP_NAMES = {'gctrace.log', 'SOURCES.md'}


def skip_name(name):
    return name in SKIP_NAMES or name.endswith('.string') or name.endswith('.md')


def collect_files(corpus, gen):
    """([(label, abspath)] profiles to match, [(label, abspath)] gen bad/ files)"""
    files, bad = [], []
    if corpus:
        for d in CORPUS_DIRS:
            root = os.path.join(corpus, d)
            for dp, dn, fn in os.walk(root):
                dn.sort()
                for f in sorted(fn):
                    p = os.path.join(dp, f)
                    if skip_name(f) or not os.path.isfile(p):
                        continue
                    files.append((os.path.relpath(p, corpus), os.path.abspath(p)))
    if gen:
        for f in sorted(os.listdir(gen)):
            p = os.path.join(gen, f)
            if os.path.isfile(p) and not skip_name(f):
                files.append(('gen/' + f, os.path.abspath(p)))
        bd = os.path.join(gen, 'bad')
        if os.path.isdir(bd):
            for f in sorted(os.listdir(bd)):
                p = os.path.join(bd, f)
                if os.path.isfile(p) and not skip_name(f):
                    bad.append(('gen/bad/' + f, os.path.abspath(p)))
    return files, bad


def get_meta(tools, args, want_labels=False):
    """Run pprof -proto on args: (meta, None) if pprof accepts them,
    (None, Outcome) if the oracle cannot be used (timeout, undecodable output),
    (None, None) if pprof rejects them."""
    r = tools.pprof_run(['-proto'] + args)
    if r.timeout:
        return None, SKIP('pprof -proto timed out')
    if r.rc != 0:
        return None, None
    try:
        return decode_profile(r.out, want_labels), None
    except (ValueError, IndexError, OSError, EOFError, zlib.error) as e:
        return None, FAIL('oracle: cannot decode pprof -proto output: %s' % e)


# --------------------------------------------------------------------------
# pprof's other reports: -text -traces -tree -peek -raw -callgrind -comments
# (byte for byte), -proto and -topproto (decoded and compared)

def decode_full(data):
    """Everything a profile says, ids resolved: header fields and a Counter of
    samples (stack of locations as (address, mapping file, lines), values, labels)."""
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    buf = memoryview(data)
    strings, types, samples, maps, locs, funcs = [], [], [], {}, {}, {}
    hdr = {'drop': 0, 'keep': 0, 'time': 0, 'dur': 0, 'ptype': (0, 0), 'period': 0,
           'comments': [], 'default': 0}
    map_order = []
    for fn, wt, v in _fields(buf):
        if fn == 6:
            strings.append(bytes(v))
        elif fn == 1:
            d = {f2: v2 for f2, w2, v2 in _fields(v)}
            types.append((d.get(1, 0), d.get(2, 0)))
        elif fn == 2:
            ids, vals, labs = [], [], []
            for f2, w2, v2 in _fields(v):
                if f2 == 1:
                    ids.extend(_ints(w2, v2))
                elif f2 == 2:
                    vals.extend(_s64(x) for x in _ints(w2, v2))
                elif f2 == 3:
                    lab = {1: 0, 2: 0, 3: 0, 4: 0}
                    for f3, w3, v3 in _fields(v2):
                        if w3 == 0:
                            lab[f3] = v3
                    labs.append((lab[1], lab[2], _s64(lab[3]), lab[4]))
            samples.append((ids, vals, labs))
        elif fn == 3:
            d = {f2: v2 for f2, w2, v2 in _fields(v)}
            maps[d.get(1, 0)] = (d.get(5, 0), d.get(6, 0))
            map_order.append(d.get(1, 0))
        elif fn == 4:
            d, lines = {}, []
            for f2, w2, v2 in _fields(v):
                if f2 == 4:
                    ld = {f3: v3 for f3, w3, v3 in _fields(v2)}
                    lines.append((ld.get(1, 0), _s64(ld.get(2, 0))))
                else:
                    d[f2] = v2
            locs[d.get(1, 0)] = (d.get(2, 0), d.get(3, 0), lines)
        elif fn == 5:
            d = {f2: v2 for f2, w2, v2 in _fields(v)}
            funcs[d.get(1, 0)] = (d.get(2, 0), d.get(4, 0), _s64(d.get(5, 0)))
        elif fn == 7:
            hdr['drop'] = v
        elif fn == 8:
            hdr['keep'] = v
        elif fn == 9:
            hdr['time'] = _s64(v)
        elif fn == 10:
            hdr['dur'] = _s64(v)
        elif fn == 11:
            d = {f2: v2 for f2, w2, v2 in _fields(v)}
            hdr['ptype'] = (d.get(1, 0), d.get(2, 0))
        elif fn == 12:
            hdr['period'] = _s64(v)
        elif fn == 13:
            hdr['comments'].extend(_ints(wt, v))
        elif fn == 14:
            hdr['default'] = v

    def S(i):
        return strings[i] if 0 <= i < len(strings) else b''

    def loc(i):
        m, addr, lines = locs[i]
        mf = S(maps[m][0]) if m in maps else b''
        return (addr, mf, tuple((S(funcs[f][0]), S(funcs[f][1]), ln) for f, ln in lines))
    out = collections.Counter()
    for ids, vals, labs in samples:
        key = (tuple(loc(i) for i in ids), tuple(vals),
               tuple(sorted((S(k), S(st), n, S(u)) for k, st, n, u in labs)))
        out[key] += 1
    main_map = maps[map_order[0]] if map_order else (0, 0)
    head = {'types': [(S(t), S(u)) for t, u in types], 'drop': S(hdr['drop']),
            'keep': S(hdr['keep']), 'time': hdr['time'], 'dur': hdr['dur'],
            'ptype': (S(hdr['ptype'][0]), S(hdr['ptype'][1])), 'period': hdr['period'],
            'comments': [S(c) for c in hdr['comments']], 'default': S(hdr['default']),
            'main': (S(main_map[0]), S(main_map[1]))}
    return head, out


def compare_proto(pp, hh, tools, si):
    """-proto: the same profile in content, and pprof's -top of both the same bytes."""
    o = pre_hearth(pp, hh)
    if o:
        return o
    try:
        ph, ps = decode_full(pp.out)
        hh_, hs = decode_full(hh.out)
    except (ValueError, IndexError, KeyError, OSError, EOFError, zlib.error) as e:
        return FAIL('cannot decode a -proto output: %s: %s' % (type(e).__name__, e))
    if ph != hh_:
        diff = ['%s: pprof %s, hearth %s' % (k, short(ph[k], 60), short(hh_[k], 60))
                for k in ph if ph[k] != hh_.get(k)]
        return FAIL('header differs: ' + '; '.join(diff)[:300])
    if ps != hs:
        miss, extra = ps - hs, hs - ps
        return FAIL('samples differ: %d only in pprof, %d only in hearth; first %s' % (
            sum(miss.values()), sum(extra.values()),
            short(next(iter(miss or extra)), 200)))
    with tempfile.TemporaryDirectory(prefix='hearth-proto-') as d:
        a, b = os.path.join(d, 'pprof.pb.gz'), os.path.join(d, 'hearth.pb.gz')
        with open(a, 'wb') as f:
            f.write(pp.out)
        with open(b, 'wb') as f:
            f.write(hh.out)
        fl = ['-top', '-sample_index=%d' % si] if si is not None else ['-top']
        ta, tb = tools.pprof_run(fl + [a]), tools.pprof_run(fl + [b])
    if ta.rc != tb.rc or ta.out != tb.out:
        return FAIL('pprof -top of the two profiles differs', unified(ta.out, tb.out))
    return PASS()


def compare_topproto(pp, hh):
    """-topproto: the decompressed protos are the same bytes (pprof's encoder is
    deterministic here; only gzip's bytes may differ)."""
    o = pre_hearth(pp, hh)
    if o:
        return o
    try:
        a, b = gzip.decompress(pp.out), gzip.decompress(hh.out)
    except (OSError, EOFError, zlib.error) as e:
        return FAIL('cannot gunzip a -topproto output: %s' % e)
    if a == b:
        return PASS()
    try:
        ph, ps = decode_full(a)
        hh_, hs = decode_full(b)
    except (ValueError, IndexError, KeyError) as e:
        return FAIL('cannot decode hearth -topproto: %s' % e)
    if (ph, ps) != (hh_, hs):
        return FAIL('decoded profiles differ: header %s, samples %s' % (ph == hh_, ps == hs))
    return FAIL('same profile, different bytes (%d vs %d)' % (len(a), len(b)))


def check_callgrind(hh):
    """A callgrind output must load in valgrind's callgrind_annotate."""
    ann = shutil.which('callgrind_annotate')
    if not ann:
        return None
    with tempfile.NamedTemporaryFile(prefix='hearth-cg-', suffix='.out') as f:
        f.write(hh.out)
        f.flush()
        r = run([ann, f.name], dict(os.environ))
    if r.rc != 0 or b'Events shown' not in r.out:
        return FAIL('callgrind_annotate rejects hearth -callgrind: %s' % r.describe())
    return None


def _abs_text(v):
    return v[1:] if v.startswith(b'-') else v


def _sort_tie_runs(items, key):
    """items with runs of equal key(item) (consecutive) each sorted."""
    out, run = [], []
    for it in items + [None]:
        if run and (it is None or key(it) != key(run[0])):
            out += sorted(run)
            run = []
        if it is not None:
            run.append(it)
    return out


TREE_EDGE = re.compile(rb'^ {0,50}(\S+) +(\S+%) \|   ')


def tree_ties_canonical(text):
    """-tree/-peek text with each run of a node's caller or callee lines of
    equal |weight| sorted: the lines pprof orders by Go map order (below)."""
    out, run = [], []
    for line in text.split(b'\n') + [None]:
        m = TREE_EDGE.match(line) if line is not None else None
        if m:
            run.append((_abs_text(m.group(1)), line))
            continue
        out += [l for _, l in _sort_tie_runs(run, lambda x: x[0])]
        run = []
        if line is not None:
            out.append(line)
    return b'\n'.join(out)


def callgrind_ties_canonical(text):
    """-callgrind with names spelled out ("(N) name" / "(N)" compression
    resolved) and each run of a node's calls of equal |weight| sorted."""
    maps = {b'ob': {}, b'fl': {}, b'fn': {}}
    kind = {b'ob': b'ob', b'fl': b'fl', b'cfl': b'fl', b'fn': b'fn', b'cfn': b'fn'}
    lines = []
    for line in text.split(b'\n'):
        k, eq, v = line.partition(b'=')
        if eq and k in kind:
            m = re.match(rb'^\((\d+)\)(?: (.*))?$', v)
            if m:
                names = maps[kind[k]]
                if m.group(2) is not None:
                    names[m.group(1)] = m.group(2)
                v = names.get(m.group(1), b'?' + m.group(1))
            line = k + b'=' + v
        lines.append(line)
    out, i = [], 0
    while i < len(lines):
        calls = []
        while i + 3 < len(lines) and lines[i].startswith(b'cfl=') and lines[i + 3].startswith(b'* * '):
            calls.append((_abs_text(lines[i + 3][4:]), tuple(lines[i:i + 4])))
            i += 4
        if calls:
            for _, rec in _sort_tie_runs(calls, lambda x: x[0]):
                out += list(rec)
            continue
        out.append(lines[i])
        i += 1
    return b'\n'.join(out)


def compare_ties(pp, hh, rerun, canon):
    """Byte for byte, for the reports where Go 1.19's pprof lists a node's
    edges sorted by |weight| with an unstable sort over a Go map whose
    comparison calls +w and -w neither less nor equal: in a diff, edges of
    equal |weight| come out in run-dependent order (three runs of
    -callgrind -base=cpu.pb.gz cpu-labels.pb.gz gave three outputs). When the
    first run differs, up to four more runs may match exactly; failing that,
    the outputs must be equal once each such run of edges is sorted (and,
    for callgrind, the name compression resolved), so every value, edge and
    name is still checked."""
    o = compare_bytes(pp, hh)
    if o.status == 'pass' or pp.rc != 0 or hh.rc != 0 or not rerun:
        return o
    for _ in range(4):
        r = rerun()
        if r.rc == 0 and r.out == hh.out:
            return PASS()
    if canon(pp.out) == canon(hh.out):
        return PASS()
    return o


def compare_callgrind(pp, hh, rerun=None):
    """Byte for byte (else compare_ties: a profile with negative values, such as
    a delta profile, has edges of weights +w and -w without any -base, and
    pprof's order of those varies between its runs: one of four runs of
    -callgrind on parca's alloc_space_delta.pb.gz differed from the other
    three), and the output loads in callgrind_annotate."""
    o = compare_ties(pp, hh, rerun, callgrind_ties_canonical)
    if o.status != 'pass' or hh.rc != 0:
        return o
    return check_callgrind(hh) or o


def peek_regexes(top_text):
    """-peek's two regexes: the name in row 2 of the full top, and a package prefix."""
    rows = [r[0] for r in parse_top(top_text)['rows']]
    first = '^' + re2_escape(rows[1]) + '$' if len(rows) > 1 else (
        '^' + re2_escape(rows[0]) + '$' if rows else 'main')
    return [first, pick_pkg(rows) or 'main']


def report_cases(tools, label, path, si, pre=(), pool=None, top_full_args=None):
    """Cases of REPORT_KINDS for one file (or diff pair: pre holds -base=...) and sample index."""
    cases = []
    sif = ['-sample_index=%d' % si] if si is not None else []
    fl = list(pre) + sif + [path]
    flags = [x.split('=')[0] + '=' + os.path.basename(x.split('=', 1)[1]) if '=' in x else x
             for x in pre]

    diff = any(x.startswith(('-base=', '-diff_base=')) for x in pre)

    def text_case(kind):
        if kind == 'tree' and diff:
            return lambda: compare_ties(tools.pprof_run(['-tree'] + fl),
                                        tools.hearth_run(['-tree'] + fl),
                                        lambda: tools.pprof_run(['-tree'] + fl),
                                        tree_ties_canonical)
        return lambda: compare_bytes(tools.pprof_run(['-' + kind] + fl),
                                     tools.hearth_run(['-' + kind] + fl))
    for kind in ('text', 'traces', 'tree', 'raw', 'comments'):
        cases.append(Case(kind, label, si, flags, text_case(kind)))
    cases.append(Case('callgrind', label, si, flags, lambda: compare_callgrind(
        tools.pprof_run(['-callgrind'] + fl), tools.hearth_run(['callgrind'] + fl),
        lambda: tools.pprof_run(['-callgrind'] + fl))))
    cases.append(Case('proto', label, si, flags, lambda: compare_proto(
        tools.pprof_run(['-proto'] + fl), tools.hearth_run(['-proto'] + fl), tools, si)))
    cases.append(Case('topproto', label, si, flags, lambda: compare_topproto(
        tools.pprof_run(['-topproto'] + fl), tools.hearth_run(['topproto'] + fl))))
    if top_full_args is not None:
        for n in range(2):
            def peek(n=n):
                r = tools.pprof_run(['-top'] + top_full_args, cache=True)
                rx = peek_regexes(to_text(r.out))[n] if r.rc == 0 else 'main'
                if diff:
                    return compare_ties(tools.pprof_run(['-peek=' + rx] + fl),
                                        tools.hearth_run(['peek', '-peek=' + rx] + fl),
                                        lambda: tools.pprof_run(['-peek=' + rx] + fl),
                                        tree_ties_canonical)
                return compare_bytes(tools.pprof_run(['-peek=' + rx] + fl),
                                     tools.hearth_run(['peek', '-peek=' + rx] + fl))
            cases.append(Case('peek', label, si, flags + ['rx%d' % (n + 1)], peek))
    if not pre:
        # --spread: each report on one real profile in N (diff pairs: every report)
        cases = [c for j, c in enumerate(cases) if spread_keep(label, j)]
    return cases


# --------------------------------------------------------------------------
# Filter flag sets

def pick_pkg(names):
    for n in names:
        m = re.match(r'^((?:[A-Za-z0-9_\-]+/)*[A-Za-z0-9_\-]+)\.[A-Za-z_(]', n)
        if m:
            return '^' + re2_escape(m.group(1)) + r'\.'
    return None


def fmt_threshold(v, unit):
    """Express v (in `unit`) with a unit suffix pprof's tagfocus understands."""
    s = sniff_unit(unit) if unit else None
    if s is None:
        return str(v)
    fam, canon = s
    if fam == 0:
        scale = {'B': 1, 'kB': 1 << 10, 'MB': 1 << 20, 'GB': 1 << 30, 'TB': 1 << 40, 'PB': 1 << 50}[canon]
        b = v * scale
        for name, f in (('gb', 1 << 30), ('mb', 1 << 20), ('kb', 1 << 10)):
            if b >= f:
                return '%d%s' % (b // f, name)
        return '%db' % b
    if fam == 1:
        scale = {'ns': 1, 'us': 10**3, 'ms': 10**6, 's': 10**9, 'hrs': 3600 * 10**9}[canon]
        ns = v * scale
        for name, f in (('s', 10**9), ('ms', 10**6), ('us', 10**3)):
            if ns >= f:
                return '%d%s' % (ns // f, name)
        return '%dns' % ns
    return None


def numlabel_unit(key, units):
    for u in units:
        if u:
            return u
    if key in ('alignment', 'request'):
        return 'bytes'
    return key


def filter_flagsets(top_text, meta):
    P = parse_top(top_text)
    names = [r[0] for r in P['rows'] if re.search(r'[A-Za-z]', r[0]) and '\n' not in r[0]]
    sets = []
    A = re2_escape(names[1]) if len(names) > 1 else (re2_escape(names[0]) if names else None)
    B = re2_escape(names[4]) if len(names) > 4 else (re2_escape(names[-1]) if names else None)
    pkg = pick_pkg(names[1:] + names[:1])
    if A:
        sets += [['-focus=' + A], ['-ignore=' + A], ['-show_from=' + A]]
    if B:
        sets.append(['-hide=' + B])
    if pkg:
        sets.append(['-show=' + pkg])
        if B:
            sets.append(['-focus=' + pkg, '-ignore=' + B])
    elif A and B:
        sets.append(['-focus=' + A, '-ignore=' + B])
    sl = meta.get('str_labels') or {}
    good = [(k, v, c) for (k, v), c in sl.items()
            if k and v and '=' not in k and '\n' not in v and re.search(r'[^\s]', v)]
    good.sort(key=lambda x: (-x[2], x[0], x[1]))
    if good:
        k, v, _ = good[0]
        sets.append(['-tagfocus=%s=%s' % (k, re2_escape(v))])
        other = ([g for g in good if g[0] != k and re.search(r'[A-Za-z]', g[1])] or
                 [g for g in good if g[1] != v] or good)
        sets.append(['-tagignore=%s' % re2_escape(other[0][1])])
    nl = meta.get('num_labels') or {}
    for key in sorted(nl, key=lambda k: (-len(nl[k]), k)):
        if not key or '=' in key:
            continue
        vals = sorted(v for v, u in nl[key])
        unit = numlabel_unit(key, [u for v, u in nl[key]])
        med = vals[len(vals) // 2]
        hi = vals[(len(vals) * 3) // 4]
        if med < 0:
            continue
        t1 = fmt_threshold(med, unit)
        t2 = fmt_threshold(hi, unit)
        if t1 is None or t2 is None:
            continue
        sets.append(['-tagfocus=%s=%s:' % (key, t1)])
        sets.append(['-tagfocus=:%s' % t2])
        if sniff_unit(unit) and sniff_unit(unit)[0] == 0:
            sets.append(['-tagignore=%s=1kb:1mb' % key])
        break
    sets += [['-filefunctions'], ['-files'], ['-lines'], ['-addresses'],
             ['-noinlines'], ['-lines', '-noinlines']]
    return sets


GEN_FILTER_FILES = ['edge-filters.pb.gz', 'edge-labels.pb.gz', 'edge-inline.pb.gz',
                    'edge-nofunc.pb.gz', 'cpu-labels.pb.gz', 'heap-series.3.pb.gz',
                    'inline-heavy.pb.gz']
CORPUS_FILTER_FILES = ['generated/cpu-labels.pb.gz', 'generated/heap.3.pb.gz',
                       'generated/goroutine.pb.gz',
                       # legacy formats: symbolized (Java), [binary] and <unknown> rows
                       'pprof-testdata/profile/testdata/java.heap',
                       'pprof-testdata/profile/testdata/java.contention',
                       'pprof-testdata/profile/testdata/cppbench.heap',
                       'generated/heap-sampled.txt']


# --------------------------------------------------------------------------
# Report options, -tags, -tagroot/-tagleaf (kinds options, tags, tagroot)

def tag_keys(text):
    """Label keys of a pprof -tags text, in order."""
    keys = []
    for line in text.split('\n'):
        m = re.match(r'^\s*(\S+):\s+Total ', line)
        if m:
            keys.append(m.group(1))
    return keys


SPREAD = 1


def spread_keep(label, j):
    """Whether variant j runs on this file: every variant on generated profiles,
    one real profile in SPREAD per variant otherwise (stable across runs)."""
    if SPREAD <= 1 or label.startswith('gen:'):
        return True
    return (zlib.crc32(label.encode()) + j) % SPREAD == 0


def option_cases(tools, sel, metas):
    """Cases of the kinds options, tags and tagroot for the selected files."""
    cases = []
    for label, path in sel:
        meta = metas[path][0]
        if meta is None or meta['default'] < 0:
            continue
        si = meta['default']
        stype, unit = meta['types'][si]
        suf = value_suffix(unit)
        base = TOP_FULL + ['-sample_index=%d' % si] + unit_flag(unit)

        def full(fs, path=path, base=base, suf=suf):
            fl = base + fs + [path]
            return compare_top(tools.pprof_run(['-top'] + fl), tools.hearth_run(['top'] + fl), suf)

        def dflt(fs, path=path, si=si):
            fl = ['-sample_index=%d' % si] + fs + [path]
            return compare_bytes(tools.pprof_run(['-top'] + fl), tools.hearth_run(['top'] + fl))

        sets = [(['-divide_by=3'], full), (['-divide_by=0.25'], full), (['-drop_negative'], full),
                (['-mean'], full), (['-flat'], full), (['-compact_labels'], dflt),
                (['-trim=false'], dflt), (['-trim_path=/src'], full),
                (['-files', '-trim_path=/tmp:/src'], full),
                (['-mean_delay'] if stype == 'delay' else ['-contentions'] if stype == 'contentions'
                 else ['-relative_percentages'], full)]
        r = tools.pprof_run(['-top'] + base + [path], cache=True)
        if r.rc == 0:
            names = [n for n in re.findall(r'^\s*\S+\s+\S+%\s+\S+%\s+\S+\s+\S+%  (.*?)(?: \((?:partial-)?inline\))?$',
                                            to_text(r.out), re.M)]
            fn = [n for n in names if re.fullmatch(r'[A-Za-z_][\w.*/()\[\]-]*', n)]
            if len(fn) > 1:
                pick = fn[len(fn) // 2]
                sets.append((['-prune_from=' + re2_escape(pick)], full))
                sets.append((['-relative_percentages', '-focus=' + re2_escape(pick)], full))
                sets.append((['-relative_percentages', '-ignore=' + re2_escape(pick), '-mean'], full))
        for j, (fs, how) in enumerate(sets):
            if spread_keep(label, j):
                cases.append(Case('options', label, si, fs, lambda fs=fs, how=how: how(fs)))

        # -tags, byte for byte, plus -tagshow/-taghide on its first key
        def tags(fs, path=path, si=si):
            fl = ['-sample_index=%d' % si] + fs + [path]
            return compare_bytes(tools.pprof_run(['-tags'] + fl), tools.hearth_run(['tags'] + fl))
        cases.append(Case('tags', label, si, [], lambda tags=tags: tags([])))
        rt = tools.pprof_run(['-tags', '-sample_index=%d' % si, path], cache=True)
        keys = tag_keys(to_text(rt.out)) if rt.rc == 0 else []
        if keys:
            k = re2_escape(keys[0])
            for j, fs in enumerate((['-tagshow=' + k], ['-taghide=' + k],
                                    ['-tagshow=^' + k + '$', '-unit=auto'],
                                    ['-focus=.', '-tagignore=' + k + '=zz.*'])):
                if spread_keep(label, j):
                    cases.append(Case('tags', label, si, fs, lambda fs=fs, tags=tags: tags(fs)))
            # -tagroot/-tagleaf: top vs pprof -top, flame vs pprof -traces
            for j, fs in enumerate((['-tagroot=' + keys[0]], ['-tagleaf=' + keys[0]],
                                    ['-tagroot=' + ','.join(keys[:2]), '-tagleaf=' + keys[-1]])):
                if not spread_keep(label, j):
                    continue
                cases.append(Case('tagroot', label, si, fs, lambda fs=fs, full=full: full(fs)))

                def flame(fs=fs, path=path, si=si, unit=unit, suf=suf, st=(stype, unit)):
                    fl = ['-sample_index=%d' % si] + unit_flag(unit) + fs + [path]
                    return compare_flame(tools.pprof_run(['-traces'] + fl),
                                         tools.hearth_run(['flame'] + fl), suf, st)
                cases.append(Case('tagroot', label, si, fs + ['(flame)'], flame))
    return cases


# --------------------------------------------------------------------------
# Main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--hearth', required=True)
    ap.add_argument('--corpus', default='/work/shared/corpus')
    ap.add_argument('--gen')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--max-bytes', type=int, default=4000000)
    ap.add_argument('--filter', default='',
                    help='only files (or diff pairs) whose label contains SUBSTR')
    ap.add_argument('--exclude', action='append', default=[], metavar='SUBSTR',
                    help='leave out files (and pairs) whose label contains SUBSTR; repeatable')
    ap.add_argument('--kinds', default='',
                    help='comma-separated case kinds to run (default: all)')
    ap.add_argument('--spread', type=int, default=1, metavar='N',
                    help='run each option, tag and DOT variant on one real (corpus) profile '
                         'in N, rotating by file name (generated profiles and diff pairs get '
                         'every variant); 1 = every variant on every profile')
    ap.add_argument('--reports-every-index', action='store_true',
                    help="run pprof's other reports on every sample index of the corpus's "
                         'real profiles too (default: their default sample index only)')
    ap.add_argument('--summary')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args()
    global SPREAD
    SPREAD = max(1, args.spread)

    go = shutil.which('go')
    if not go:
        print('SKIP: `go` not found in PATH; the pprof oracle needs Go 1.19 `go tool pprof`')
        return SKIP_EXIT
    try:
        tooldir = subprocess.run([go, 'env', 'GOTOOLDIR'], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=TIMEOUT,
                                 check=True).stdout.decode().strip()
    except (subprocess.SubprocessError, OSError):
        print('SKIP: `go env GOTOOLDIR` failed')
        return SKIP_EXIT
    pprof = os.path.join(tooldir, 'pprof')
    if not os.access(pprof, os.X_OK):
        print('SKIP: %s not found (Go installation without the pprof tool)' % pprof)
        return SKIP_EXIT
    try:
        gover = subprocess.run([go, 'version'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               timeout=TIMEOUT).stdout.decode().strip()
    except (subprocess.SubprocessError, OSError):
        gover = ''
    if ' go1.19' not in gover:
        print('note: the oracle expects Go 1.19 pprof; found %r (text formats may differ)' % gover)
    hearth = os.path.abspath(args.hearth)
    if not os.access(hearth, os.X_OK):
        print('ERROR: hearth binary %s not found or not executable' % hearth)
        return 2

    corpus = args.corpus
    if corpus and not os.path.isdir(corpus):
        print('note: corpus %s does not exist; skipped' % corpus)
        corpus = None
    gen = args.gen
    if gen and not os.path.isdir(gen):
        print('note: --gen %s does not exist; skipped' % gen)
        gen = None
    if corpus:
        corpus = os.path.abspath(corpus)
    if gen:
        gen = os.path.abspath(gen)

    files, badfiles = collect_files(corpus, gen)
    if not files and not badfiles:
        print('SKIP: no profiles found (corpus %s, gen %s)' % (args.corpus, args.gen))
        return SKIP_EXIT

    big = [(l, p) for l, p in files if os.path.getsize(p) > args.max_bytes]
    files = [(l, p) for l, p in files if os.path.getsize(p) <= args.max_bytes]
    flt = args.filter
    excl = args.exclude
    sel = [(l, p) for l, p in files if flt in l and not any(x in l for x in excl)]
    badsel = [(l, p) for l, p in badfiles if flt in l and not any(x in l for x in excl)]

    tmp = tempfile.mkdtemp(prefix='hearth-oracle-')
    env = dict(os.environ)
    env.update({'TZ': 'UTC', 'PPROF_BINARY_PATH': os.path.join(tmp, 'nonexistent'),
                'PPROF_TMPDIR': tmp, 'HOME': tmp, 'LC_ALL': 'C'})
    tools = Tools(pprof, hearth, env)
    t_start = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(max(1, args.jobs))
    try:
        return run_all(args, tools, pool, corpus, gen, sel, badsel, big, files, t_start)
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(tmp, ignore_errors=True)


def run_all(args, tools, pool, corpus, gen, sel, badsel, big, allfiles, t_start):
    flt = args.filter
    size_ok = {p for _, p in allfiles}
    # ---- phase 1: metadata of every file and every diff pair
    label_of = {p: l for l, p in allfiles}
    filter_set = set()
    if corpus:
        filter_set |= {os.path.join(corpus, f) for f in CORPUS_FILTER_FILES}
    if gen:
        filter_set |= {os.path.join(gen, f) for f in GEN_FILTER_FILES}

    pairs = []   # (label, base, new, extra flags)
    if corpus:
        dp = os.path.join(corpus, 'expected', 'diff-pairs.txt')
        if os.path.isfile(dp):
            with open(dp) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and not parts[0].startswith('#'):
                        pairs.append((parts[0], os.path.join(corpus, parts[1]),
                                      os.path.join(corpus, parts[2]), []))
    if gen:
        series = []
        for f in os.listdir(gen):
            m = re.fullmatch(r'heap-series\.(\d+)\.pb\.gz', f)
            if m:
                series.append((int(m.group(1)), os.path.join(gen, f)))
        series.sort()
        for (a, pa), (b, pb) in zip(series, series[1:]):
            pairs.append(('gen:heap-series.%d-to-%d' % (a, b), pa, pb, []))
        eb, en = os.path.join(gen, 'edge-diff-base.pb.gz'), os.path.join(gen, 'edge-diff-new.pb.gz')
        ebu = os.path.join(gen, 'edge-diff-base-us.pb.gz')
        if os.path.isfile(eb) and os.path.isfile(en):
            pairs.append(('gen:edge-diff', eb, en, []))
            pairs.append(('gen:edge-diff', eb, en, ['-normalize']))
        if os.path.isfile(ebu) and os.path.isfile(en):
            pairs.append(('gen:edge-diff-us', ebu, en, []))
    pairs = [x for x in pairs if os.path.isfile(x[1]) and os.path.isfile(x[2])]
    pairs_big = [x for x in pairs if x[1] not in size_ok or x[2] not in size_ok]
    pairs = [x for x in pairs if x[1] in size_ok and x[2] in size_ok]
    pairs = [x for x in pairs if flt in x[0] or flt in label_of.get(x[1], '') or flt in label_of.get(x[2], '')]
    pairs = [x for x in pairs if not any(e in x[0] or e in label_of.get(x[1], '') or e in label_of.get(x[2], '')
                                         for e in args.exclude)]

    meta_f = {p: pool.submit(get_meta, tools, [p], p in filter_set) for l, p in sel}
    pair_f = {i: pool.submit(get_meta, tools, ['-base=' + x[1], x[2]]) for i, x in enumerate(pairs)
              if not x[3]}
    metas = {p: f.result() for p, f in meta_f.items()}
    pmetas = {i: f.result() for i, f in pair_f.items()}
    t_meta = time.monotonic() - t_start

    # ---- build cases
    cases = []
    for label, path in sel:
        meta, problem = metas[path]
        if problem:
            cases.append(Case('top-full', label, None, [], lambda problem=problem: problem))
            continue
        if meta is None:
            cases.append(Case('reject', label, None, [],
                              lambda path=path: check_reject([path], tools)))
            continue
        for si, (stype, unit) in enumerate(meta['types']):
            uf = unit_flag(unit)
            suf = value_suffix(unit)
            st = (stype, unit)
            common = ['-sample_index=%d' % si] + uf

            def top_full(path=path, common=common, suf=suf):
                fl = TOP_FULL + common + [path]
                return compare_top(tools.pprof_run(['-top'] + fl, cache=True),
                                   tools.hearth_run(['top'] + fl), suf)

            def top_default(path=path, si=si):
                fl = ['-sample_index=%d' % si, path]
                return compare_bytes(tools.pprof_run(['-top'] + fl), tools.hearth_run(['top'] + fl))

            def graph(path=path, common=common, suf=suf, st=st):
                fl = common + [path]
                return compare_graph(tools.pprof_run(['-dot'] + fl), tools.hearth_run(['graph'] + fl), suf, st)

            def flame(path=path, common=common, suf=suf, st=st):
                fl = common + [path]
                return compare_flame(tools.pprof_run(['-traces'] + fl), tools.hearth_run(['flame'] + fl), suf, st)

            # every kind on every sample index of the generated profiles; on the
            # corpus's real profiles the DOT variants beyond the default flags and
            # pprof's other reports on the default sample index (time: CI), unless
            # --reports-every-index
            wide = label.startswith('gen:') or si == meta['default']
            cases.append(Case('top-full', label, si, uf, top_full))
            cases.append(Case('top-default', label, si, [], top_default))
            if wide or args.reports_every_index:
                cases.extend(report_cases(tools, label, path, si,
                                          top_full_args=TOP_FULL + common + [path]))
            cases.append(Case('graph', label, si, uf, graph))
            cases.append(Case('flame', label, si, uf, flame))
            for j, dv in enumerate(DOT_VARIANTS if wide else DOT_VARIANTS[:1]):
                if j and not spread_keep(label, j):
                    continue

                def dot(path=path, fl=['-sample_index=%d' % si] + dv + [path]):
                    return compare_dot(tools.pprof_run(['-dot'] + fl),
                                       tools.hearth_run(['graph', '-dot'] + fl),
                                       lambda: tools.pprof_run(['-dot'] + fl), False)
                cases.append(Case('dot', label, si, dv, dot))
    for label, path in badsel:
        cases.append(Case('reject', label, None, [], lambda path=path: check_reject([path], tools)))

    for i, (name, base, new, extra) in enumerate(pairs):
        pm = pmetas.get(i)
        if pm is None:
            # -normalize variant: reuse the plain pair's metadata
            for j, x in enumerate(pairs):
                if x[1] == base and x[2] == new and not x[3]:
                    pm = pmetas.get(j)
                    break
        if pm is None:
            continue
        meta, problem = pm
        bl, nl = label_of.get(base, base), label_of.get(new, new)
        plabel = '%s(%s->%s)' % (name, bl, nl)
        if problem:
            cases.append(Case('diff-base', plabel, None, extra, lambda problem=problem: problem))
            continue
        if meta is None:
            for flag in ('-base=', '-diff_base='):
                fl = extra + [flag + base, new]
                cases.append(Case('reject', plabel, None, extra + [flag + bl],
                                  lambda fl=fl: check_reject(fl, tools)))
            continue
        for si, (stype, unit) in enumerate(meta['types']):
            uf = unit_flag(unit)
            suf = value_suffix(unit)
            for kind, flag in (('diff-base', '-base='), ('diff-diffbase', '-diff_base=')):
                fl = TOP_FULL + ['-sample_index=%d' % si] + uf + extra + [flag + base, new]

                def diff_case(fl=fl, suf=suf):
                    return compare_top(tools.pprof_run(['-top'] + fl),
                                       tools.hearth_run(['top'] + fl), suf)
                cases.append(Case(kind, plabel, si, uf + extra + [flag + bl], diff_case))
                cases.extend(report_cases(tools, plabel, new, si, pre=extra + [flag + base]))
                dfl = ['-sample_index=%d' % si] + extra + [flag + base, new]

                def dot_diff(fl=dfl):
                    return compare_dot(tools.pprof_run(['-dot'] + fl),
                                       tools.hearth_run(['graph', '-dot'] + fl),
                                       lambda: tools.pprof_run(['-dot'] + fl), True)
                cases.append(Case('dot', plabel, si, extra + [flag + bl], dot_diff))

    # ---- filters: need pprof's full top of the default sample index first
    fsel = [(l, p) for l, p in sel if p in filter_set and metas[p][0] is not None]
    prep = {}
    for label, path in fsel:
        meta = metas[path][0]
        si = meta['default']
        if si < 0:
            continue
        unit = meta['types'][si][1]
        fl = TOP_FULL + ['-sample_index=%d' % si] + unit_flag(unit) + [path]
        prep[path] = (si, unit, fl, pool.submit(tools.pprof_run, ['-top'] + fl, True))
    for label, path in fsel:
        if path not in prep:
            continue
        si, unit, basefl, fut = prep[path]
        r = fut.result()
        if r.rc != 0:
            continue
        for fs in filter_flagsets(to_text(r.out), metas[path][0]):
            fl = basefl[:-1] + fs + [path]

            def filt(fl=fl, suf=value_suffix(unit)):
                return compare_top(tools.pprof_run(['-top'] + fl), tools.hearth_run(['top'] + fl), suf)
            cases.append(Case('filters', label, si, fs, filt))

    cases += option_cases(tools, [(l, p) for l, p in sel if metas[p][0] is not None], metas)

    # ---- run
    case_secs = collections.Counter()

    def runcase(c):
        t0 = time.monotonic()
        try:
            return c.fn()
        except Exception as e:  # harness bug: report, do not abort the run
            return FAIL('oracle exception %s: %s' % (type(e).__name__, e))
        finally:
            case_secs[c.label] += time.monotonic() - t0

    if args.kinds:
        want = set(k for k in args.kinds.split(',') if k)
        cases = [c for c in cases if c.kind in want]
    futs = [pool.submit(runcase, c) for c in cases]
    counts = collections.OrderedDict((k, {'passed': 0, 'failed': 0, 'skipped': 0}) for k in KINDS)
    npass = nfail = nskip = nknown = 0
    for c, f in zip(cases, futs):
        o = f.result()
        cnt = counts.setdefault(c.kind, {'passed': 0, 'failed': 0, 'skipped': 0})
        if o.status == 'pass':
            cnt['passed'] += 1
            npass += 1
        elif o.status == 'skip':
            cnt['skipped'] += 1
            nskip += 1
            print('SKIP %s: %s' % (c.title(), o.reason))
        elif known(c):
            cnt['known'] = cnt.get('known', 0) + 1
            nknown += 1
            print('KNOWN %s: %s (%s)' % (c.title(), o.reason[:200], known(c)))
        else:
            cnt['failed'] += 1
            nfail += 1
            print('FAIL %s: %s' % (c.title(), o.reason))
            if args.verbose and o.detail:
                for line in o.detail.split('\n'):
                    print('    ' + line)
        sys.stdout.flush()
    elapsed = time.monotonic() - t_start

    print('---')
    if big:
        print('skipped %d file(s) larger than %d bytes: %s' % (
            len(big), args.max_bytes, ', '.join(l for l, _ in big)))
    if pairs_big:
        print('skipped %d diff pair(s) with a file larger than %d bytes' % (len(pairs_big), args.max_bytes))
    st = tools.stats
    if SPREAD > 1:
        print('--spread %d: each option, tag and DOT variant ran on one real profile in %d '
              '(every variant on generated profiles and diff pairs)' % (SPREAD, SPREAD))
    print('%d files, %d diff pairs, %d cases in %.1fs wall (--jobs %d); summed: pprof %.1fs/%d calls, '
          'hearth %.1fs/%d calls, metadata phase %.1fs wall' % (
              len(sel) + len(badsel), len(pairs), len(cases), elapsed, args.jobs,
              st['pprof_secs'], st['pprof_calls'], st['hearth_secs'], st['hearth_calls'], t_meta))
    for k, v in counts.items():
        if v['passed'] or v['failed'] or v['skipped']:
            print('  %-14s %5d passed %5d failed%s%s' % (
                k, v['passed'], v['failed'], ('  %d skipped' % v['skipped']) if v['skipped'] else '',
                ('  %d known' % v['known']) if v.get('known') else ''))
    if args.verbose:
        print('slowest files (summed case seconds): ' + ', '.join(
            '%s %.1fs' % (l, t) for l, t in case_secs.most_common(8)))
    if args.summary:
        with open(args.summary, 'w') as f:
            json.dump({k: {'passed': v['passed'], 'failed': v['failed']} for k, v in counts.items()},
                      f, indent=1, sort_keys=True)
            f.write('\n')
    print('%d passed, %d failed%s%s' % (npass, nfail, (', %d skipped' % nskip) if nskip else '',
                                      (', %d known differences' % nknown) if nknown else ''))
    return 0 if nfail == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
