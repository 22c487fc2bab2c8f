// Writes Cairn's web console into OUTDIR:
//
//   OUTDIR/search.html, lesson.html, ...   the pages (cairnd serves /NAME from NAME.html, / from
//                                          search.html)
//   OUTDIR/assets/cairn.css                GOV.UK Frontend (the components used) and our rules
//   OUTDIR/assets/js/*.js                  the pages' ES modules
//   OUTDIR/assets/govuk/govuk-frontend.min.js   GOV.UK Frontend's ES module
//   OUTDIR/assets/images/, manifest.json   GOV.UK Frontend's icons and web manifest
//
// Usage: node build.mjs OUTDIR (or npm run build -- OUTDIR). The output depends only on the
// sources and the pinned packages, so two builds give identical bytes. At the end it prints the
// bytes of JS and CSS each page loads.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as sass from 'sass';

const here = path.dirname(fileURLToPath(import.meta.url));
const govuk = path.join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk');

// Each page: its file name, title (before " - Cairn"), body (an HTML fragment, or a module in
// pages/ whose body(page) writes it), and module.
const kPages = [
  { name: 'search', title: 'Search', body: 'search.html', script: 'search.js' },
  { name: 'lesson', title: 'Lesson', body: 'lesson.html', script: 'lesson.js' },
  { name: 'record', title: 'Record a lesson', body: 'lesson-form.mjs', script: 'lesson-form.js' },
  { name: 'edit', title: 'Edit a lesson', body: 'lesson-form.mjs', script: 'lesson-form.js' },
  { name: 'retract', title: 'Retract a lesson', body: 'retract.mjs', script: 'retract.js' },
  { name: 'import', title: 'Import lessons', body: 'import.mjs', script: 'import.js' },
  { name: 'admin', title: 'Peers', body: 'admin.mjs', script: 'admin.js' },
  { name: 'peer', title: 'Peer', body: 'peer.mjs', script: 'peer.js' },
  { name: 'audit', title: 'Audit log', body: 'audit.mjs', script: 'audit.js' },
  { name: 'speak-up', title: 'Tell us what you noticed', body: 'speak-up.mjs', script: 'speak-up.js' },
  { name: 'review', title: 'Observations to review', body: 'review.mjs', script: 'review.js' },
  { name: 'alerts', title: 'Your alerts', body: 'alerts.mjs', script: 'alerts.js' },
  { name: 'report', title: 'Lessons report', body: 'report.mjs', script: 'report.js' },
];

// `modules`: the URLs of the modules the page's script imports, directly or not. Preloading them
// fetches them all at once, rather than a level of imports at a time.
function layout(page, body, modules) {
  return `<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>${page.title} - Cairn</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#1d70b8">
<meta name="referrer" content="same-origin">
<link rel="icon" sizes="48x48" href="/assets/images/favicon.ico">
<link rel="icon" sizes="any" href="/assets/images/favicon.svg" type="image/svg+xml">
<link rel="manifest" href="/assets/manifest.json">
<link rel="stylesheet" href="/assets/cairn.css">
<script type="module" src="/assets/js/${page.script}"></script>
${modules.map((url) => `<link rel="modulepreload" href="${url}">`).join('\n')}
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-template__header">
<div class="govuk-generic-header">
<div class="govuk-generic-header__container govuk-width-container">
<div class="govuk-generic-header__logo">
<a href="/" class="govuk-generic-header__homepage-link">Cairn</a>
</div>
</div>
</div>
<section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation">
<div class="govuk-width-container">
<div class="govuk-service-navigation__container">
<span class="govuk-service-navigation__service-name" id="cairn-org">Lessons learned</span>
<nav aria-label="Menu" class="govuk-service-navigation__wrapper">
<button type="button" class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle" aria-controls="navigation" hidden>Menu</button>
<ul class="govuk-service-navigation__list" id="navigation">
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/">Search</a></li>
</ul>
</nav>
<p class="cairn-who" id="cairn-who"></p>
</div>
</div>
</section>
</header>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main-content">
${body.trim()}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container">
<div class="govuk-footer__meta">
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<h2 class="govuk-visually-hidden">About this service</h2>
<p class="govuk-body-s">Cairn: lessons learned, shared between public-sector organisations.
Each organisation runs its own node and decides what leaves it.</p>
</div>
</div>
</div>
</footer>
</body>
</html>
`;
}

function write(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1)) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(source, target);
    else fs.copyFileSync(source, target);
  }
}

// The files a module loads, itself included, following its static imports.
function moduleGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  for (const match of source.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)) {
    moduleGraph(path.resolve(path.dirname(file), match[1]), seen);
  }
  return seen;
}

// Writes the console into `outdir` and resolves to the bytes each page loads:
// [{page, js, css}], in the order of kPages.
export async function build(outdir) {
  const assets = path.join(outdir, 'assets');
  fs.rmSync(assets, { recursive: true, force: true });

  const css = sass.compile(path.join(here, 'scss', 'cairn.scss'), {
    loadPaths: [path.join(here, 'node_modules', 'govuk-frontend', 'dist')],
    style: 'compressed',
    sourceMap: false,
    quietDeps: true,
  }).css;
  write(path.join(assets, 'cairn.css'), css);

  copyDir(path.join(here, 'js'), path.join(assets, 'js'));
  for (const file of ['govuk-frontend.min.js', 'govuk-frontend.min.js.map']) {
    fs.mkdirSync(path.join(assets, 'govuk'), { recursive: true });
    fs.copyFileSync(path.join(govuk, file), path.join(assets, 'govuk', file));
  }
  copyDir(path.join(govuk, 'assets', 'images'), path.join(assets, 'images'));
  fs.copyFileSync(path.join(govuk, 'assets', 'manifest.json'), path.join(assets, 'manifest.json'));

  const sizes = [];
  for (const page of kPages) {
    const source = path.join(here, 'pages', page.body);
    const body = page.body.endsWith('.mjs')
      ? (await import(pathToFileURL(source).href)).body(page)
      : fs.readFileSync(source, 'utf8');
    const main = path.join(assets, 'js', page.script);
    const scripts = moduleGraph(main);
    const imported = [...scripts].filter((file) => file !== main)
      .map((file) => `/assets/${path.relative(assets, file).split(path.sep).join('/')}`).sort();
    write(path.join(outdir, `${page.name}.html`), layout(page, body, imported));
    let js = 0;
    for (const file of scripts) js += fs.statSync(file).size;
    sizes.push({ page: page.name, js, css: Buffer.byteLength(css) });
  }
  return sizes;
}

export const kBudgetBytes = 200 * 1024;  // JS + CSS a page loads, before compression

async function main() {
  const outdir = process.argv[2];
  if (!outdir) {
    console.error('usage: node build.mjs OUTDIR');
    process.exit(2);
  }
  const sizes = await build(outdir);
  console.log(`Cairn console written to ${outdir}`);
  console.log('page        JS bytes  CSS bytes  total (goal: under 200 KB before compression)');
  for (const { page, js, css } of sizes) {
    const total = js + css;
    console.log(`${page.padEnd(10)} ${String(js).padStart(9)} ${String(css).padStart(10)}` +
      `  ${(total / 1024).toFixed(1)} KB${total > kBudgetBytes ? '  OVER THE GOAL' : ''}`);
  }
}

// Run as a script (not imported, as the static checks do).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
