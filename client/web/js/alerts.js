// The alerts page (/alerts, /alerts?before=CURSOR for older ones): the caller's alerts, newest
// first, unread ones tagged "New"; "Mark all as read" marks them read up to the newest shown.
// Below, the caller's saved searches, each removable, and a form to save another.

import * as api from './api.js';
import {
  byId, failed, fill, formatDateTime, h, lessonHref, pagination, plural, refusal, successBanner,
} from './dom.js';
import { clearErrors, showErrors } from './form.js';
import { showUnreadCount, startPage } from './page.js';

const main = byId('main-content');
const errors = byId('form-errors');
const done = byId('done');
const before = new URLSearchParams(window.location.search).get('before') ?? '';

function banner(text) {
  fill(done, successBanner(text));
  done.firstChild.focus();
}

function alertsTable(alerts) {
  return h('table', { class: 'govuk-table' },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Your alerts, newest first'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['Lesson', 'From', 'Saved search', 'Stored'].map((text) =>
        h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
    h('tbody', { class: 'govuk-table__body' }, alerts.map((alert) =>
      h('tr', { class: 'govuk-table__row' },
        h('td', { class: 'govuk-table__cell' },
          alert.unread ? [h('strong', { class: 'govuk-tag govuk-tag--blue' }, 'New'), ' '] : null,
          h('a', { class: 'govuk-link', href: lessonHref(alert.lessonId) }, alert.title ?? alert.lessonId),
          alert.kind === 'RETRACT' ? ' (withdrawn)' : null),
        h('td', { class: 'govuk-table__cell' }, `${alert.originOrg ?? ''} (${alert.originSector ?? ''})`),
        h('td', { class: 'govuk-table__cell' }, alert.query ?? ''),
        h('td', { class: 'govuk-table__cell' }, formatDateTime(alert.at))))));
}

async function showAlerts() {
  const page = await api.listAlerts(before);
  const alerts = page.alerts ?? [];
  const unread = Number(page.unreadCount ?? 0);
  showUnreadCount(unread);
  const newest = alerts.find((alert) => alert.unread);
  fill(byId('unread'),
    h('p', { class: 'govuk-body', id: 'unread-count' },
      unread ? `You have ${plural(unread, 'unread alert')}.` : 'You have no unread alerts.'),
    newest ? h('form', { id: 'mark-read-form', novalidate: '' },
      h('button', {
        type: 'submit', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button',
      }, before ? 'Mark these and older as read' : 'Mark all as read')) : null);
  byId('mark-read-form')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const marked = await api.markAlertsRead(alerts[0].cursor);
    await showAlerts();
    banner(Number(marked.unreadCount ?? 0)
      ? `Marked as read. ${plural(Number(marked.unreadCount), 'newer alert')} still unread.`
      : 'All your alerts are marked as read.');
  });
  if (!alerts.length) {
    fill(byId('alerts'), h('p', { class: 'govuk-body' }, before
      ? 'There are no older alerts.'
      : 'No alerts yet. Save a search below: every lesson this node stores from then on that matches it will appear here.'));
    return;
  }
  fill(byId('alerts'), alertsTable(alerts),
    pagination(before ? '/alerts' : null,
      page.nextBefore ? `/alerts?before=${encodeURIComponent(page.nextBefore)}` : null));
}

async function showWatches() {
  const listed = await api.listWatches();
  const watches = listed.watches ?? [];
  if (!watches.length) {
    fill(byId('watches'), h('p', { class: 'govuk-body' }, 'You have no saved searches.'));
    return;
  }
  fill(byId('watches'), h('table', { class: 'govuk-table' },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Your saved searches'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['Search', 'Saved', 'Webhook', h('span', { class: 'govuk-visually-hidden' }, 'Action')].map((text) =>
        h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
    h('tbody', { class: 'govuk-table__body' }, watches.map((watch) =>
      h('tr', { class: 'govuk-table__row' },
        h('td', { class: 'govuk-table__cell' }, watch.query ?? ''),
        h('td', { class: 'govuk-table__cell' }, formatDateTime(watch.createdAt)),
        h('td', { class: 'govuk-table__cell govuk-!-text-break-word' }, watch.webhookUrl ?? 'None'),
        h('td', { class: 'govuk-table__cell' }, h('button', {
          type: 'button', class: 'govuk-button govuk-button--warning govuk-!-margin-bottom-0',
          'data-module': 'govuk-button', 'data-watch': watch.id,
        }, 'Remove', h('span', { class: 'govuk-visually-hidden' }, ` saved search ${watch.query}`))))))));
  for (const button of byId('watches').querySelectorAll('button[data-watch]')) {
    button.addEventListener('click', async () => {
      await api.removeWatch(button.dataset.watch);
      await showWatches();
      banner('Saved search removed.');
    });
  }
}

async function run() {
  const who = await startPage('alerts');
  if (!api.mayRead(who)) {
    refusal(main, 'You cannot see alerts',
      'Alerts are for analysts, editors and admins: they tell you about lessons you may read.',
      { href: '/speak-up', text: 'Tell us what you noticed' });
    return;
  }
  try {
    await Promise.all([showAlerts(), showWatches()]);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    failed(main, error, 'Showing your alerts');
    return;
  }
  const form = byId('watch-form');
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const query = byId('query').value.trim();
    const webhookUrl = byId('webhook_url').value.trim();
    if (!query) {
      showErrors(errors, [{ id: 'query', message: 'Enter what to search for' }]);
      return;
    }
    busy = true;
    try {
      const watch = await api.addWatch(query, webhookUrl);
      clearErrors(errors);
      form.reset();
      await showWatches();
      banner(`Saved: you will be alerted about new lessons matching "${watch.query}".`);
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      const field = ['query', 'webhook_url'].includes(error.field) ? error.field : '';
      showErrors(errors, [{ id: field, message: error.message }]);
    } finally {
      busy = false;
    }
  });
}

run();
