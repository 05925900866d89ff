// Takes the README's screenshots of a served playground with headless Chromium
// (playwright-core from .tools/npm, as scripts/tools.sh installs it):
//   node scripts/screenshots.mjs [http://127.0.0.1:8080/] [out-dir]
import { playwrightChromium, CHROMIUM } from './page-harness.mjs';
const chromium = playwrightChromium();

const url = process.argv[2] || 'http://127.0.0.1:8080/';
const out = process.argv[3] || 'docs/screenshots';
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

async function open(width, height, query = '', colorScheme = 'light') {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  // Full-page pictures: every panel drawn, in view or not.
  await page.goto(url + (query ? query + '&' : '?') + 'lazy=0');
  await page.waitForSelector('.ring .server');
  return page;
}
const button = (page, scope, name) => page.locator(scope).getByRole('button', { name, exact: true }).first();
async function pause(page) {
  if ((await page.locator('.controls button.play').textContent()).trim() === 'Pause') {
    await page.locator('.controls button.play').click();
  }
}
const top = (page) => page.evaluate(() => window.scrollTo(0, 0));
// How many messages the ring's canvas painted.
const drawn = (page) => page.evaluate(() => Number(document.querySelector('.ring-messages')?.dataset.drawn ?? 0));
// Steps event by event until at least `n` messages are in flight.
async function stepUntilMessages(page, n) {
  for (let i = 0; i < 400 && (await drawn(page)) < n; i++) {
    await page.keyboard.press('s');
  }
}

// 1. The first election, messages in flight.
let page = await open(1280, 900);
await page.waitForSelector('.ring .server.leader', { timeout: 5000 });
await pause(page);
await page.locator('.clerk-card button.put').click();
await stepUntilMessages(page, 4);
await top(page);
await page.screenshot({ path: `${out}/election.png` });

// 2. The leader isolated with one follower; a Clerk's Put finds the new leader.
await button(page, '.partition', 'Isolate leader').click();
for (let i = 0; i < 2; i++) await button(page, '.controls', '+1 s').click();
await page.locator('.clerk-card input.key').fill('colour');
await page.locator('.clerk-card input.value').fill('blue');
await page.locator('.clerk-card button.append').click();
await stepUntilMessages(page, 6);
await top(page);
await page.screenshot({ path: `${out}/partition.png` });
await page.close();

// 3. Snapshots: maxraftstate 400 bytes, a follower crashes, misses entries, and restarts.
page = await open(1280, 900);
await page.locator('.menu summary').click();
await page.locator('.cluster-settings select').nth(1).selectOption('100');
await page.keyboard.press('Escape');
await page.waitForSelector('.ring .server.leader', { timeout: 5000 });
await pause(page);
await button(page, '.inspector-panel', 'S1').click();
await button(page, '.inspector-panel', 'Crash S1').click();
for (let i = 0; i < 12; i++) {
  await page.locator('.clerk-card button.append').click();
  await button(page, '.controls', '+1 s').click();
}
await button(page, '.inspector-panel', 'Restart S1').click();
// Until an InstallSnapshot is in flight (the inspector lists what is).
const snapshotInFlight = () => page.locator('.flight li', { hasText: 'InstallSnapshot' }).count();
for (let i = 0; i < 60 && (await snapshotInFlight()) === 0; i++) {
  await page.keyboard.press('s');
}
await page.screenshot({ path: `${out}/snapshots.png`, fullPage: true });
await page.close();

// 4. A phone.
page = await open(390, 844);
await page.waitForSelector('.ring .server.leader', { timeout: 5000 });
await pause(page);
await stepUntilMessages(page, 3);
await top(page);
await page.screenshot({ path: `${out}/phone.png` });
await page.screenshot({ path: `${out}/phone-full.png`, fullPage: true });
await page.close();

// 5. A lesson: the stale read caught, the impossible Get selected in the history; then the
// same in dark mode (the visitor's system setting).
async function staleRead(colorScheme) {
  const page = await open(1400, 1000, '?lesson=stale-read', colorScheme);
  await pause(page);
  for (let i = 0; i < 8; i++) await button(page, '.controls', '+1 s').click();
  await page.locator('.history-panel .op.bad').first().dispatchEvent('click');
  return page;
}
page = await staleRead('light');
await page.screenshot({ path: `${out}/lesson.png`, fullPage: true });
await page.close();
page = await staleRead('dark');
await page.screenshot({ path: `${out}/dark.png` });
await page.close();

// 6. Embedded in a course page, driven by its JavaScript API.
page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
page.on('pageerror', (e) => console.error('page error:', e.message));
await page.goto(url + 'course-example.html');
await page.waitForFunction(() => document.getElementById('frame').contentWindow.raftkv);
for (const what of ['run', 'partition', 'put', 'run', 'run']) await page.locator(`button[data-do=${what}]`).click();
await page.screenshot({ path: `${out}/embed.png` });
await page.close();
await browser.close();
