// What the scripts that drive the built page in headless Chromium share (playwright-core, no
// browser download): a static file server over a dist/ directory, Chromium's flags, and a
// watch on everything the page reports (console messages, page errors, failed requests).
// Used by scripts/browser-bench.mjs and tests/page.mjs.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { statSync, createReadStream, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

// playwright-core's `chromium`, from .tools/npm (scripts/tools.sh installs it there).
export function playwrightChromium(root = process.cwd()) {
  const dir = ['.tools/npm', '.tools/pw']
    .map((d) => path.join(root, d, 'node_modules/playwright-core'))
    .find((d) => existsSync(d));
  if (!dir) {
    console.error('playwright-core not found: npm install --prefix .tools/npm playwright-core');
    process.exit(2);
  }
  return createRequire(import.meta.url)(dir).chromium;
}

// The Chromium binary: CHROMIUM, or Debian's.
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Flags for a quiet, reproducible headless Chromium on a machine without a GPU.
export const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--window-size=1400,1000',
];

// Chromium's version line, or why it could not be read.
export function chromiumVersion() {
  try {
    return execFileSync(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch (e) {
    return `${CHROMIUM} --version failed: ${e.message}`;
  }
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain',
};

// Serves `dist` on a free port of 127.0.0.1, as any plain static file server would (no
// caching). Resolves to `{ url, close }`.
export async function serveDist(dist) {
  dist = path.resolve(dist);
  if (!existsSync(path.join(dist, 'index.html'))) {
    console.error(`no ${dist}/index.html: build the page first`);
    process.exit(2);
  }
  const server = createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(dist, path.normalize(p));
    let st;
    try {
      st = file.startsWith(dist) && statSync(file);
    } catch {}
    if (!st || !st.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok, fail) => server.listen(0, '127.0.0.1', ok).on('error', fail));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

// Collects what `page` reports: console messages of the types in `levels`, page errors, and
// responses with status 400 or above. Returns the array it fills as they come.
export function watchPage(page, levels = ['error', 'warning']) {
  const problems = [];
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (levels.includes(m.type())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  return problems;
}
