// A federated search with every node up: a lesson only a peer holds is shown as the peer sent it
// (title, origin, marking, snippet) but not linked, since the lesson page reads this node only;
// lessons this node holds still link to their page.
import {
  assert, assertNoProblems, checkAccessibility, flow, flowData, launchAs, newPage, open,
  screenshot, textOf,
} from './lib.mjs';

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);
  await open(page, '/?q=battery&scope=federation');
  await page.waitForFunction(
    () => /Search finished/.test(document.querySelector('#search-progress')?.innerText ?? ''),
    { timeout: 60000 });
  const nodes = await textOf(page, '#nodes-asked');
  assert.match(nodes, new RegExp(`${flowData.nhs}[\\s\\S]*OK`), nodes);

  const hits = await page.$$eval('#search-results .cairn-result', (items) => items.map((item) => ({
    text: item.innerText,
    links: [...item.querySelectorAll('a')].map((a) => a.getAttribute('href')),
  })));
  const find = (title) => {
    const hit = hits.find((entry) => entry.text.includes(title));
    assert.ok(hit, `${title} among the results: ${JSON.stringify(hits)}`);
    return hit;
  };

  // The NHS trust's lesson: the council may search it but holds no copy.
  const remote = find('Handheld devices run flat during night rounds');
  assert.deepEqual(remote.links, [], 'no link to a lesson page this node cannot show');
  assert.match(remote.text, new RegExp(`Not held by this node: held by ${flowData.nhs}`), remote.text);
  assert.match(remote.text, new RegExp(`From ${flowData.nhs} \\(health\\)`), remote.text);
  assert.match(remote.text, /TLP:GREEN/);
  assert.match(remote.text, /Lesson identified/);
  assert.match(remote.text, /ran out of battery/, 'the snippet the peer sent');

  // The council's own lesson and the police lesson it holds a copy of still link.
  for (const title of ['Tablets lose charge on long shifts', 'Mobile data terminals drain vehicle batteries']) {
    const held = find(title);
    assert.equal(held.links.length, 1, held.text);
    assert.match(held.links[0], /^\/lesson\?id=/);
    assert.doesNotMatch(held.text, /Not held by this node/);
    assert.match(held.text, new RegExp(`Held by [^\\n]*${flowData.council}`), held.text);
  }
  await checkAccessibility(page, 'search page, federated results held only by a peer');
  await screenshot(page, 'search-federated-remote');

  assertNoProblems(page);
  await browser.close();
});
