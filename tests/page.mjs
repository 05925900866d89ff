// End-to-end tests of the playground as visitors meet it: the built page (dist/), served by a
// plain static file server and driven in headless Chromium through its JavaScript API and DOM.
//   DIST=dist node tests/page.mjs        (scripts/test.sh builds dist/ first and runs this)
//   ONLY=axe DIST=dist node tests/page.mjs   runs only the tests whose name has "axe" in it
// Prints one line per test and a cargo-style summary, "test result: ok. N passed; F failed",
// which scripts/test.sh adds to its count. Exits non-zero if a test failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  playwrightChromium, CHROMIUM, FLAGS, chromiumVersion, serveDist, watchPage,
} from '../scripts/page-harness.mjs';

const chromium = playwrightChromium();
const DIST = process.env.DIST || 'dist';
const server = await serveDist(DIST);
console.error(`tests/page: serving at ${server.url}; ${chromiumVersion()}`);

const profile = mkdtempSync(path.join(tmpdir(), 'page-tests-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 },
});

class Failure extends Error {}
function assert(ok, what) {
  if (!ok) throw new Failure(what);
}

// A fresh page at `url` (the playground by default), loaded and with `window.raftkv`, and
// the list that its console warnings and errors, page errors and failed requests go into.
async function open(url = server.url) {
  const page = await browser.newPage();
  const problems = watchPage(page);
  await page.goto(url);
  await page.waitForFunction(() => window.raftkv && document.querySelector('.ring .server'), null, {
    timeout: 30000,
  });
  return { page, problems };
}

const leaderOf = (state) => state.servers.find((s) => s.alive && s.role === 'leader');

const TESTS = {
  // What a visitor sees first: a leader is elected on screen, and the console stays clean
  // (no warning, no error, no failed request) through loading and a minute of play.
  async 'the page opens, elects a leader, and its console stays clean for a minute of play'() {
    const { page, problems } = await open();
    await page.waitForFunction(
      () => window.raftkv.state().servers.some((s) => s.role === 'leader'),
      null,
      { timeout: 20000 },
    );
    const shown = await page.locator('.ring .server.leader').count();
    assert(shown === 1, `the ring shows ${shown} leaders`);
    // Play on screen for a few real seconds, then the rest of the minute through the API.
    await page.evaluate(() => window.raftkv.speed(4));
    await page.waitForTimeout(3000);
    await page.evaluate(() => window.raftkv.run(60000 - window.raftkv.now() / 1000));
    await page.waitForTimeout(500);
    const state = await page.evaluate(() => window.raftkv.state());
    assert(state.now_us >= 60e6, `only ${state.now_us} µs ran`);
    assert(leaderOf(state), 'no leader after a minute');
    assert(problems.length === 0, `the console reported:\n  ${problems.join('\n  ')}`);
    await page.close();
  },

  // A lesson's deliberate bug (reads served from the old leader's map) is caught by the
  // page's linearizability check, and the same scenario without the bug passes.
  async "a lesson's deliberate bug is caught by the check"() {
    const { page, problems } = await open();
    const buggy = await page.evaluate(() => {
      window.raftkv.load('stale-read');
      window.raftkv.run(8000);
      return window.raftkv.state();
    });
    assert(buggy.scenario === 'Why Gets go through the log', `loaded ${buggy.scenario}`);
    assert(buggy.verdict === 'not_linearizable', `with local reads the verdict is ${buggy.verdict}`);
    await page.locator('.verdict').first().scrollIntoViewIfNeeded();
    const shown = await page
      .waitForFunction(() => /NOT linearizable/.test(document.querySelector('.verdict')?.textContent), null, {
        timeout: 5000,
      })
      .then(() => true, () => false);
    const banner = await page.locator('.verdict').first().textContent();
    assert(shown, `the page's verdict reads "${banner}"`);
    assert(problems.length === 0, `the console reported:\n  ${problems.join('\n  ')}`);
    await page.close();
  },

  // A seed sweep of a lab scenario with the cluster paused: nothing but the sweep changes the
  // page then, and the Seeds panel follows it (seeds done counting up) while it runs.
  async 'the seeds panel follows a sweep while the cluster is paused'() {
    const { page, problems } = await open();
    await page.evaluate(() => {
      window.raftkv.load('PersistPartitionUnreliableLinearizable3A');
      window.raftkv.pause();
    });
    await page.locator('.seeds-panel').scrollIntoViewIfNeeded();
    await page.evaluate(() => { window.raftkv.sweep(200); });
    const shown = new Set();
    for (let i = 0; i < 30; i++) {
      await page.waitForTimeout(100);
      const text = await page.locator('.sweep-progress span').textContent().catch(() => '');
      if (text.includes('seeds/s')) shown.add(Number.parseInt(text, 10));
    }
    await page.evaluate(() => window.raftkv.cancelSweep());
    const counts = [...shown].filter((n) => n > 0);
    assert(counts.length >= 3, `in 3 s the panel showed seeds done: ${[...shown].join(', ')}`);
    assert(problems.length === 0, `the console reported:\n  ${problems.join('\n  ')}`);
    await page.close();
  },

  // A lab scenario runs 15 Clerks; their cards scroll in the panel and one out of the list's
  // view is not redrawn: brought into view, it shows its Clerk's latest operation at once.
  async 'a Clerk card scrolled into view shows its latest operation'() {
    const { page, problems } = await open();
    await page.evaluate(() => {
      window.raftkv.load('PersistPartitionUnreliableLinearizable3A');
      window.raftkv.pause();
    });
    await page.locator('.clerk-panel').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('.clerk-card').length > 1);
    const last = page.locator('.clerk-card').last();
    const name = await last.locator('h3').textContent();
    const client = Number(name.replace(/\D/g, ''));
    assert(client >= 10, `the last card is ${name}: the scenario has fewer Clerks than expected`);
    await page.evaluate(() => { window.raftkv.run(3000); });
    // A Clerk's operations are numbered from 1, in the order it was asked for them.
    const newest = await page.evaluate(
      (c) => window.raftkv.state().history.filter((e) => e.clientId === c).length,
      client,
    );
    assert(newest > 0, `${name} made no operation in 3 s`);
    await last.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      ([c, seq]) => {
        const shown = [...document.querySelectorAll('.clerk-card')][c]?.querySelectorAll('.op .what');
        return shown && shown.length > 0 && shown[shown.length - 1].textContent.startsWith(`#${seq} `);
      },
      [client, newest],
      { timeout: 5000 },
    ).catch(async () => {
      const shown = await last.locator('.op .what').allTextContents();
      throw new Error(`${name} in view lists ${JSON.stringify(shown)}, not its operation #${newest}`);
    });
    assert(problems.length === 0, `the console reported:\n  ${problems.join('\n  ')}`);
    await page.close();
  },

  // A permalink reopens the same run at the same moment: same time, same servers, same
  // history, in a new tab.
  async 'a permalink opens the same run at the same moment'() {
    const first = await open();
    const { link, before } = await first.page.evaluate(() => {
      window.raftkv.pause();
      window.raftkv.load('exactly-once');
      window.raftkv.run(3000);
      window.raftkv.crash(0);
      window.raftkv.run(1500);
      return { link: window.raftkv.link(), before: window.raftkv.state() };
    });
    await first.page.close();
    assert(link.startsWith(server.url), `the link ${link} is not on this page`);
    const second = await open(link);
    await second.page.waitForFunction(() => !document.querySelector('.replay'), null, { timeout: 30000 });
    const after = await second.page.evaluate(() => window.raftkv.state());
    for (const field of ['now_us', 'scenario', 'seed', 'verdict']) {
      assert(after[field] === before[field], `${field}: ${after[field]} ≠ ${before[field]}`);
    }
    assert(JSON.stringify(after.servers) === JSON.stringify(before.servers), 'the servers differ');
    assert(JSON.stringify(after.history) === JSON.stringify(before.history), 'the history differs');
    assert(before.history.length > 0, 'the run has no operations to compare');
    assert(second.problems.length === 0, `the console reported:\n  ${second.problems.join('\n  ')}`);
    await second.page.close();
  },

  // The page as one file (dist/raftkv-playground.html) opened from disk, as from a USB stick
  // or an e-mail: no server, the cluster elects a leader with a clean console, and a
  // permalink made there opens the same run from the same file.
  async 'the page opens from disk as one file, and its permalinks too'() {
    const file = `file://${path.resolve(DIST, 'raftkv-playground.html')}`;
    const first = await open(file);
    await first.page.waitForFunction(
      () => window.raftkv.state().servers.some((s) => s.role === 'leader'),
      null,
      { timeout: 20000 },
    );
    const { link, before } = await first.page.evaluate(() => {
      window.raftkv.pause();
      window.raftkv.load('exactly-once');
      window.raftkv.run(2500);
      return { link: window.raftkv.link(), before: window.raftkv.state() };
    });
    assert(link.startsWith(`${file}#run=`), `the link ${link.slice(0, 80)}… is not to the file`);
    const second = await open(link);
    await second.page.waitForFunction(() => !document.querySelector('.replay'), null, { timeout: 30000 });
    const after = await second.page.evaluate(() => window.raftkv.state());
    assert(after.now_us === before.now_us, `now: ${after.now_us} ≠ ${before.now_us}`);
    assert(JSON.stringify(after.history) === JSON.stringify(before.history), 'the history differs');
    for (const { problems } of [first, second]) {
      assert(problems.length === 0, `the console reported:\n  ${problems.join('\n  ')}`);
    }
    await first.page.close();
    await second.page.close();
  },

  // "Download as one file" saves the playground with the run on screen in it: opened from
  // disk, the file replays that run to the same moment; saved again from there (where the page
  // cannot fetch anything), the copy opens the newer run.
  async 'the page saves itself as one file that opens the run on screen from disk'() {
    const dir = mkdtempSync(path.join(tmpdir(), 'one-file-'));
    const save = async (page, name) => {
      await page.locator('.menu summary').click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('.menu button.one-file').click(),
      ]);
      const file = path.join(dir, name);
      await download.saveAs(file);
      return `file://${file}`;
    };
    const replayed = async (url) => {
      const opened = await open(url);
      await opened.page.waitForFunction(() => !document.querySelector('.replay'), null, { timeout: 30000 });
      return { ...opened, state: await opened.page.evaluate(() => window.raftkv.state()) };
    };
    const served = await open();
    const before = await served.page.evaluate(() => {
      window.raftkv.load('exactly-once');
      window.raftkv.pause();
      window.raftkv.run(2500);
      return window.raftkv.state();
    });
    const first = await replayed(await save(served.page, 'first.html'));
    assert(first.state.now_us === before.now_us, `now: ${first.state.now_us} ≠ ${before.now_us}`);
    assert(JSON.stringify(first.state.history) === JSON.stringify(before.history), 'the history differs');
    const later = await first.page.evaluate(() => {
      window.raftkv.pause();
      window.raftkv.run(1000);
      return window.raftkv.state();
    });
    const second = await replayed(await save(first.page, 'second.html'));
    assert(second.state.now_us === later.now_us, `saved from disk, now: ${second.state.now_us} ≠ ${later.now_us}`);
    for (const { page, problems } of [served, first, second]) {
      assert(problems.length === 0, `the console reported:\n  ${problems.join('\n  ')}`);
      await page.close();
    }
    rmSync(dir, { recursive: true, force: true });
  },

  // The cluster comes first on every screen size, and the toolbar stays in view: on a phone
  // the ring is in the first screen and the toolbar at its bottom, also after scrolling down;
  // the panels under the cluster are tabs there, one shown at a time.
  async 'on a phone the cluster is in the first screen, the toolbar stays in view and the panels are tabs'() {
    for (const [width, height] of [[390, 844], [1400, 1000]]) {
      const { page } = await open();
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(200);
      const box = (selector) => page.locator(selector).first().boundingBox();
      const ring = await box('.ring');
      assert(ring && ring.y >= 0 && ring.y + ring.height <= height,
        `${width} px: the ring is at ${ring && ring.y}–${ring && ring.y + ring.height}, not in the first ${height} px`);
      for (const y of [0, 1500]) {
        await page.evaluate((y) => window.scrollTo(0, y), y);
        await page.waitForTimeout(100);
        const bar = await box('.toolbar');
        assert(bar && bar.y >= 0 && bar.y + bar.height <= height + 1,
          `${width} px, scrolled to ${y}: the toolbar is at ${bar && bar.y}, out of view`);
        const play = page.locator('.toolbar button.play');
        assert(await play.isVisible(), `${width} px, scrolled to ${y}: no Play button in view`);
      }
      // Under the cluster a phone shows one panel at a time, as its tab says; wider, all.
      const shown = () => page.evaluate(() => [...document.querySelectorAll('.slot > .panel')]
        .filter((p) => p.getBoundingClientRect().height > 0).map((p) => p.getAttribute('aria-labelledby')));
      const tabs = page.locator('nav.tabs button');
      if (width < 700) {
        assert(await tabs.count() === 7 && await tabs.first().isVisible(), `${width} px: no tabs`);
        for (const [tab, panel] of [['Diagram', 'spacetime-title'], ['Events', 'events-title'], ['Logs', 'logs-title']]) {
          await page.getByRole('button', { name: tab, exact: true }).click();
          const now = await shown();
          assert(now.length === 1 && now[0] === panel, `${width} px, tab ${tab}: ${now.join(', ')} shown`);
        }
        await page.locator('.ring .server').first().click();
        await page.waitForTimeout(100);
        const picked = await shown();
        assert(picked.join() === 'inspector-title', `a server picked, ${picked.join(', ')} shown, not the inspector`);
      } else {
        assert(!(await tabs.first().isVisible()), `${width} px: the tabs show`);
        const all = await shown();
        assert(all.length === 7, `${width} px: ${all.length} of 7 panels shown`);
      }
      await page.close();
    }
  },
  // Keyboard-only use: Tab from the top of the page reaches every control on screen (buttons,
  // fields, menus, the ring's servers, the scrolling lists), each showing where the focus is,
  // and the keys work the cluster: Enter on a server inspects it, Space pauses and plays.
  async 'keyboard alone reaches every control, shows the focus, and works the cluster'() {
    for (const [width, height] of [[1400, 1000], [390, 844]]) {
      const { page, problems } = await open();
      await page.setViewportSize({ width, height });
      await page.evaluate(() => window.raftkv.pause());
      await page.waitForTimeout(300);
      const controls = await page.evaluate(() => {
        const all = document.querySelectorAll(
          'button, input, select, textarea, summary, a[href], [tabindex]:not([tabindex="-1"])');
        const out = [];
        for (const el of all) {
          if (el.disabled || !el.checkVisibility({ visibilityProperty: true })) continue;
          el.dataset.kb = String(out.length);
          out.push(`${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') || el.textContent || el.name || el.className.baseVal || el.className || '').toString().trim().slice(0, 40)}"`);
        }
        document.activeElement?.blur();
        return out;
      });
      assert(controls.length > 30, `${width} px: only ${controls.length} controls found`);
      const reached = new Set();
      const unmarked = [];
      for (let i = 0; i < controls.length + 40; i++) {
        await page.keyboard.press('Tab');
        const at = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
            || style.boxShadow !== 'none';
          return { kb: el.dataset.kb ?? null, ring, what: `${el.tagName.toLowerCase()}.${el.className.baseVal ?? el.className}` };
        });
        if (!at) continue;
        if (at.kb === null) { unmarked.push(at.what); continue; }
        if (reached.has(at.kb)) break; // round the page once
        reached.add(at.kb);
        assert(at.ring, `${width} px: ${controls[at.kb]} has the focus but shows no outline`);
      }
      const missed = controls.filter((_, i) => !reached.has(String(i)));
      assert(missed.length === 0, `${width} px: Tab never reaches ${missed.length} of ${controls.length}: ${missed.slice(0, 8).join(', ')}`);
      assert(unmarked.length === 0, `${width} px: Tab stops on what is not a control on screen: ${unmarked.slice(0, 5).join(', ')}`);

      // Enter on a server inspects it; Space, away from any field, plays and pauses.
      await page.locator('.ring .server').nth(1).focus();
      await page.keyboard.press('Enter');
      await page.waitForTimeout(200);
      const inspected = await page.locator('.inspector-panel').textContent();
      assert(/S1/.test(inspected), `${width} px: Enter on S1 inspects ${inspected.slice(0, 80)}`);
      await page.evaluate(() => document.activeElement?.blur());
      await page.keyboard.press(' ');
      await page.waitForTimeout(200);
      const label = () => page.locator('.toolbar button.play').textContent();
      const playing = (await label()).includes('Pause');
      await page.keyboard.press(' ');
      await page.waitForTimeout(200);
      const paused = (await label()).includes('Play');
      assert(playing && paused, `${width} px: Space played (${playing}) and paused (${paused})`);
      assert(problems.length === 0, `the console reported:\n  ${problems.join('\n  ')}`);
      await page.close();
    }
  },

  // Dark mode follows the visitor's system setting, and its text stays readable: every
  // line of plain text on the page (headings, hints, legends, buttons, labels, the event
  // log) has a contrast ratio of at least 4.5:1 against what is behind it, as WCAG AA asks.
  async 'in dark mode the page turns dark and its text keeps a 4.5:1 contrast'() {
    const { page, problems } = await open();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate(() => window.raftkv.run(3000));
    await page.waitForTimeout(500);
    const report = await page.evaluate(() => {
      const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
      const luminance = ([r, g, b]) => {
        const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      // The first opaque background behind an element.
      const behind = (el) => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const selectors = 'h1, h2, h3, .status, .hint, .legend span, button, label, .events li, .fields dt, .fields dd, .foot, summary';
      const worst = [];
      for (const el of document.querySelectorAll(selectors)) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || !el.textContent.trim()) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || Number(style.opacity) < 1) continue;
        const [a, b] = [luminance(rgb(style.color).slice(0, 3)), luminance(behind(el))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) worst.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return { page: luminance(rgb(getComputedStyle(document.documentElement).backgroundColor)), worst };
    });
    assert(report.page < 0.05, `the page's background is not dark (luminance ${report.page})`);
    assert(report.worst.length === 0, `text under 4.5:1: ${report.worst.slice(0, 8).join('; ')}`);
    assert(problems.length === 0, `the console: ${problems.join(' | ')}`);
    await page.close();
  },
  // An accessibility audit of the whole page by axe-core (the WCAG 2.x A and AA rules and
  // axe's best practices) finds nothing at desktop and phone widths, light and dark: with a
  // run under way (a leader, log entries, messages, a Clerk's operation, a server down), then
  // with a server and a message inspected, the scenario menu open and a seed sweep's table;
  // and the embed mode of a lesson with its card.
  async 'an accessibility audit (axe-core) finds no violation at desktop and phone widths, light and dark'() {
    const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js', {
      paths: [path.resolve('.tools/npm/node_modules')],
    });
    const audit = async (page, what) => {
      await page.addScriptTag({ path: axe });
      const violations = await page.evaluate(async () => {
        const result = await window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
        });
        return result.violations.map((v) => `${v.id} on ${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}\n    ${v.nodes[0].html.slice(0, 160)}\n    ${v.nodes[0].failureSummary.replace(/\s+/g, ' ')}`);
      });
      return violations.map((v) => `${what}: ${v}`);
    };
    const found = [];
    for (const [width, height] of [[1400, 1000], [390, 844]]) {
      for (const colorScheme of ['light', 'dark']) {
        const at = `${width} px ${colorScheme}`;
        const { page } = await open();
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme });
        await page.evaluate(() => {
          window.raftkv.run(2000);
          window.raftkv.op(0, 'put', 'x', '1');
          window.raftkv.run(1000);
          window.raftkv.crash(window.raftkv.state().servers.find((s) => s.role !== 'leader').id);
          window.raftkv.run(500);
        });
        await page.waitForTimeout(500);
        found.push(...await audit(page, `${at}, a run under way`));
        await page.locator('.ring .server.leader').first().click();
        await page.evaluate(() => document.querySelector('details.menu')?.setAttribute('open', ''));
        await page.evaluate(() => window.raftkv.sweep(3));
        await page.waitForTimeout(1000);
        found.push(...await audit(page, `${at}, a server inspected, the menu open, a sweep`));
        await page.close();
        const embed = await open(`${server.url}?lesson=crash&embed=1&describe=1`);
        await embed.page.setViewportSize({ width: Math.min(width, 1200), height });
        await embed.page.emulateMedia({ colorScheme });
        await embed.page.waitForTimeout(500);
        found.push(...await audit(embed.page, `${at}, embedded lesson`));
        await embed.page.close();
      }
    }
    assert(found.length === 0, `axe-core reports:\n  ${found.join('\n  ')}`);
  },
};

let passed = 0;
let failed = 0;
for (const [name, test] of Object.entries(TESTS)) {
  if (process.env.ONLY && !name.includes(process.env.ONLY)) continue;
  try {
    await test();
    passed++;
    console.log(`test ${name} ... ok`);
  } catch (e) {
    failed++;
    console.log(`test ${name} ... FAILED\n  ${e instanceof Failure ? e.message : e.stack}`);
  }
}
await browser.close();
rmSync(profile, { recursive: true, force: true });
server.close();
console.log(`test result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed`);
process.exit(failed ? 1 : 0);
