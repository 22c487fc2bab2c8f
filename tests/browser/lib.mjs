// What every browser flow shares: a browser profile holding one user's certificate, Debian's
// Chromium driven by puppeteer-core, accessibility checks with axe-core, screenshots, and a
// record of every script error or CSP violation on the page (a flow fails on any).
//
// The C++ harness (browser_test.cc) starts the nodes and runs each flow with:
//   CAIRN_CONSOLE_URL   the console of the node under test
//   CAIRN_USER_CERT, CAIRN_USER_KEY, CAIRN_CA   the user's certificate and the federation CA
//   CAIRN_ARTIFACTS     where screenshots go
//   CAIRN_FLOW_DATA     JSON: what the harness set up (lesson ids, peer names, ...)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// The packages are the console's, pinned by client/web/package-lock.json.
const require = createRequire(path.join(here, '..', '..', 'client', 'web', 'package.json'));
const puppeteer = require('puppeteer-core');
const { AxePuppeteer } = require('@axe-core/puppeteer');

export const consoleUrl = process.env.CAIRN_CONSOLE_URL;
export const flowData = JSON.parse(process.env.CAIRN_FLOW_DATA || '{}');
const artifacts = process.env.CAIRN_ARTIFACTS || os.tmpdir();

// Generous: the machine is shared and busy.
const kTimeoutMs = 30000;

function run(program, args) {
  const result = spawnSync(program, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} failed: ${result.stderr || result.error}`);
  }
}

// A fresh HOME whose NSS database holds the user's certificate and trusts the federation CA:
// Chromium on Linux takes client certificates from $HOME/.pki/nssdb.
function makeHome(certFile, keyFile, caFile) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-browser-'));
  const nssdb = path.join(home, '.pki', 'nssdb');
  fs.mkdirSync(nssdb, { recursive: true });
  const db = `sql:${nssdb}`;
  const p12 = path.join(home, 'user.p12');
  run('certutil', ['-N', '-d', db, '--empty-password']);
  run('openssl', ['pkcs12', '-export', '-in', certFile, '-inkey', keyFile, '-out', p12,
    '-passout', 'pass:']);
  run('pk12util', ['-i', p12, '-d', db, '-W', '']);
  run('certutil', ['-A', '-d', db, '-n', 'federation-ca', '-t', 'C,,', '-i', caFile]);
  return home;
}

const homes = [];  // removed when the flow ends

// A browser as the user whose certificate the harness named (or the one given), with `args`
// added to Chromium's command line.
export async function launchAs({
  cert = process.env.CAIRN_USER_CERT,
  key = process.env.CAIRN_USER_KEY,
  ca = process.env.CAIRN_CA,
  args = [],
} = {}) {
  const home = makeHome(cert, key, ca);
  const browser = await puppeteer.launch({
    executablePath: process.env.CAIRN_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // This machine's network is closed: without these Chromium keeps trying to reach Google.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', `--user-data-dir=${path.join(home, 'profile')}`, ...args],
    env: { ...process.env, HOME: home },
    protocolTimeout: 120000,
  });
  homes.push(home);
  return browser;
}

// A new page that records script errors, failed loads and CSP violations. `options` are
// puppeteer's: {type: 'window'} for a page in a window of its own, which keeps rendering while
// another page is in front (a background tab's does not, and clicks on it never finish).
const pagesOpened = [];

export async function newPage(browser, options = undefined) {
  const page = await browser.newPage(options);
  page.setDefaultTimeout(kTimeoutMs);
  page.problems = [];
  pagesOpened.push(page);
  page.on('pageerror', (error) => page.problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console error: ${message.text()}`);
  });
  return page;
}

// Fails when the page logged an error: a script that threw, or anything CSP refused.
// `expected` matches messages the flow caused on purpose (e.g. a 400 answer in the console).
export function assertNoProblems(page, expected = []) {
  const unexpected = page.problems.filter((p) => !expected.some((e) => e.test(p)));
  assert.deepEqual(unexpected, [], `problems on ${page.url()}`);
}

export async function open(page, pathAndQuery) {
  const response = await page.goto(consoleUrl + pathAndQuery, { waitUntil: 'networkidle0' });
  return response;
}

// Zero serious or critical violations of WCAG 2.0/2.1/2.2 A and AA rules, with the page as it is
// now (each state of a page is checked on its own).
export async function checkAccessibility(page, state) {
  const results = await new AxePuppeteer(page)
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target).join(' ')}`);
  assert.deepEqual(serious, [], `accessibility of ${state}`);
  console.log(`axe: ${state}: ${results.passes.length} rules pass, no serious violation`);
}

export async function screenshot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

// The visible text of the first element matching `selector`.
export async function textOf(page, selector) {
  return page.$eval(selector, (element) => element.innerText);
}

// Runs a flow: its failures exit non-zero with the reason, for the harness to report.
export async function flow(body) {
  let status = 0;
  try {
    await body();
  } catch (error) {
    console.error(error.stack || error);
    // What the pages' scripts reported often says why.
    for (const problem of pagesOpened.flatMap((page) => page.problems)) console.error(problem);
    status = 1;
  }
  for (const home of homes) {
    try {
      fs.rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // A browser still writing its profile: the temporary directory stays.
    }
  }
  process.exit(status);
}

export { assert };
