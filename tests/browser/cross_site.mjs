// A page on another site tries to act as the signed-in editor. Her browser presents her
// certificate to the node on every request, whichever page makes it, so only the console's own
// defences stand in the way: the X-Cairn-Console header a cross-site page cannot add, the
// same-origin check, and the headers that forbid framing the console.
//
// The attacker's site, http://attacker.test/, is served by puppeteer's request interception.
import {
  assert, assertNoProblems, checkAccessibility, consoleUrl, flow, launchAs, newPage, open,
} from './lib.mjs';

const kAttacker = 'http://attacker.test';
const kForgedTitle = 'Forged by attacker.test';
const kCreate = `${consoleUrl}/api/cairn.v1.LessonService/CreateLesson`;

// A CreateLessonRequest as a text/plain form sends it: "name=value". The form's one field splits
// the JSON at a string value, so the body the node receives is valid JSON of a valid lesson.
const kFormName = `{"lesson":{"title":"${kForgedTitle} (form)","marking":"TLP_GREEN","summary":"`;
const kFormValue = 'x"}}';

function attr(text) {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

const kPages = {
  // (a) A form that posts itself to the console as soon as the page loads.
  '/form': `<!doctype html><html lang="en"><title>Win a prize</title>
<form id="f" method="POST" action="${attr(kCreate)}" enctype="text/plain">
<input type="hidden" name="${attr(kFormName)}" value="${attr(kFormValue)}">
</form>
<script>document.getElementById('f').submit();</script></html>`,
  // (b) Scripted requests: a no-cors fetch (the browser drops the custom header and sends it
  // anyway, credentials and all) and a CORS fetch with the header (the browser must ask first).
  '/fetch': `<!doctype html><html lang="en"><title>Win a prize</title>
<script>
const lesson = (how) => JSON.stringify({ lesson: { title: '${kForgedTitle} (' + how + ')', marking: 'TLP_GREEN' } });
async function attempt(how, init) {
  try {
    const response = await fetch(${JSON.stringify(kCreate)}, { method: 'POST', credentials: 'include', body: lesson(how), ...init });
    return { how, type: response.type, status: response.status };
  } catch (error) {
    return { how, error: String(error) };
  }
}
(async () => {
  window.results = [
    await attempt('no-cors', { mode: 'no-cors', headers: { 'Content-Type': 'text/plain', 'X-Cairn-Console': '1' } }),
    await attempt('cors', { mode: 'cors', headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' } }),
  ];
})();
</script></html>`,
  // (c) The console in a frame, for clickjacking.
  '/frame': `<!doctype html><html lang="en"><title>Win a prize</title>
<iframe id="victim" title="prize" src="${attr(`${consoleUrl}/record`)}" width="800" height="600"></iframe></html>`,
};

// A page whose requests to attacker.test are answered with kPages; the rest go to the network.
// Every answer from the console is kept, by URL, for its status and headers.
async function attackerPage(browser) {
  const page = await newPage(browser);
  page.consoleAnswers = [];
  page.messages = [];
  page.on('console', (message) => page.messages.push(message.text()));
  page.failures = [];
  page.on('response', (response) => {
    if (response.url().startsWith(consoleUrl)) page.consoleAnswers.push(response);
  });
  page.on('requestfailed', (request) => {
    page.failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  // What went over the wire, by the DevTools protocol's request id: the headers Chromium really
  // sent and the status the node answered, also for answers Chromium then withheld from the page
  // (puppeteer reports no response for those).
  page.wire = new Map();
  const wire = (id) => {
    if (!page.wire.has(id)) page.wire.set(id, {});
    return page.wire.get(id);
  };
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (event) => {
    Object.assign(wire(event.requestId), { url: event.request.url, method: event.request.method });
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (event) => {
    wire(event.requestId).sent = event.headers;
  });
  cdp.on('Network.responseReceivedExtraInfo', (event) => {
    wire(event.requestId).status = event.statusCode;
  });
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== kAttacker) {
      request.continue();
      return;
    }
    const body = kPages[url.pathname];
    request.respond(body
      ? { status: 200, contentType: 'text/html; charset=utf-8', body }
      : { status: 404, contentType: 'text/plain', body: 'not found' });
  });
  return page;
}

// Waits until `check` is true, or fails after `ms` saying `what`.
async function until(check, what, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}

// The node's answers to the requests `page` sent to `url` by `method`, as on the wire.
function sentTo(page, method, url = kCreate) {
  return [...page.wire.values()].filter((entry) => entry.method === method && entry.url === url);
}

// Waits for the node's answer to `page`'s one POST to CreateLesson, and checks it refused it.
async function refusal(page, how) {
  await until(() => sentTo(page, 'POST').some((entry) => entry.status),
    `the ${how} to reach the node (${JSON.stringify([...page.wire.values()])})`);
  const answered = sentTo(page, 'POST').filter((entry) => entry.status);
  assert.equal(answered.length, 1, `one ${how} answered: ${JSON.stringify(answered)}`);
  const [entry] = answered;
  assert.equal(entry.status, 403, `the ${how} is refused`);
  return entry;
}

flow(async () => {
  // Chromium's Local Network Access checks would stop a public site's scripts and frames from
  // reaching a console on 127.0.0.1 before the node saw them. Consoles are reached by many
  // browsers that have no such check, and on addresses it does not cover, so they are off: the
  // node's own defences must hold alone.
  const browser = await launchAs({ args: ['--disable-features=LocalNetworkAccessChecks'] });

  // The console's own pages and answers say who may frame and what may run.
  const own = await newPage(browser);
  for (const where of ['/', '/record']) {
    const response = await open(own, where);
    const headers = response.headers();
    assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, where);
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/, where);
    assert.match(headers['content-security-policy'] ?? '', /form-action 'self'/, where);
    assert.equal(headers['x-frame-options'], 'DENY', where);
    assert.equal(headers['x-content-type-options'], 'nosniff', where);
  }
  assert.match(await own.$eval('header', (header) => header.innerText), /Signed in as alice, editor/i);

  // (a) The auto-submitted form: the browser sends it with alice's certificate; the node refuses
  // it for want of the header only the console's scripts add.
  const form = await attackerPage(browser);
  await form.goto(`${kAttacker}/form`);
  await refusal(form, 'form post');
  await until(() => form.consoleAnswers.some((response) => response.url() === kCreate),
    'the form post\'s answer to load');
  const formAnswer = form.consoleAnswers.find((response) => response.url() === kCreate);
  assert.match(await formAnswer.text(), /need the header X-Cairn-Console/,
    'refused by the CSRF check, so the certificate was accepted');
  assert.match(formAnswer.request().postData() ?? '', /"title":"Forged by attacker.test \(form\)"/,
    'the browser sent the forged lesson');

  // (b) Scripted requests: both fail in the attacker's script.
  const scripted = await attackerPage(browser);
  await scripted.goto(`${kAttacker}/fetch`);
  await scripted.waitForFunction(() => Array.isArray(window.results), { timeout: 30000 });
  const results = await scripted.evaluate(() => window.results);
  const said = `${JSON.stringify(results)}; the page's messages: ${scripted.messages.join(' | ')
  }; failed requests: ${scripted.failures.join(' | ')}`;
  for (const result of results) assert.match(result.error ?? '', /TypeError/, said);
  // The no-cors POST went out, credentials and all, without the header (the browser drops it);
  // the node refused it, and its Cross-Origin-Resource-Policy kept even the opaque answer from
  // the script.
  const noCors = await refusal(scripted, 'no-cors fetch');
  assert.ok(noCors.sent, said);
  assert.equal(noCors.sent['X-Cairn-Console'] ?? noCors.sent['x-cairn-console'], undefined,
    'a no-cors request cannot carry the header');
  assert.ok(scripted.failures.some((failure) => /ERR_BLOCKED_BY_RESPONSE/.test(failure)), said);
  // The CORS request with the header needs the node's leave first, which the node refuses: the
  // POST itself is never sent.
  const preflights = sentTo(scripted, 'OPTIONS');
  assert.equal(preflights.length, 1, `one preflight: ${said}`);
  assert.equal(preflights[0].status, 403, said);
  assert.equal(sentTo(scripted, 'POST').filter((entry) => !entry.status).length, 1,
    `the CORS POST got no answer: ${said}`);

  // (c) The framed console does not render.
  const framing = await attackerPage(browser);
  await framing.goto(`${kAttacker}/frame`);
  await until(() => framing.consoleAnswers.some((response) => response.url() === `${consoleUrl}/record`),
    'the framed page to be fetched');
  await until(() => framing.messages.some((text) => /frame-ancestors 'none'/.test(text)),
    `Chromium refusing to frame the console (messages: ${framing.messages.join(' | ')})`);
  const frame = framing.frames().find((child) => child !== framing.mainFrame());
  assert.ok(frame, 'the attacker page has its frame');
  const rendered = await frame.evaluate(() =>
    document.querySelector('#lesson-form, .govuk-header, #cairn-who') !== null).catch(() => false);
  assert.equal(rendered, false, 'the console did not render inside the frame');

  // Nothing was created.
  const titles = async () => own.evaluate(async () => {
    const response = await fetch('/api/cairn.v1.LessonService/ListLessons', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
      body: JSON.stringify({ pageSize: 500 }),
    });
    return ((await response.json()).lessons ?? []).map((lesson) => lesson.title);
  });
  const before = await titles();
  assert.ok(before.includes('Tablets lose charge on long shifts'), before.join('\n'));
  assert.ok(!before.some((title) => title.includes(kForgedTitle)), before.join('\n'));
  await open(own, '/?q=forged&scope=local');
  await own.waitForFunction(() => /There are no matching results/.test(
    document.querySelector('#search-results')?.innerText ?? ''));
  await checkAccessibility(own, 'search page, nothing forged');

  // The control: the very body the attacker's form sent, from the console's own page with the
  // header, is a lesson the node records. Only the defences above stopped the forgery.
  const control = await own.evaluate(async (body) => (await fetch('/api/cairn.v1.LessonService/CreateLesson', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
    body,
  })).status, formAnswer.request().postData());
  assert.equal(control, 200, 'the forged body, sent from the console itself, is a valid lesson');
  assert.ok((await titles()).includes(`${kForgedTitle} (form)`));

  assertNoProblems(own);
  await browser.close();
  console.log(`cross-site flow passed against ${consoleUrl}`);
});
