// The lesson page's history and "held by": what happened to the lesson on this node, newest
// first, and the nodes this node knows hold it (the peers its copy came from, the peers it sent
// the lesson to). The node answers GetLessonHistory from its change log and replication records.

import { formatDateTime, h } from './dom.js';

// What an event was, as the person reading the lesson would say it.
function eventText(event, isOrigin) {
  const version = Number(event.version ?? 0);
  switch (event.kind) {
    case 'UPSERT':
      if (!isOrigin) return `Version ${version} received`;
      return version <= 1 ? 'Recorded' : `Edited (version ${version})`;
    case 'RETRACT':
      return `Retracted (version ${version})`;
    case 'RESIGN':
      return `Signed again (version ${version}): its organisation renewed its certificate`;
    case 'DELETE':
      return 'Copy removed: no longer shared with this node';
    default:
      return `Version ${version}`;
  }
}

// A GOV.UK table of the events; null when there are none.
export function historySection(history, lesson, who) {
  const events = history?.events ?? [];
  if (events.length === 0) return null;
  const isOrigin = lesson.originOrg === who.orgId;
  return [
    h('h2', { class: 'govuk-heading-m', id: 'history-heading' }, 'History on this node'),
    h('table', { class: 'govuk-table', id: 'lesson-history', 'aria-labelledby': 'history-heading' },
      h('thead', { class: 'govuk-table__head' },
        h('tr', { class: 'govuk-table__row' },
          h('th', { scope: 'col', class: 'govuk-table__header' }, 'What happened'),
          h('th', { scope: 'col', class: 'govuk-table__header' }, 'When'))),
      h('tbody', { class: 'govuk-table__body' }, events.map((event) =>
        h('tr', { class: 'govuk-table__row' },
          h('td', { class: 'govuk-table__cell' }, eventText(event, isOrigin)),
          h('td', { class: 'govuk-table__cell' }, event.at ? formatDateTime(event.at) : 'Not recorded'))))),
    history.moreEvents
      ? h('p', { class: 'govuk-body-s' }, 'Earlier events are not listed here.')
      : null,
  ];
}

// The "Held by" value: this node, then where its copy came from and where it was sent.
export function heldBy(history, who) {
  const items = [h('li', {}, `This node (${who.orgId})`)];
  for (const source of history?.sources ?? []) {
    const path = (source.path ?? []).join(' then ');
    items.push(h('li', {}, `${source.org}, which sent this node version ${source.version ?? '?'}` +
      (path && path !== source.org ? ` (it came through ${path})` : '')));
  }
  for (const recipient of history?.sentTo ?? []) {
    items.push(h('li', {}, `${recipient.org}, sent version ${recipient.version ?? '?'} by this node`));
  }
  return h('ul', { class: 'govuk-list', id: 'held-by' }, items);
}
