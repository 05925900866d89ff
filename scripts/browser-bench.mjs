// Measures the built playground page from outside, in headless Chromium (playwright-core):
//   DIST=dist node scripts/browser-bench.mjs [--case NAME]
// (scripts/browser-bench.sh builds dist and installs playwright-core into .tools/npm first.)
// Serves DIST on a free port of 127.0.0.1 and prints one JSON line per case on stdout:
//   {"suite":"page","case":C,"scenario":S,"speed":X,"fps":F,"busy_ms_per_frame":B,
//    "script_ms_per_frame":…,"layout_ms_per_frame":…,"style_ms_per_frame":…,"dropped_pct":D,
//    "virtual_per_wall":V,"ops":N,"travel_ms":T,"heap_mb":H,"wasm_mb":W}
// The hour case adds "run_ms", "travels_ms" and "travel_to_ms"; the sweep case "sweep_seeds"
// (seeds done in the measuring window) and "sweep_seeds_per_s". A case that throws prints a
// line with "error" and the next case runs. Everything else (URL, Chromium version, the page's
// console errors) goes to stderr. Env: BENCH_SECONDS (measuring window, default 12),
// BENCH_WARMUP (seconds before it, default 1), CHROMIUM (default /usr/bin/chromium).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { playwrightChromium, CHROMIUM, FLAGS, chromiumVersion, serveDist, watchPage } from './page-harness.mjs';

const chromium = playwrightChromium();
const DIST = path.resolve(process.env.DIST || 'dist');
const SECONDS = Number(process.env.BENCH_SECONDS || 12);
const WARMUP = Number(process.env.BENCH_WARMUP || 1);
const HOUR_MS = 3600000;
// BENCH_PROFILE=1: a CPU profile of each case's measuring window, its top functions by self
// time on stderr (for finding where a frame goes; the figures are then a little higher).
const PROFILE = Boolean(process.env.BENCH_PROFILE);
// BENCH_TRACE=DIR: a Chrome trace of each case's measuring window, saved as DIR/CASE.json (it
// opens in chrome://tracing or Perfetto), and on stderr what the renderer's threads did in
// the frames over 25 ms against the others, in ms per frame (for finding what drops frames).
const TRACE = process.env.BENCH_TRACE || null;
const TRAVEL_SEED = 20240601;
const PPUL = 'PersistPartitionUnreliableLinearizable3A';

const args = process.argv.slice(2);
let only = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--case') only = args[++i];
  else if (args[i].startsWith('--case=')) only = args[i].slice(7);
  else {
    console.error(`unknown argument ${args[i]} (usage: browser-bench.mjs [--case NAME])`);
    process.exit(2);
  }
}

const CASES = [
  { name: 'default', scenario: null, speed: 1 },
  { name: 'basic', scenario: 'Basic3A', speed: 1 },
  { name: 'ppul-1x', scenario: PPUL, speed: 1 },
  { name: 'ppul-100x', scenario: PPUL, speed: 100 },
  { name: 'ppul-hour', scenario: PPUL, speed: 1, hour: true },
  // The lower half of the page in view (the window's bottom at the Seeds panel's, the
  // cluster above partly on screen): the space-time diagram, Clerks, History and Seeds.
  { name: 'ppul-1x-lower', scenario: PPUL, speed: 1, scroll: '.seeds-panel' },
  // A 500-seed sweep of the same scenario in the page, the cluster playing meanwhile, seen as
  // a visitor who started it sees it: the Seeds panel in view, drawing its progress.
  { name: 'ppul-sweep', scenario: PPUL, speed: 1, sweep: 500, scroll: '.seeds-panel' },
];
const cases = only ? CASES.filter((c) => c.name === only || c.scenario === only) : CASES;
if (cases.length === 0) {
  console.error(`no case ${only}; cases: ${CASES.map((c) => c.name).join(', ')}`);
  process.exit(2);
}

const server = await serveDist(DIST);
const url = server.url;
console.error(`browser-bench: serving ${DIST} at ${url}`);
console.error(`browser-bench: ${chromiumVersion()}`);

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const round = (x, d = 2) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

// A seeded generator (mulberry32) for the moments the hour case travels to.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Set before the page's own scripts run: Trunk's loader announces the wasm exports (and so its
// memory) with this event.
const INIT = () => {
  addEventListener('TrunkApplicationStarted', (e) => {
    window.__benchWasm = e.detail && e.detail.wasm;
  });
};

// In-page helpers, installed after the page is up.
const HELPERS = () => {
  const kv = window.raftkv;
  window.__bench = {
    vnow: () => (typeof kv.now === 'function' ? kv.now() : kv.state().now_us),
    frames: [],
    // Seeds done by the sweep, as its progress events tell, with when (ms).
    swept: [],
    sweep(n) {
      kv.subscribe((e) => {
        if (e.kind === 'sweep_progress') this.swept.push(performance.now());
      });
      kv.sweep(n);
    },
    startFrames() {
      const frames = this.frames;
      const loop = (t) => {
        frames.push(t);
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    },
    async setSpeed(x) {
      let via = 'api';
      if (typeof kv.speed === 'function') {
        kv.speed(x);
      } else {
        via = 'slider';
        const input = document.querySelector('.controls .speed input');
        if (!input) throw new Error('no speed range input in .controls .speed');
        input.value = String(Math.round(Math.log10(x) * 100));
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
      const shown = document.querySelector('.controls .speed output')?.textContent;
      if (shown != null && parseFloat(shown) !== x) {
        throw new Error(`speed set through the ${via}, but the page shows ${shown}, not ${x}×`);
      }
      return via;
    },
  };
};

async function measure(page, cdp) {
  await page.evaluate(() => window.__bench.startFrames());
  await sleep(WARMUP * 1000);
  // Virtual time is read first and wall time after: no frame runs during the call, so the pair
  // is consistent even when reading virtual time is slow (state() on a long history).
  const start = await page.evaluate(() => {
    const v = window.__bench.vnow();
    return { v, t: performance.now() };
  });
  const m0 = await metrics(cdp);
  await sleep(SECONDS * 1000);
  const m1 = await metrics(cdp);
  const end = await page.evaluate(() => {
    const t = performance.now();
    return { t, v: window.__bench.vnow() };
  });
  const frames = await page.evaluate(
    ([t0, t1]) => window.__bench.frames.filter((f) => f > t0 && f <= t1),
    [start.t, end.t],
  );
  let dropped = 0;
  for (let i = 1; i < frames.length; i++) if (frames[i] - frames[i - 1] > 25) dropped++;
  const wallMs = end.t - start.t;
  const perFrame = (metric) => round(((m1[metric] - m0[metric]) * 1000) / frames.length, 3);
  return {
    fps: round((frames.length * 1000) / wallMs, 1),
    busy_ms_per_frame: perFrame('TaskDuration'),
    // Where the busy time goes: JavaScript and wasm, layout, style; the rest is paint,
    // compositing, garbage collection and the browser's own tasks.
    script_ms_per_frame: perFrame('ScriptDuration'),
    layout_ms_per_frame: perFrame('LayoutDuration'),
    style_ms_per_frame: perFrame('RecalcStyleDuration'),
    dropped_pct: round(frames.length > 1 ? (100 * dropped) / (frames.length - 1) : null, 1),
    virtual_per_wall: round((end.v - start.v) / (wallMs * 1000), 3),
  };
}

async function metrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

async function atEnd(page, cdp) {
  const inPage = await page.evaluate(() => {
    const state = window.raftkv.state();
    return {
      ops: state.history.length,
      checkpoints: state.checkpoints ?? null,
      wasm: window.__benchWasm?.memory?.buffer?.byteLength ?? null,
    };
  });
  const m = await metrics(cdp);
  const mb = (b) => (b == null ? null : round(b / 1048576, 1));
  const cp = inPage.checkpoints;
  return {
    ops: inPage.ops,
    heap_mb: mb(m.JSHeapUsedSize),
    wasm_mb: mb(inPage.wasm),
    ...(cp ? { checkpoints: cp.count, checkpoints_mb: mb(cp.bytes) } : {}),
  };
}

function printProfile(name, profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) || 0) + (profile.timeDeltas[i] || 0)));
  for (const [id, us] of dt) {
    const f = byId.get(id).callFrame;
    const key = f.functionName || `(anonymous ${f.url.split('/').pop()}:${f.lineNumber})`;
    self.set(key, (self.get(key) || 0) + us);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  // And by crate, for the wasm functions of a build with names (data-keep-debug).
  const crates = new Map();
  for (const [f, us] of self) {
    const m = f.match(/^<?([a-z_0-9]+)(\[[0-9a-f]+\])?::/);
    if (m) crates.set(m[1], (crates.get(m[1]) || 0) + us);
  }
  for (const [c, us] of [...crates].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.error(`profile ${name}: ${((100 * us) / total).toFixed(1).padStart(5)} %  crate ${c}`);
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  for (const [f, us] of top) {
    console.error(`profile ${name}: ${((100 * us) / total).toFixed(1).padStart(5)} %  ${f.slice(0, 140)}`);
  }
}

// The trace's categories: the main thread's tasks as DevTools shows them, and the
// compositor's and the raster workers'.
const TRACE_CATEGORIES = [
  'toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame', 'blink', 'cc', 'v8', 'disabled-by-default-v8.gc',
];

async function endTrace(cdp) {
  const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  const chunks = [];
  for (;;) {
    const r = await cdp.send('IO.read', { handle: stream, size: 1 << 20 });
    chunks.push(r.base64Encoded ? Buffer.from(r.data, 'base64').toString() : r.data);
    if (r.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  return chunks.join('');
}

// Frames are the gaps between the renderer's runs of its animation-frame callbacks (one run
// a frame, however many callbacks); for the long ones (over 25 ms) and the others, the time
// per frame of each kind of event, by thread.
function printTrace(name, trace) {
  const events = trace.traceEvents || trace;
  const threads = new Map();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  }
  const raf = events.filter((e) => e.name === 'PageAnimator::serviceScriptedAnimations' && e.ph === 'X');
  if (raf.length < 2) return console.error(`trace ${name}: no animation frames in the trace`);
  const pid = raf[0].pid;
  raf.sort((a, b) => a.ts - b.ts);
  const frames = [];
  for (let i = 1; i < raf.length; i++) frames.push([raf[i - 1].ts, raf[i].ts]);
  const long = frames.filter(([a, b]) => b - a > 25000);
  const sums = { long: new Map(), other: new Map() };
  // Each complete event goes to the frame its start falls in (frames are sorted).
  const starts = frames.map(([a]) => a);
  const frameOf = (ts) => {
    let lo = 0, hi = starts.length - 1;
    if (ts < starts[0] || ts >= frames[hi][1]) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= ts) lo = mid; else hi = mid - 1;
    }
    return lo;
  };
  for (const e of events) {
    if (e.ph !== 'X' || e.pid !== pid || !e.dur) continue;
    const f = frameOf(e.ts);
    if (f < 0) continue;
    const [a, b] = frames[f];
    const key = `${(threads.get(`${e.pid}:${e.tid}`) || e.tid).replace(/\d+$/, '')} ${e.name}`;
    const m = b - a > 25000 ? sums.long : sums.other;
    m.set(key, (m.get(key) || 0) + e.dur);
  }
  const n = { long: long.length, other: frames.length - long.length };
  console.error(`trace ${name}: ${frames.length} frames, ${n.long} over 25 ms ` +
    `(${long.map(([a, b]) => ((b - a) / 1000).toFixed(0)).join(' ')} ms)`);
  const keys = new Set([...sums.long.keys(), ...sums.other.keys()]);
  const rows = [...keys].map((k) => [k, (sums.long.get(k) || 0) / 1000 / Math.max(n.long, 1),
    (sums.other.get(k) || 0) / 1000 / Math.max(n.other, 1)]);
  rows.sort((x, y) => y[1] - x[1]);
  console.error(`trace ${name}:  long   other  (ms per frame)`);
  for (const [k, l, o] of rows.slice(0, 40)) {
    if (l < 0.05 && o < 0.05) continue;
    console.error(`trace ${name}: ${l.toFixed(2).padStart(6)} ${o.toFixed(2).padStart(6)}  ${k}`);
  }
}

async function runCase(context, c) {
  await context.addInitScript(INIT);
  const page = await context.newPage();
  // Errors only: the clean console (warnings too) is tests/page.mjs's to assert.
  const errors = watchPage(page, ['error']);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
    await page.goto(url);
    await page.waitForFunction(() => window.raftkv && document.querySelector('.ring .server'), null, {
      timeout: 30000,
    });
    await page.evaluate(HELPERS);
    const visibility = await page.evaluate(() => document.visibilityState);
    if (visibility !== 'visible') console.error(`browser-bench: ${c.name}: page is ${visibility}`);
    const out = {};
    if (c.scenario) await page.evaluate((id) => window.raftkv.load(id), c.scenario);
    if (c.hour) {
      out.run_ms = round(
        await page.evaluate((ms) => {
          const t = performance.now();
          window.raftkv.run(ms);
          return performance.now() - t;
        }, HOUR_MS),
        1,
      );
    }
    out.speed_via = await page.evaluate((x) => window.__bench.setSpeed(x), c.speed);
    await page.evaluate(() => window.raftkv.play());
    if (c.scroll) {
      await page.evaluate((s) => document.querySelector(s).scrollIntoView({ block: 'end' }), c.scroll);
    }
    if (c.sweep) await page.evaluate((n) => window.__bench.sweep(n), c.sweep);
    const scenario = await page.evaluate(() => window.raftkv.state().scenario);
    if (PROFILE) await cdp.send('Profiler.enable'), await cdp.send('Profiler.start');
    if (TRACE) {
      await cdp.send('Tracing.start', {
        traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
        transferMode: 'ReturnAsStream',
      });
    }
    const windowStart = await page.evaluate(() => performance.now());
    Object.assign(out, await measure(page, cdp), await atEnd(page, cdp));
    if (c.sweep) {
      const { seeds, ms } = await page.evaluate((t0) => {
        const done = window.__bench.swept.filter((t) => t > t0);
        window.raftkv.cancelSweep();
        return { seeds: done.length, ms: performance.now() - t0 };
      }, windowStart);
      out.sweep_seeds = seeds;
      out.sweep_seeds_per_s = round((seeds * 1000) / ms, 1);
    }
    if (PROFILE) printProfile(c.name, (await cdp.send('Profiler.stop')).profile);
    if (TRACE) {
      const trace = await endTrace(cdp);
      mkdirSync(TRACE, { recursive: true });
      writeFileSync(path.join(TRACE, `${c.name}.json`), trace);
      printTrace(c.name, JSON.parse(trace));
    }
    out.travel_ms = null;
    if (c.hour) {
      const rand = mulberry32(TRAVEL_SEED);
      const to = Array.from({ length: 5 }, () => Math.floor(rand() * HOUR_MS));
      await page.evaluate(() => window.raftkv.pause());
      const travels = [];
      for (const ms of to) {
        travels.push(
          await page.evaluate((ms) => {
            const t = performance.now();
            window.raftkv.travel(ms);
            return performance.now() - t;
          }, ms),
        );
      }
      out.travel_ms = round(Math.max(...travels), 1);
      out.travels_ms = travels.map((t) => round(t, 1));
      out.travel_to_ms = to;
    }
    return { case: c.name, scenario: c.scenario || scenario, speed: c.speed, ...out };
  } finally {
    for (const e of errors) console.error(`browser-bench: ${c.name}: ${e}`);
    await page.close().catch(() => {});
  }
}

let status = 0;
for (const c of cases) {
  // Each case gets a fresh browser with a fresh profile: no process, cache or heap shared.
  const profile = mkdtempSync(path.join(tmpdir(), 'browser-bench-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    });
  } catch (e) {
    console.error(`browser-bench: Chromium failed to start: ${e.message}`);
    rmSync(profile, { recursive: true, force: true });
    status = 1;
    break;
  }
  let line;
  try {
    const r = await runCase(context, c);
    line = {
      suite: 'page', case: r.case, scenario: r.scenario, speed: r.speed,
      fps: r.fps, busy_ms_per_frame: r.busy_ms_per_frame, script_ms_per_frame: r.script_ms_per_frame,
      layout_ms_per_frame: r.layout_ms_per_frame, style_ms_per_frame: r.style_ms_per_frame,
      dropped_pct: r.dropped_pct,
      virtual_per_wall: r.virtual_per_wall, ops: r.ops, travel_ms: r.travel_ms,
      heap_mb: r.heap_mb, wasm_mb: r.wasm_mb,
      ...(r.checkpoints != null ? { checkpoints: r.checkpoints, checkpoints_mb: r.checkpoints_mb } : {}),
      ...(c.hour ? { run_ms: r.run_ms, travels_ms: r.travels_ms, travel_to_ms: r.travel_to_ms } : {}),
      ...(c.sweep ? { sweep_seeds: r.sweep_seeds, sweep_seeds_per_s: r.sweep_seeds_per_s } : {}),
      speed_via: r.speed_via,
    };
  } catch (e) {
    line = {
      suite: 'page', case: c.name, scenario: c.scenario || 'default', speed: c.speed,
      error: String(e && e.message ? e.message : e).split('\n')[0],
    };
  }
  console.log(JSON.stringify(line));
  await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
server.close();
process.exit(status);
