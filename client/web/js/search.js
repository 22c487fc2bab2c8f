// The search page. Its state lives in the URL (/?q=...&scope=federation), so the form is a plain
// GET form and every page of results, facet and "show more" is an ordinary link: back, forward,
// bookmarks and shared links all work. This module reads the URL, asks the node and renders.
//
// URL parameters:
//   q       the query, in the node's query language
//   like    more like this: the id of the lesson to find related lessons for (q then narrows)
//   all     "1": every word must match (the strict mode); otherwise words are natural
//   scope   "federation" for every node that lets us search it; anything else is this node only
//   token   local: the page token of the page shown ('' or absent for the first)
//   prev    local: the tokens of the pages before it, oldest first (the stack for "Previous")
//   size    federation: how many merged results to ask for (grows with "Show more results")

import * as api from './api.js';
import {
  byId, filterTerm, fill, formatDate, formatNumber, h, highlighted, lessonHref, markingTag, pagination,
  plural, showErrorSummary, statusTag, statusText,
} from './dom.js';
import { startPage } from './page.js';

const kLocalPageSize = 10;
const kFederatedFirst = 10;
const kFederatedStep = 20;
const kFederatedMax = 100;  // the node's limit on page_size

const kFacetNames = { sector: 'Sector', org: 'Organisation', topic: 'Topic', status: 'Status' };
const kStatusOfFacet = {
  observation: 'OBSERVATION', identified: 'LESSON_IDENTIFIED', learned: 'LESSON_LEARNED',
  superseded: 'SUPERSEDED', retracted: 'RETRACTED',
};

const params = new URLSearchParams(window.location.search);
const state = {
  query: (params.get('q') ?? '').trim(),
  like: (params.get('like') ?? '').trim(),
  allWords: params.get('all') === '1',
  federation: params.get('scope') === 'federation',
  token: params.get('token') ?? '',
  previous: params.getAll('prev'),
  size: Math.min(kFederatedMax, Math.max(kFederatedFirst,
    Number.parseInt(params.get('size') ?? '', 10) || kFederatedFirst)),
};

const progress = byId('search-progress');
const results = byId('search-results');

// The URL of the search page for `changes` applied to the current state.
function searchHref(changes) {
  const next = { ...state, ...changes };
  const out = new URLSearchParams();
  out.set('q', next.query);
  if (next.like) out.set('like', next.like);
  if (next.allWords) out.set('all', '1');
  if (next.federation) {
    out.set('scope', 'federation');
    if (next.size !== kFederatedFirst) out.set('size', String(next.size));
  } else {
    out.set('scope', 'local');
    if (next.token) out.set('token', next.token);
    for (const token of next.previous) out.append('prev', token);
  }
  return `/?${out.toString()}`;
}

function facetLabel(field, value) {
  if (field === 'status' && kStatusOfFacet[value]) return statusText(kStatusOfFacet[value]);
  return value;
}

function renderFacets(facets) {
  const lowered = state.query.toLowerCase();
  const groups = (facets ?? []).filter((facet) => kFacetNames[facet.field] && facet.values?.length);
  if (groups.length === 0) return null;
  return h('div', { class: 'cairn-facets' },
    h('h2', { class: 'govuk-heading-m' }, 'Narrow your search'),
    groups.map((facet) => h('div', { class: 'cairn-facet' },
      h('h3', { class: 'govuk-heading-s cairn-facet__title' }, kFacetNames[facet.field]),
      h('ul', { class: 'govuk-list' }, facet.values.map((entry) => {
        const value = entry.value ?? '';
        const term = filterTerm(facet.field, value);
        const label = [facetLabel(facet.field, value), ' (', formatNumber(entry.count),
          h('span', { class: 'govuk-visually-hidden' }, Number(entry.count) === 1 ? ' result' : ' results'),
          ')'];
        if (!term || lowered.includes(term.toLowerCase())) return h('li', {}, label);
        return h('li', {}, h('a', {
          class: 'govuk-link',
          href: searchHref({ query: `${state.query} ${term}`, token: '', previous: [] }),
        }, label));
      })))));
}

// One result. `holders` are the nodes that returned a federated hit (null for this node's own
// search); `ownOrg` is this node's organisation. The lesson page reads this node only, so a hit
// only peers hold is shown as the peer sent it, without a link that would end on "Page not found".
function renderHit(hit, holders, index, ownOrg = '') {
  const title = hit.title?.trim() ? hit.title : `Untitled lesson ${hit.lessonId ?? ''}`;
  const origin = [hit.originOrg, hit.originSector ? `(${hit.originSector})` : null]
    .filter(Boolean).join(' ');
  const meta = [origin ? `From ${origin}` : 'Origin not known'];
  if (hit.occurredAt) meta.push(`happened ${formatDate(hit.occurredAt)}`);
  const heldHere = !holders || holders.includes(ownOrg);
  const heldBy = holders?.length ? holders.join(', ') : 'no node named';
  return h('li', { class: 'cairn-result', id: `result-${index + 1}` },
    h('h3', { class: 'govuk-heading-s cairn-result__title' }, heldHere
      ? h('a', { class: 'govuk-link', href: lessonHref(hit.lessonId ?? '') }, title)
      : title),
    h('p', { class: 'cairn-result__meta' }, meta.join(', ')),
    h('p', { class: 'cairn-tags' }, markingTag(hit.marking), ' ', statusTag(hit.status)),
    hit.snippet
      ? h('p', { class: 'govuk-body cairn-snippet' }, highlighted(hit.snippet, hit.highlights))
      : null,
    hit.viaVocabulary?.length
      ? h('p', { class: 'govuk-body-s cairn-result__meta' },
        'Found through the vocabulary: ', equivalentsText(hit.viaVocabulary), '.')
      : null,
    !holders ? null : heldHere
      ? h('p', { class: 'govuk-body-s cairn-result__meta' }, `Held by ${heldBy}`)
      : h('p', { class: 'govuk-body-s cairn-result__meta cairn-result__remote' },
        h('strong', {}, 'Not held by this node:'), ` held by ${heldBy}. `,
        'What is shown here is all its holder sent; ask them for the full lesson.'));
}

// "“tablet” as “mobile data terminal” or “handheld device”", one clause for each run of words.
function equivalentsText(equivalents) {
  const byWords = new Map();
  for (const { words = '', phrase = '' } of equivalents) {
    byWords.set(words, [...(byWords.get(words) ?? []), `“${phrase}”`]);
  }
  return [...byWords].map(([words, phrases]) => `“${words}” as ${phrases.join(' or ')}`).join('; ');
}

// "Did you mean", as a link to the search with the respelt words.
function renderDidYouMean(interpretation) {
  const respelt = interpretation?.didYouMean;
  if (!respelt) return null;
  return h('p', { class: 'govuk-body', id: 'did-you-mean' }, 'Did you mean ',
    h('a', { class: 'govuk-link', href: searchHref({ query: respelt, token: '', previous: [] }) },
      respelt), '?');
}

// More like this: which lesson the results are like, and that other sectors come first.
function renderLike(interpretation) {
  const like = interpretation?.like;
  if (!like) return null;
  return h('p', { class: 'govuk-body', id: 'like-lesson' }, 'Lessons like ',
    h('a', { class: 'govuk-link', href: lessonHref(like.lessonId ?? '') },
      like.title?.trim() ? like.title : like.lessonId),
    like.originSector ? `, other sectors than ${like.originSector} first` : '',
    interpretation.words?.length ? `, by its words: ${interpretation.words.join(', ')}.` : '.');
}

// What the search tried, so a search that found nothing can be rephrased knowingly.
function renderTried(interpretation) {
  if (!interpretation) return null;
  const rows = [];
  const row = (key, value) => rows.push(h('div', { class: 'govuk-summary-list__row' },
    h('dt', { class: 'govuk-summary-list__key' }, key),
    h('dd', { class: 'govuk-summary-list__value' }, value)));
  if (interpretation.words?.length) {
    row(interpretation.allWords ? 'Lessons with every one of' : 'Lessons with any of',
      interpretation.words.join(', '));
  }
  if (!interpretation.allWords && interpretation.required?.length) {
    row('Each of which had to occur', interpretation.required.join(', '));
  }
  if (interpretation.ignored?.length) row('Left out as too common', interpretation.ignored.join(', '));
  if (interpretation.equivalents?.length) {
    row('Also tried, from the vocabulary', equivalentsText(interpretation.equivalents));
  }
  if (interpretation.unknown?.length) row('No lesson here holds', interpretation.unknown.join(', '));
  if (rows.length === 0) return null;
  return [h('h3', { class: 'govuk-heading-s' }, 'What was searched for'),
    h('dl', { class: 'govuk-summary-list', id: 'search-tried' }, rows)];
}

function renderNoResults(interpretation) {
  return [
    renderLike(interpretation),
    h('h2', { class: 'govuk-heading-m' }, 'There are no matching results'),
    renderDidYouMean(interpretation),
    renderTried(interpretation),
    h('p', { class: 'govuk-body' }, 'Improve your search results by:'),
    h('ul', { class: 'govuk-list govuk-list--bullet' },
      h('li', {}, 'using fewer words, or different words with the same meaning'),
      h('li', {}, 'checking your spelling'),
      h('li', {}, 'removing filters such as sector: or topic:'),
      state.allWords ? h('li', {},
        h('a', { class: 'govuk-link', href: searchHref({ allWords: false, token: '', previous: [] }) },
          'letting lessons match fewer of your words')) : null,
      state.federation ? null : h('li', {},
        h('a', { class: 'govuk-link', href: searchHref({ federation: true }) },
          'searching the whole federation'), ', not just this node')),
  ];
}

// Puts the results beside the facets: two columns on wide screens, facets first on narrow ones.
function layoutResults(facets, ...content) {
  const side = renderFacets(facets);
  fill(results, h('div', { class: 'govuk-grid-row' },
    side ? h('div', { class: 'govuk-grid-column-one-third' }, side) : null,
    h('div', { class: side ? 'govuk-grid-column-two-thirds' : 'govuk-grid-column-full' },
      content)));
}

// A refusal of the query itself goes beside the search box, as GOV.UK forms show errors.
function showQueryError(error) {
  const group = byId('q-group');
  const input = byId('q');
  group.classList.add('govuk-form-group--error');
  input.classList.add('govuk-input--error');
  const message = h('p', { class: 'govuk-error-message', id: 'q-error' },
    h('span', { class: 'govuk-visually-hidden' }, 'Error: '), error.message);
  input.before(message);
  input.setAttribute('aria-describedby', 'q-hint q-error');
  document.title = `Error: ${document.title}`;
  showErrorSummary(byId('search-errors'), [{ text: error.message, href: '#q' }]);
}

function showFailure(error) {
  if (error.code === 'INVALID_ARGUMENT') {
    showQueryError(error);
    progress.textContent = '';
    return;
  }
  progress.textContent = '';
  const advice = {
    PERMISSION_DENIED: 'Your role does not allow this search.',
    RESOURCE_EXHAUSTED: 'The node is busy. Wait a moment and search again.',
    UNAVAILABLE: 'The node is not available. Try again in a moment.',
    DEADLINE_EXCEEDED: 'The search took too long. Try a more specific query.',
  }[error.code] ?? 'Try again. If it keeps happening, tell your node\'s operator.';
  fill(results, h('div', { class: 'govuk-error-summary', role: 'alert', tabindex: '-1' },
    h('h2', { class: 'govuk-error-summary__title' }, 'The search did not work'),
    h('div', { class: 'govuk-error-summary__body' },
      h('p', { class: 'govuk-body' }, error.message),
      h('p', { class: 'govuk-body' }, advice))));
}

async function searchLocal() {
  progress.textContent = 'Searching this node…';
  const answer = await api.search({
    query: state.query,
    pageSize: kLocalPageSize,
    pageToken: state.token || undefined,
    allWords: state.allWords,
    likeLessonId: state.like || undefined,
  });
  const hits = answer.hits ?? [];
  const total = Number(answer.totalHits ?? 0);
  const first = state.previous.length * kLocalPageSize + 1;
  if (hits.length === 0 && state.previous.length === 0) {
    progress.textContent = 'No results on this node.';
    layoutResults(answer.facets, renderNoResults(answer.interpretation));
    return;
  }
  const last = first + hits.length - 1;
  progress.textContent = `${plural(total, 'result')} on this node.`;
  const previousHref = state.previous.length
    ? searchHref({ token: state.previous.at(-1), previous: state.previous.slice(0, -1) })
    : null;
  if (hits.length === 0) {  // a page past the end: lessons changed since the link was made
    layoutResults(answer.facets,
      h('h2', { class: 'govuk-heading-m' }, 'No more results'),
      h('p', { class: 'govuk-body' }, 'The results have changed since this page was linked.'),
      pagination(previousHref, null));
    return;
  }
  const nextHref = answer.nextPageToken
    ? searchHref({ token: answer.nextPageToken, previous: [...state.previous, state.token] })
    : null;
  layoutResults(answer.facets,
    renderLike(answer.interpretation),
    renderDidYouMean(answer.interpretation),
    h('h2', { class: 'govuk-heading-m' }, plural(total, 'result')),
    total > hits.length || state.previous.length
      ? h('p', { class: 'govuk-body-s' },
        `Showing ${formatNumber(first)} to ${formatNumber(last)} of ${formatNumber(total)}`)
      : null,
    h('ol', { class: 'cairn-results', start: first }, hits.map((hit, i) => renderHit(hit, null, first - 1 + i))),
    pagination(previousHref, nextHref));
}

const kPeerStates = {
  OK: { text: 'OK', colour: 'green' },
  TIMED_OUT: { text: 'Timed out', colour: 'yellow' },
  UNREACHABLE: { text: 'Unreachable', colour: 'red' },
  REFUSED: { text: 'Refused', colour: 'orange' },
  FAILED: { text: 'Failed', colour: 'red' },
  NOT_ASKED: { text: 'Not asked', colour: 'grey' },
};

// The "Nodes asked" table, one row per node, updated as each answer arrives.
class NodesTable {
  constructor(ownOrg) {
    this.ownOrg = ownOrg;
    this.rows = new Map();
    this.body = h('tbody', { class: 'govuk-table__body' });
    this.element = h('table', { class: 'govuk-table', id: 'nodes-asked' },
      h('caption', { class: 'govuk-table__caption govuk-table__caption--m' }, 'Nodes asked'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
        h('th', { scope: 'col', class: 'govuk-table__header' }, 'Node'),
        h('th', { scope: 'col', class: 'govuk-table__header' }, 'Answer'),
        h('th', { scope: 'col', class: 'govuk-table__header govuk-table__header--numeric' }, 'Results'),
        h('th', { scope: 'col', class: 'govuk-table__header govuk-table__header--numeric' }, 'Time'))),
      this.body);
  }

  // Adds or replaces the row of `outcome.org`; returns a sentence saying how it answered.
  update(outcome) {
    const org = outcome.org ?? 'unknown node';
    const known = kPeerStates[outcome.state] ?? { text: 'Unknown', colour: 'grey' };
    const ok = outcome.state === 'OK';
    const details = [];
    if (outcome.error) details.push(outcome.error);
    if (Number(outcome.rejected ?? 0) > 0) {
      details.push(`${plural(outcome.rejected, 'lesson')} dropped: ${
        (outcome.rejections ?? []).join('; ') || 'they did not verify'}`);
    }
    const latency = outcome.latencyMs === undefined ? '' : `${formatNumber(Math.round(outcome.latencyMs))} ms`;
    const row = h('tr', { class: 'govuk-table__row' },
      h('th', { scope: 'row', class: 'govuk-table__header' }, org,
        org === this.ownOrg ? h('span', { class: 'cairn-detail' }, 'this node') : null),
      h('td', { class: 'govuk-table__cell' },
        h('strong', { class: `govuk-tag govuk-tag--${known.colour}` }, known.text),
        details.map((text) => h('span', { class: 'cairn-detail' }, text))),
      h('td', { class: 'govuk-table__cell govuk-table__cell--numeric' },
        ok ? formatNumber(outcome.hits ?? 0) : h('span', {}, '–',
          h('span', { class: 'govuk-visually-hidden' }, 'none'))),
      h('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, latency));
    const old = this.rows.get(org);
    if (old) old.replaceWith(row);
    else this.body.append(row);
    this.rows.set(org, row);
    return ok ? `${org}: ${plural(outcome.hits ?? 0, 'result')}` : `${org}: ${known.text.toLowerCase()}`;
  }
}

async function searchFederation(who) {
  const table = new NodesTable(who.orgId);
  const merged = h('div', {});
  const holder = h('div', {}, table.element, merged);
  fill(results, h('div', { class: 'govuk-grid-row' },
    h('div', { class: 'govuk-grid-column-full' }, holder)));
  progress.textContent = 'Asking the nodes of the federation…';
  let answered = 0;
  let result = null;
  const request = {
    query: state.query, pageSize: state.size, allWords: state.allWords,
    likeLessonId: state.like || undefined,
  };
  await api.federatedSearch(request, (event) => {
    if (event.peer) {
      answered += 1;
      const said = table.update(event.peer.outcome ?? {});
      progress.textContent = `${plural(answered, 'node')} answered so far. Latest: ${said}.`;
    } else if (event.result) {
      result = event.result;
    }
  });
  if (!result) {
    progress.textContent = 'The search ended without a result.';
    return;
  }
  const peers = result.peers ?? [];
  for (const outcome of peers) table.update(outcome);
  const okCount = peers.filter((outcome) => outcome.state === 'OK').length;
  const hits = result.hits ?? [];
  const total = Number(result.totalHits ?? 0);
  progress.textContent = `Search finished: ${plural(hits.length, 'lesson')} found. ${okCount} of ${
    plural(peers.length, 'node')} answered.`;
  const side = renderFacets(result.facets);
  const more = hits.length >= state.size && state.size < kFederatedMax;
  fill(results, h('div', { class: 'govuk-grid-row' },
    side ? h('div', { class: 'govuk-grid-column-one-third' }, side) : null,
    h('div', { class: side ? 'govuk-grid-column-two-thirds' : 'govuk-grid-column-full' },
      table.element,
      hits.length === 0 ? renderNoResults(result.interpretation) : [
        renderLike(result.interpretation),
        renderDidYouMean(result.interpretation),
        h('h2', { class: 'govuk-heading-m' }, plural(hits.length, 'lesson')),
        h('p', { class: 'govuk-body-s' }, `Best first, merged from every node that answered. ${
          plural(total, 'match', 'matches')} in all (a lesson held by two nodes counts twice).`),
        h('ol', { class: 'cairn-results' },
          hits.map((entry, i) => renderHit(entry.hit ?? {}, entry.holders ?? [], i, who.orgId))),
        more ? h('p', { class: 'govuk-body' }, h('a', {
          class: 'govuk-link',
          href: `${searchHref({ size: Math.min(kFederatedMax, state.size + kFederatedStep) })}#result-${
            hits.length + 1}`,
        }, 'Show more results')) : null,
      ])));
}

// After "Show more results", puts the keyboard where the new results start.
function focusFragment() {
  const target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  const link = target?.querySelector('a');
  if (link) {
    link.focus();
  } else if (target) {  // a hit only peers hold has no link: its title takes the focus
    const title = target.querySelector('h3') ?? target;
    title.setAttribute('tabindex', '-1');
    title.focus();
  }
}

async function run() {
  const who = await startPage('search');
  if (!api.mayRead(who)) {
    // A contributor may only speak up: the home page for them is that one.
    window.location.replace('/speak-up');
    return;
  }
  byId('q').value = state.query;
  byId(state.federation ? 'scope-federation' : 'scope-local').checked = true;
  byId('all-words').checked = state.allWords;
  if (state.like) {
    // A narrowing typed into the box stays more like the same lesson.
    byId('search-form').append(h('input', { type: 'hidden', name: 'like', value: state.like }));
  }
  if (!state.query && !state.like) return;
  document.title = `${state.like ? 'More like this' : state.query} - Search - Cairn`;
  try {
    if (state.federation) await searchFederation(who);
    else await searchLocal();
    focusFragment();
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    showFailure(error);
  }
}

run();
