// The browser half of console_bench (console_bench.cc starts the node and runs this): Chromium as
// an analyst, timing the search page from navigation to its first result, and the JSON search
// call alone from the same page, for each query; then the JS and CSS bytes each page loads.
//
// Environment: what tests/browser/lib.mjs reads, plus CAIRN_BENCH_QUERIES (a JSON array of
// queries), CAIRN_BENCH_LESSON (a lesson id for the pages that show one) and CAIRN_CONSOLE_DIR
// (the built console: its NAME.html files are the pages).
import * as fs from 'node:fs';
import {
  consoleUrl, flow, launchAs, newPage,
} from '../browser/lib.mjs';

const queries = JSON.parse(fs.readFileSync(process.env.CAIRN_BENCH_QUERIES, 'utf8'));
const lesson = process.env.CAIRN_BENCH_LESSON;
const kWarmup = 5;
const kGoalBytes = 200 * 1024;

function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round(p * (sorted.length - 1))];
}

function ms(value) {
  return `${value.toFixed(1)} ms`;
}

// Navigation start to the first result drawn (or the "no matching results" answer), as the
// page's own clock measures it.
async function pageToFirstResult(page, query) {
  await page.goto(`${consoleUrl}/?q=${encodeURIComponent(query)}&scope=local`);
  const handle = await page.waitForFunction(() => {
    const first = document.querySelector('#search-results .cairn-result');
    const none = /There are no matching results/.test(
      document.querySelector('#search-results')?.innerText ?? '');
    return (first || none) ? { found: !!first, at: performance.now() } : null;
  }, { polling: 'mutation', timeout: 60000 });
  return handle.jsonValue();
}

// The same query as one call of the JSON API from the page: what the page adds on top of it is
// loading, the session call and drawing.
async function apiCall(page, query) {
  return page.evaluate(async (q) => {
    const start = performance.now();
    const response = await fetch('/api/cairn.v1.SearchService/Search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
      body: JSON.stringify({ query: q, pageSize: 20 }),
    });
    await response.json();
    if (!response.ok) throw new Error(`search answered ${response.status}`);
    return performance.now() - start;
  }, query);
}

// The script and style bytes (decoded, before compression) a page loaded.
async function assetBytes(page, path) {
  await page.goto(`${consoleUrl}${path}`, { waitUntil: 'networkidle0' });
  return page.evaluate(() => {
    let js = 0;
    let css = 0;
    for (const entry of performance.getEntriesByType('resource')) {
      const name = new URL(entry.name).pathname;
      if (name.endsWith('.js')) js += entry.decodedBodySize;
      if (name.endsWith('.css')) css += entry.decodedBodySize;
    }
    return { js, css };
  });
}

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);
  const toFirst = [];
  const toFirstCold = [];  // with the browser's cache off: a first visit
  const api = [];
  let empty = 0;
  for (const [i, query] of queries.entries()) {
    const first = await pageToFirstResult(page, query);
    const call = await apiCall(page, query);
    if (i < kWarmup) continue;
    api.push(call);
    if (first.found) toFirst.push(first.at); else empty += 1;
    if (i % 4 === 0 && first.found) {
      await page.setCacheEnabled(false);
      toFirstCold.push((await pageToFirstResult(page, query)).at);
      await page.setCacheEnabled(true);
    }
  }
  const p50 = percentile(toFirst, 0.5);
  const apiP50 = percentile(api, 0.5);
  console.log(`search page, navigation to first result: p50 ${ms(p50)}, p99 ` +
    `${ms(percentile(toFirst, 0.99))} (${toFirst.length} queries with results, ${empty} without)`);
  console.log(`  the same with the browser's cache off (a first visit): p50 ` +
    `${ms(percentile(toFirstCold, 0.5))}, p99 ${ms(percentile(toFirstCold, 0.99))} ` +
    `(${toFirstCold.length} queries)`);
  console.log(`the JSON search call alone, same queries: p50 ${ms(apiP50)}, p99 ` +
    `${ms(percentile(api, 0.99))}`);
  console.log(`page / API call: p50 ${(p50 / apiP50).toFixed(1)}x`);

  const pages = fs.readdirSync(process.env.CAIRN_CONSOLE_DIR)
    .filter((name) => name.endsWith('.html')).map((name) => name.slice(0, -5)).sort();
  let largest = 0;
  await page.setCacheEnabled(false);  // every byte counted, none revalidated
  for (const name of pages) {
    const path = name === 'search' ? '/' : `/${name}?id=${encodeURIComponent(lesson)}`;
    const { js, css } = await assetBytes(page, path);
    largest = Math.max(largest, js + css);
    console.log(`  ${name.padEnd(10)} JS ${(js / 1024).toFixed(1)} KB + CSS ` +
      `${(css / 1024).toFixed(1)} KB = ${((js + css) / 1024).toFixed(1)} KB`);
  }
  console.log(`largest page: ${(largest / 1024).toFixed(1)} KB of JS and CSS before compression ` +
    `(goal under ${kGoalBytes / 1024} KB: ${largest < kGoalBytes ? 'met' : 'NOT met'})`);
  await browser.close();
});
