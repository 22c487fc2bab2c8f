// Building page content from data with DOM APIs only. Lesson text comes from other organisations
// and may hold markup meant to run here, so nothing from an answer is ever parsed as HTML: text
// goes in as text nodes, and the only attributes set from data are ones this module builds (links
// are always to this origin's own paths).

import { ErrorSummary } from '../govuk/govuk-frontend.min.js';

// h('a', {class: 'govuk-link', href: '/x'}, 'text', child, [more]): an element with attributes
// and children. `class` sets className, `text` the text content; a false, null or undefined
// attribute is left out, `true` sets it empty. Children may be strings (text), nodes, arrays
// or null (skipped).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
  return parent;
}

// Replaces everything inside `parent` with `children`.
export function fill(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

export function byId(id) {
  return document.getElementById(id);
}

const kNumber = new Intl.NumberFormat('en-GB');

// "2,102": uint64 fields arrive as strings.
export function formatNumber(value) {
  const number = Number(value ?? 0);
  return Number.isFinite(number) ? kNumber.format(number) : String(value);
}

// "1 result", "2,102 results".
export function plural(count, one, many = `${one}s`) {
  return `${formatNumber(count)} ${Number(count) === 1 ? one : many}`;
}

const kDate = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
});
const kDateTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit',
  hour12: true, timeZone: 'UTC', timeZoneName: 'short',
});

function formatWith(format, timestamp) {
  if (!timestamp) return '';
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? String(timestamp) : format.format(date);
}

// "3 March 2024" from an RFC 3339 timestamp (UTC day).
export function formatDate(timestamp) {
  return formatWith(kDate, timestamp);
}

// "3 March 2024 at 2:05pm UTC".
export function formatDateTime(timestamp) {
  return formatWith(kDateTime, timestamp);
}

// TLP 2.0 markings as the GOV.UK tag colour closest to the traffic light.
const kMarkings = {
  TLP_RED: { text: 'TLP:RED', colour: 'red' },
  TLP_AMBER_STRICT: { text: 'TLP:AMBER+STRICT', colour: 'orange' },
  TLP_AMBER: { text: 'TLP:AMBER', colour: 'yellow' },
  TLP_GREEN: { text: 'TLP:GREEN', colour: 'green' },
  TLP_CLEAR: { text: 'TLP:CLEAR', colour: 'grey' },
};

const kStatuses = {
  OBSERVATION: { text: 'Observation', colour: 'blue' },
  LESSON_IDENTIFIED: { text: 'Lesson identified', colour: 'purple' },
  LESSON_LEARNED: { text: 'Lesson learned', colour: 'teal' },
  SUPERSEDED: { text: 'Superseded', colour: 'grey' },
  RETRACTED: { text: 'Retracted', colour: 'magenta' },
};

export const kPolarities = {
  GOOD_PRACTICE: 'Good practice',
  AREA_FOR_IMPROVEMENT: 'Area for improvement',
};

export const kClassifications = {
  OFFICIAL: 'OFFICIAL',
  OFFICIAL_SENSITIVE: 'OFFICIAL-SENSITIVE',
};

export function markingText(marking) {
  return kMarkings[marking]?.text ?? 'TLP not set';
}

export function statusText(status) {
  return kStatuses[status]?.text ?? 'Status not set';
}

function tag(known, fallback) {
  const colour = known?.colour ?? 'grey';
  const classes = colour === 'blue' ? 'govuk-tag' : `govuk-tag govuk-tag--${colour}`;
  return h('strong', { class: classes }, known?.text ?? fallback);
}

export function markingTag(marking) {
  return tag(kMarkings[marking], 'TLP not set');
}

export function statusTag(status) {
  return tag(kStatuses[status], 'Status not set');
}

// `snippet` with each highlight wrapped in <mark>. Highlights are byte ranges of the snippet's
// UTF-8 encoding, so they are cut from the bytes and decoded back, never from string indices.
export function highlighted(snippet, highlights) {
  const bytes = new TextEncoder().encode(snippet ?? '');
  const decoder = new TextDecoder();
  const ranges = (highlights ?? [])
    .map((range) => [Number(range.begin ?? 0), Number(range.end ?? 0)])
    .filter(([begin, end]) => begin < end)
    .sort((a, b) => a[0] - b[0]);
  const parts = [];
  let at = 0;
  for (let [begin, end] of ranges) {
    begin = Math.max(begin, at);
    end = Math.min(end, bytes.length);
    if (begin >= end) continue;
    if (begin > at) parts.push(decoder.decode(bytes.subarray(at, begin)));
    parts.push(h('mark', {}, decoder.decode(bytes.subarray(begin, end))));
    at = end;
  }
  if (at < bytes.length) parts.push(decoder.decode(bytes.subarray(at)));
  return parts;
}

// Multi-line text as paragraphs, one per blank-line-separated block.
export function paragraphs(text, classes = 'govuk-body') {
  return String(text ?? '')
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => h('p', { class: `${classes} cairn-pre-line` }, block));
}

// A GOV.UK error summary for `errors` ([{text, href}]; href '' for an error with no field),
// placed at the top of `container` and focused so screen readers read it out.
export function showErrorSummary(container, errors) {
  clearErrorSummary(container);
  const summary = h('div', { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary' },
    h('div', { role: 'alert' },
      h('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      h('div', { class: 'govuk-error-summary__body' },
        h('ul', { class: 'govuk-list govuk-error-summary__list' },
          errors.map(({ text, href, extra }) => h('li', {},
            href ? h('a', { href }, text) : text,
            extra ?? null))))));
  container.prepend(summary);
  new ErrorSummary(summary);  // focuses it and makes its links move focus to the field
  return summary;
}

export function clearErrorSummary(container) {
  for (const old of container.querySelectorAll(':scope > .govuk-error-summary')) old.remove();
}

// The "Page not found" content GOV.UK services show, for a lesson that is not here.
export function notFound(main, what) {
  document.title = 'Page not found - Cairn';
  fill(main,
    h('h1', { class: 'govuk-heading-l' }, 'Page not found'),
    h('p', { class: 'govuk-body' }, what),
    h('p', { class: 'govuk-body' },
      'If you followed a link, it may be out of date: the lesson may have been deleted, or its ' +
      'organisation may no longer share it with yours.'),
    h('p', { class: 'govuk-body' },
      h('a', { class: 'govuk-link', href: '/' }, 'Search for lessons')));
}

// A message for a call that failed in a way the page cannot fix, as a GOV.UK error page body.
export function failed(main, error, doing) {
  document.title = `Sorry, there is a problem - Cairn`;
  fill(main,
    h('h1', { class: 'govuk-heading-l' }, 'Sorry, there is a problem'),
    h('p', { class: 'govuk-body' }, `${doing} did not work.`),
    h('p', { class: 'govuk-body' }, `The node said: ${error.message}`),
    h('p', { class: 'govuk-body' }, 'Try again later. If it keeps happening, tell your node\'s operator.'));
}

// The page a user gets instead of one they may not use: `heading` ("You cannot ..."), the reason
// (a string, or an array of strings, one paragraph each), and a way back (`back`: {href, text}).
export function refusal(main, heading, why, back) {
  document.title = `${heading} - Cairn`;
  fill(main,
    h('h1', { class: 'govuk-heading-l' }, heading),
    [why].flat().map((text) => h('p', { class: 'govuk-body' }, text)),
    h('p', { class: 'govuk-body' }, h('a', { class: 'govuk-link', href: back.href }, back.text)));
}

// A GOV.UK success notification banner: its heading (text or nodes), then a paragraph for each
// of `body`. Focusable (tabindex -1), so a page can move focus to it and have it read out.
export function successBanner(heading, ...body) {
  return h('div', {
    class: 'govuk-notification-banner govuk-notification-banner--success',
    role: 'alert', 'aria-labelledby': 'success-title', tabindex: '-1',
    'data-module': 'govuk-notification-banner',
  },
  h('div', { class: 'govuk-notification-banner__header' },
    h('h2', { class: 'govuk-notification-banner__title', id: 'success-title' }, 'Success')),
  h('div', { class: 'govuk-notification-banner__content' },
    h('p', { class: 'govuk-notification-banner__heading' }, heading),
    body.map((text) => h('p', { class: 'govuk-body' }, text))));
}

// A row of a GOV.UK summary list: `key`, and the value's parts (text, nodes, arrays or null).
export function summaryRow(key, ...value) {
  return h('div', { class: 'govuk-summary-list__row' },
    h('dt', { class: 'govuk-summary-list__key' }, key),
    h('dd', { class: 'govuk-summary-list__value' }, value));
}

const kSvgNs = 'http://www.w3.org/2000/svg';

// The arrow of a GOV.UK pagination link.
export function paginationArrow(direction) {
  const svg = document.createElementNS(kSvgNs, 'svg');
  svg.setAttribute('class', `govuk-pagination__icon govuk-pagination__icon--${direction}`);
  svg.setAttribute('height', '13');
  svg.setAttribute('width', '15');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('viewBox', '0 0 15 13');
  const path = document.createElementNS(kSvgNs, 'path');
  // An arrow of a 2-unit shaft and a head, pointing right; mirrored for "prev".
  path.setAttribute('d', direction === 'prev'
    ? 'M0 6.5 6.5 0l1.4 1.4L3.8 5.5H15v2H3.8l4.1 4.1L6.5 13z'
    : 'M15 6.5 8.5 0 7.1 1.4l4.1 4.1H0v2h11.2l-4.1 4.1L8.5 13z');
  svg.append(path);
  return svg;
}

// A GOV.UK pagination block with Previous and Next links (either may be null).
export function pagination(previousHref, nextHref) {
  if (!previousHref && !nextHref) return null;
  const link = (href, direction, label) => h('div', { class: `govuk-pagination__${direction}` },
    h('a', { class: 'govuk-link govuk-pagination__link', href, rel: direction },
      paginationArrow(direction),
      h('span', { class: 'govuk-pagination__link-title govuk-pagination__link-title--decorated' },
        label, h('span', { class: 'govuk-visually-hidden' }, ' page'))));
  return h('nav', { class: 'govuk-pagination govuk-pagination--block', 'aria-label': 'Pagination' },
    previousHref ? link(previousHref, 'prev', 'Previous') : null,
    nextHref ? link(nextHref, 'next', 'Next') : null);
}

export function lessonHref(id) {
  return `/lesson?id=${encodeURIComponent(id)}`;
}

// A filter term of the node's query language, e.g. sector:police or topic:"mobile working":
// quoted when the value holds spaces or starts with punctuation. A value holding a quote cannot
// be written (quotes always delimit), so the answer is null.
export function filterTerm(field, value) {
  if (value.includes('"')) return null;
  const plain = /^[^\s\p{P}]\S*$/u.test(value);
  return `${field}:${plain ? value : `"${value}"`}`;
}
