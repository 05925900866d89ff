// Writes the built page as one self-contained file, raftkv-playground.html, next to
// index.html: the style sheet, the JavaScript and the wasm (base64) inlined, so that it opens
// from disk (file://), a USB stick or an e-mail, with no server. Browsers refuse a module
// script or an integrity-checked style sheet fetched from file://; an inline module that is
// handed the wasm's bytes fetches nothing.
//   node scripts/single-file.mjs [DIR]   (DIR: the built page; default $TRUNK_STAGING_DIR or dist)
// Trunk runs it after every build (Trunk.toml's post_build hook).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist');
const read = (name) => readFileSync(path.join(dir, name));
let html = read('index.html').toString();

function fail(why) {
  console.error(`single-file: ${why} in ${path.join(dir, 'index.html')}`);
  process.exit(1);
}

// The style sheet, inlined (`</style` cannot occur in it: it is the page's own CSS).
const css = html.match(/<link rel="stylesheet" href="\.\/([^"]+\.css)"[^>]*>/);
if (!css) fail('no style sheet link');
html = html.replace(css[0], () => `<style>\n${read(css[1])}</style>`);

// Trunk's loader imports the JavaScript and fetches the wasm: replaced by the JavaScript
// itself and the wasm's bytes.
const loader = html.match(/<script type="module">[\s\S]*?from '\.\/([^']+\.js)';[\s\S]*?module_or_path: '\.\/([^']+\.wasm)'[\s\S]*?<\/script>/);
if (!loader) fail("no Trunk loader script");
const [, js, wasm] = loader;
const glue = read(js).toString();
if (glue.includes('</script')) fail(`${js} contains "</script"`);
// The page keeps its own source (before it renders anything) so that "Download as one file"
// can save a copy of itself from disk too, where it cannot fetch a file.
const boot = `<script type="module">
window.__raftkvSource = "<!DOCTYPE html>\\n" + document.documentElement.outerHTML;
${glue}
const __raftkvWasm = await __wbg_init({
  module_or_path: Uint8Array.from(atob("${read(wasm).toString('base64')}"), (c) => c.charCodeAt(0)),
});
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm: __raftkvWasm } }));
</script>`;
html = html.replace(loader[0], () => boot);
// The preloads of what is now inline.
html = html.replace(/<link rel="(modulepreload|preload)" href="\.\/[^"]+"[^>]*>/g, '');
if (/href="\.\/|src="\.\//.test(html)) fail('a reference to another file is left');

writeFileSync(path.join(dir, 'raftkv-playground.html'), html);
console.error(`single-file: wrote ${path.join(dir, 'raftkv-playground.html')} (${html.length} bytes)`);
