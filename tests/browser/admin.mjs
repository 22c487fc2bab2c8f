// An admin of the council manages its peers: sees the police force and how pulling from it goes,
// adds a peer (after the node refuses a bad organisation id), changes the police peer, sets its
// policy (after the node refuses a syntax error, naming the line), reads the policy's history,
// explains why each council lesson would or would not go to the police, previews a draft,
// removes the added peer, and reads the audit log, filtered and page by page.
import {
  assert, assertNoProblems, checkAccessibility, consoleUrl, flow, flowData, launchAs, newPage,
  open, screenshot, textOf,
} from './lib.mjs';

const kNewPeer = 'west-fire';

// Clicks `selector` and waits for the page it loads.
async function follow(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click(selector)]);
}

// Replaces the value of the text control `selector` with `text`, typed from the keyboard.
async function retype(page, selector, text) {
  await page.$eval(selector, (control) => { control.value = ''; });
  await page.focus(selector);
  await page.keyboard.type(text);
}

async function waitForText(page, selector, pattern) {
  await page.waitForFunction(
    (sel, source) => new RegExp(source).test(document.querySelector(sel)?.innerText ?? ''),
    {}, selector, pattern.source);
}

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);

  // --- The peers page: the police force and the NHS trust, and replication from the police.
  await open(page, '/admin');
  await page.waitForSelector('#peers table');
  assert.match(await page.title(), /Peers - Cairn/);
  const header = await textOf(page, 'header');
  assert.match(header, /Signed in as ada, admin/);
  assert.match(header, /Admin/);
  const peers = await textOf(page, '#peers');
  assert.match(peers,
    new RegExp(`${flowData.police}\\s+Not given\\s+127\\.0\\.0\\.1:\\d+\\s+We pull from it`), peers);
  assert.match(peers, new RegExp(flowData.nhs));
  const replication = await textOf(page, '#replication');
  assert.match(replication, new RegExp(`Pulling from ${flowData.police}`), replication);
  // Both police lessons came over before the flow started.
  assert.match(replication, /Applied\s+2 lessons, 0 retractions/, replication);
  assert.match(replication, /Rejected\s+0 changes/, replication);
  assert.match(replication, /Last error\s+None/, replication);
  assert.ok(await page.$('a[href="/audit"]'), 'a link to the audit log');
  await checkAccessibility(page, 'peers page');
  await screenshot(page, 'admin-peers');

  // --- Add a peer: the node refuses a bad organisation id, named in the summary and inline.
  await page.type('#org_id', 'West Fire');
  await page.type('#address', 'cairn.west-fire.example:7443');
  await page.type('#sector', 'fire');
  await page.click('#may_query');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('.govuk-error-summary');
  const summary = await textOf(page, '.govuk-error-summary');
  assert.match(summary, /There is a problem/);
  assert.match(summary, /organisation ID 'West Fire' must start with a lower-case letter/, summary);
  assert.ok(await page.$('.govuk-error-summary a[href="#org_id"]'), 'the summary links to the field');
  assert.match(await textOf(page, '#org_id-error'), /must start with a lower-case letter/);
  assert.match(await page.title(), /^Error: /);
  assert.doesNotMatch(await textOf(page, '#peers'), /West Fire/);
  await checkAccessibility(page, 'peers page, a refused peer');
  await screenshot(page, 'admin-add-peer-error');

  await retype(page, '#org_id', kNewPeer);
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector(
    '.govuk-notification-banner--success, .govuk-error-summary:not(:has(a[href="#org_id"]))');
  assert.equal(await page.$('.govuk-error-summary'), null,
    `the error summary is gone: ${await textOf(page, 'main')} ${page.problems}`);
  assert.match(await textOf(page, '.govuk-notification-banner'), new RegExp(`${kNewPeer} was saved`));
  const withNew = await textOf(page, '#peers');
  assert.match(withNew, new RegExp(`${kNewPeer}\\s+fire\\s+cairn\\.west-fire\\.example:7443\\s+It may search`),
    withNew);
  assert.equal(await page.$eval('#org_id', (input) => input.value), '', 'the form is cleared');
  await checkAccessibility(page, 'peers page, a peer added');
  await screenshot(page, 'admin-peer-added');

  // --- The police peer's page.
  await follow(page, `#peers a[href="/peer?org=${flowData.police}"]`);
  await page.waitForSelector('#peer-view:not([hidden])');
  assert.equal(await textOf(page, 'h1'), flowData.police);
  assert.match(await page.title(), new RegExp(`${flowData.police} - Peer - Cairn`));
  assert.match(await textOf(page, '#peer-summary'), /We pull from it/);
  assert.match(await page.$eval('#policy_text', (area) => area.value), /markings: \[TLP_GREEN\]/);
  assert.match(await textOf(page, '#policy-state'), /Version 1, set .* by user ada/);
  await page.waitForSelector('#history table');
  await checkAccessibility(page, 'peer page');
  await screenshot(page, 'admin-peer');

  // Change the peer: let it pull from the council.
  assert.equal(await page.$eval('#may_pull', (box) => box.checked), false);
  await page.click('#may_pull');
  await page.click('#peer-form button[type=submit]');
  await waitForText(page, '.govuk-notification-banner', new RegExp(`${flowData.police} was saved`));
  assert.match(await textOf(page, '#peer-summary'), /It may pull/);

  // A policy with a syntax error on line 3: the node names the line, and so does the page.
  await retype(page, '#policy_text',
    'export {\n  markings: [TLP_GREEN, TLP_CLEAR]\n  colour: "blue"\n}\n');
  await page.click('#policy-form button[type=submit]');
  await page.waitForSelector('.govuk-error-summary');
  const policyError = await textOf(page, '.govuk-error-summary');
  assert.match(policyError, /Line 3, column \d+ of the policy: .*colour/, policyError);
  assert.ok(await page.$('.govuk-error-summary a[href="#policy_text"]'));
  assert.match(await textOf(page, '#policy_text-error'), /Line 3/);
  await checkAccessibility(page, 'peer page, a policy with a syntax error');
  await screenshot(page, 'admin-peer-policy-error');

  // Fixed: version 2, and the history shows both.
  await retype(page, '#policy_text',
    'export {\n  markings: [TLP_GREEN, TLP_CLEAR]\n  include_topics: ["battery"]\n}\n');
  await page.click('#policy-form button[type=submit]');
  await waitForText(page, '.govuk-notification-banner', /Policy version 2 saved/);
  assert.equal(await page.$('.govuk-error-summary'), null);
  assert.match(await textOf(page, '#policy-state'), /Version 2/);
  assert.match(await page.$eval('#policy_text', (area) => area.value),
    /markings: \[TLP_GREEN, TLP_CLEAR\]\n {2}include_topics: \["battery"\]/);
  await waitForText(page, '#history', /Version 2/);
  const history = await textOf(page, '#history');
  assert.match(history, /Version 2\s+Current[\s\S]*Version 1/, history);
  await page.click('#history details summary');
  assert.match(await textOf(page, '#history details'), /include_topics: \["battery"\]/);
  await checkAccessibility(page, 'peer page, a policy saved');
  await screenshot(page, 'admin-peer-policy-saved');

  // Explain each council lesson: the battery one goes, the other does not, and why.
  const decisions = [];
  for (const id of flowData.councilLessons) {
    await retype(page, '#lesson_id', id);
    await page.click('#explain-form button[type=submit]');
    await waitForText(page, '#explain-result', new RegExp(`Decision for lesson ${id}`));
    decisions.push(await textOf(page, '#explain-result'));
  }
  const goes = decisions.filter((text) => new RegExp(`Goes to ${flowData.police}`).test(text));
  const stays = decisions.filter((text) => new RegExp(`Does not go to ${flowData.police}`).test(text));
  assert.equal(goes.length, 1, decisions.join('\n---\n'));
  assert.equal(stays.length, 1, decisions.join('\n---\n'));
  assert.match(stays[0], /Deciding rule\s+export\.include_topics/, stays[0]);
  assert.match(stays[0], /Why\s+\S+/);
  await checkAccessibility(page, 'peer page, a decision explained');
  await screenshot(page, 'admin-peer-explain');

  // An id the node does not hold.
  await retype(page, '#lesson_id', 'no-such-lesson');
  await page.click('#explain-form button[type=submit]');
  await page.waitForSelector('#lesson_id-error');
  assert.match(await textOf(page, '.govuk-error-summary'), /no-such-lesson|lesson ID/);
  await checkAccessibility(page, 'peer page, an unknown lesson to explain');

  // Preview a draft without the topic condition: the other council lesson would be added.
  await retype(page, '#policy_text', 'export { markings: [TLP_GREEN, TLP_CLEAR] }\n');
  await page.click('#preview-button');
  await page.waitForSelector('#preview-heading');
  const preview = await textOf(page, '#preview-result');
  assert.match(preview, /Under the draft\s+2 lessons/, preview);
  assert.match(preview, /Under the current policy\s+1 lesson\b/, preview);
  assert.match(preview, /Added\s+1 lesson\b/, preview);
  assert.match(preview, /Withdrawn\s+0 lessons/, preview);
  assert.equal((await page.$$('#preview-sample li')).length, 2);
  assert.match(preview, /Tablets lose charge on long shifts/);
  assert.match(preview, /Shared tablets need wiping between users/);
  assert.equal(await page.$('.govuk-error-summary'), null);
  await checkAccessibility(page, 'peer page, a draft previewed');
  await screenshot(page, 'admin-peer-preview');
  // Previewing changed nothing.
  await page.reload({ waitUntil: 'networkidle0' });
  await page.waitForSelector('#peer-view:not([hidden])');
  assert.match(await textOf(page, '#policy-state'), /Version 2/);

  // --- Remove the added peer, after a confirmation step.
  await open(page, `/peer?org=${kNewPeer}`);
  await page.waitForSelector('#peer-view:not([hidden])');
  await follow(page, '#remove-link');
  await page.waitForSelector('#remove-view:not([hidden])');
  assert.match(await textOf(page, 'h1'), new RegExp(`Are you sure you want to remove ${kNewPeer}\\?`));
  assert.match(await textOf(page, '#remove-confirm'), new RegExp(`Yes, remove ${kNewPeer}`));
  await checkAccessibility(page, 'peer page, confirming removal');
  await screenshot(page, 'admin-peer-remove');
  await follow(page, '#remove-confirm');
  await page.waitForSelector('#peers table');
  assert.match(await textOf(page, '.govuk-notification-banner'), new RegExp(`${kNewPeer} was removed`));
  assert.doesNotMatch(await textOf(page, '#peers'), new RegExp(kNewPeer));
  await checkAccessibility(page, 'peers page, a peer removed');
  await screenshot(page, 'admin-peer-removed');
  // A link claiming a peer still listed was removed shows no banner.
  await open(page, `/admin?removed=${flowData.police}`);
  await page.waitForSelector('#peers table');
  assert.match(await textOf(page, '#peers'), new RegExp(flowData.police));
  assert.equal(await page.$$eval('.govuk-notification-banner', (found) => found.length), 0,
    'no banner for a peer that is still there');
  await open(page, `/peer?org=${kNewPeer}`);
  await waitForText(page, 'h1', /Page not found/);

  // --- The audit log: everything, newest first.
  await open(page, '/audit');
  await page.waitForSelector('#audit-table');
  const all = await textOf(page, '#audit-table');
  assert.match(all, new RegExp(`user ada\\s+peer\\.remove\\s+${kNewPeer}`), all);
  assert.match(all, new RegExp(`user ada\\s+peer\\.add\\s+${kNewPeer}`), all);
  await checkAccessibility(page, 'audit log');
  await screenshot(page, 'admin-audit');

  // Filtered by action, through the form: only policy changes, ada's to the police among them.
  await page.type('#action', 'policy.set');
  await follow(page, '#audit-form button[type=submit]');
  await page.waitForSelector('#audit-table');
  assert.match(page.url(), /action=policy\.set/);
  assert.equal(await page.$eval('#action', (input) => input.value), 'policy.set');
  const actions = await page.$$eval('#audit-table tbody tr td:nth-child(3)',
    (cells) => cells.map((cell) => cell.innerText.trim()));
  assert.ok(actions.length > 0 && actions.every((action) => action === 'policy.set'), actions.join());
  const policies = await textOf(page, '#audit-table');
  assert.match(policies, new RegExp(`user ada\\s+policy\\.set\\s+${flowData.police}\\s+Version 1 to 2`),
    policies);
  await checkAccessibility(page, 'audit log, filtered');
  await screenshot(page, 'admin-audit-filtered');

  // A date that does not exist: the page says so before asking the node.
  await open(page, '/audit?since-day=31&since-month=2&since-year=2026');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await textOf(page, '.govuk-error-summary'), /The from date must be a real date/);
  assert.ok(await page.$('.govuk-error-summary a[href="#since"]'));
  await checkAccessibility(page, 'audit log, a bad date');
  await screenshot(page, 'admin-audit-error');

  // A filter nothing matches.
  await open(page, '/audit?action=nothing.here');
  await waitForText(page, '#audit-progress', /No event matches these filters/);
  await checkAccessibility(page, 'audit log, nothing matches');

  // Page by page with page tokens: two events a page, next, next, then back.
  await open(page, '/audit?size=2');
  await page.waitForSelector('#audit-table');
  const first = await textOf(page, '#audit-table tbody');
  assert.equal((await page.$$('#audit-table tbody tr')).length, 2);
  assert.equal(await page.$('.govuk-pagination__prev'), null);
  await follow(page, '.govuk-pagination__next a');
  await page.waitForSelector('#audit-table');
  assert.match(await textOf(page, '#audit-progress'), /on page 2/);
  const second = await textOf(page, '#audit-table tbody');
  assert.notEqual(second, first);
  await follow(page, '.govuk-pagination__next a');
  await page.waitForSelector('#audit-table');
  assert.match(await textOf(page, '#audit-progress'), /on page 3/);
  await checkAccessibility(page, 'audit log, page 3');
  await follow(page, '.govuk-pagination__prev a');
  await page.waitForSelector('#audit-table');
  assert.equal(await textOf(page, '#audit-table tbody'), second);
  await follow(page, '.govuk-pagination__prev a');
  await page.waitForSelector('#audit-table');
  assert.equal(await textOf(page, '#audit-table tbody'), first);

  // The 400s and 404s are the refusals above, caused on purpose.
  assertNoProblems(page, [/status of 400/, /status of 404/]);
  await browser.close();
  console.log(`admin flow passed against ${consoleUrl}`);
});
