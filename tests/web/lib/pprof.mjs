// A minimal pprof (profile.proto) writer for the browser tests: enough to
// build small profiles with hostile names, labels, comments and URLs.
// Field numbers from proto/profile.proto.
import { gzipSync } from 'node:zlib';

class W {
  constructor() { this.parts = []; }
  /** @param {number|bigint} v */
  varint(v) {
    let n = BigInt.asUintN(64, BigInt(v));
    const out = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    this.parts.push(Buffer.from(out));
    return this;
  }
  key(field, wire) { return this.varint((field << 3) | wire); }
  int(field, v) { if (v) this.key(field, 0).varint(v); return this; }
  bytes(field, buf) { this.key(field, 2).varint(buf.length); this.parts.push(buf); return this; }
  str(field, s) { return this.bytes(field, Buffer.from(s, 'utf8')); }
  msg(field, w) { return this.bytes(field, w.done()); }
  packed(field, vals) {
    const p = new W();
    for (const v of vals) p.varint(v);
    return this.bytes(field, p.done());
  }
  done() { return Buffer.concat(this.parts); }
}

/**
 * Build a gzip-compressed profile.
 * @param {object} o
 * @param {[string, string][]} o.sampleTypes [type, unit]
 * @param {{stack: string[], values: number[], labels?: Record<string,string|number|{num: number, unit: string}|(string|number)[]>, file?: string}[]} o.samples stacks leaf first;
 *   a label value is a string (string label), a number (numeric label, no unit), {num, unit} or a list of these (one label each)
 * @param {[string, string]} [o.periodType]
 * @param {number} [o.period]
 * @param {string[]} [o.comments]
 * @param {string} [o.docUrl]
 * @param {string} [o.mappingFile]
 * @param {Record<string,string>} [o.files] function name -> file name
 * @param {number} [o.timeNanos]
 * @param {number} [o.durationNanos]
 */
export function makeProfile(o) {
  const strings = [''];
  const sidx = new Map([['', 0]]);
  const S = s => {
    if (!sidx.has(s)) { sidx.set(s, strings.length); strings.push(s); }
    return sidx.get(s);
  };
  const p = new W();
  for (const [t, u] of o.sampleTypes) p.msg(1, new W().int(1, S(t)).int(2, S(u)));
  const funcs = new Map();
  const fn = name => {
    if (!funcs.has(name)) funcs.set(name, funcs.size + 1);
    return funcs.get(name);
  };
  const locs = new Map();
  const loc = name => {
    if (!locs.has(name)) locs.set(name, locs.size + 1);
    return locs.get(name);
  };
  for (const s of o.samples) {
    const w = new W().packed(1, s.stack.map(loc)).packed(2, s.values);
    for (const [k, vs] of Object.entries(s.labels || {})) {
      for (const v of Array.isArray(vs) ? vs : [vs]) {
        const l = new W().int(1, S(k));
        if (typeof v === 'string') l.int(2, S(v));
        else if (typeof v === 'number') l.int(3, v);
        else l.int(3, v.num).int(4, S(v.unit));
        w.msg(3, l);
      }
    }
    p.msg(2, w);
  }
  p.msg(3, new W().int(1, 1).int(2, 0x400000).int(3, 0x800000).int(5, S(o.mappingFile || '/bin/app'))
    .int(7, 1).int(8, 1).int(9, 1).int(10, 1));
  for (const [name, id] of locs) {
    p.msg(4, new W().int(1, id).int(2, 1).int(3, 0x401000 + id * 16).msg(4, new W().int(1, fn(name)).int(2, 10 + id)));
  }
  for (const [name, id] of funcs) {
    p.msg(5, new W().int(1, id).int(2, S(name)).int(3, S(name)).int(4, S((o.files || {})[name] || '/src/app.go')));
  }
  const tail = new W();
  if (o.timeNanos) tail.int(9, o.timeNanos);
  if (o.durationNanos) tail.int(10, o.durationNanos);
  if (o.periodType) tail.msg(11, new W().int(1, S(o.periodType[0])).int(2, S(o.periodType[1])));
  if (o.period) tail.int(12, o.period);
  if (o.comments?.length) tail.packed(13, o.comments.map(S));
  if (o.docUrl) tail.int(15, S(o.docUrl));
  for (const s of strings) p.str(6, s);
  return gzipSync(Buffer.concat([p.done(), tail.done()]));
}

/** Function names that must reach the page as text only. */
export const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '</script><script>alert(2)</script>',
  '"><svg onload=alert(3)>',
  'javascript:alert(4)',
  '<a href="javascript:alert(5)">click</a>',
  "{{constructor.constructor('alert(6)')()}}",
  '&lt;b&gt;not bold&lt;/b&gt; &amp;',
  'main.(*T).<iframe src=javascript:alert(7)>',
  '${alert(8)}`',
  "'); alert(9); ('",
];

/** A CPU-like profile whose frames, files, labels and comments are hostile. */
export function hostileProfile() {
  const samples = HOSTILE.map((name, i) => ({
    stack: [name, i % 2 ? '<b>caller</b>' : 'main.work', 'main.main'],
    values: [i + 1, (i + 1) * 10_000_000, 1],
    labels: { '<script>alert(10)</script>': '<img src=x onerror=alert(11)>' },
  }));
  const files = Object.fromEntries(HOSTILE.map(n => [n, '/src/<img src=x onerror=alert(12)>.go']));
  return makeProfile({
    sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds'], ['<img src=x onerror=alert(17)>', '<b>unit</b>']],
    periodType: ['cpu', 'nanoseconds'], period: 10_000_000,
    samples, files,
    comments: ['<script>alert(13)</script>', 'see javascript:alert(14)'],
    docUrl: 'javascript:alert(15)',
    mappingFile: '<img src=x onerror=alert(16)>',
    timeNanos: 1_700_000_000_000_000_000, durationNanos: 1_000_000_000,
  });
}
