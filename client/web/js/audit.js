// The audit log (/audit): ListAudit's events, newest first, in a table. The filters are a plain
// GET form, so the URL is the page's state and back, forward and shared links work.
//
// URL parameters:
//   action, actor                       ListAuditRequest's filters, as typed
//   since-day, since-month, since-year  the first day shown (UTC)
//   until-day, until-month, until-year  the last day shown, included
//   token                               the page token of the page shown (absent: the first)
//   prev                                the tokens of the pages before it, oldest first
//   size                                events per page (default 25, at most 500)

import * as api from './api.js';
import * as admin from './admin-api.js';
import {
  byId, failed, fill, formatDateTime, h, pagination, plural,
} from './dom.js';
import { peerHref, startAdminPage } from './admin-page.js';
import { fieldIdOf, showErrors } from './form.js';

const kPageSize = 25;
const kMaxPageSize = 500;  // the node's limit

const params = new URLSearchParams(window.location.search);
const state = {
  action: (params.get('action') ?? '').trim(),
  actor: (params.get('actor') ?? '').trim(),
  token: params.get('token') ?? '',
  previous: params.getAll('prev'),
  size: Math.min(kMaxPageSize, Math.max(1, Number.parseInt(params.get('size') ?? '', 10) || kPageSize)),
};
const main = byId('main-content');
const errors = byId('form-errors');
const progress = byId('audit-progress');
const results = byId('audit-results');

// The day a date field of the URL names: {value: Date|null} or {error}. All three boxes empty
// means no date.
function dayOf(id, name) {
  const parts = ['day', 'month', 'year'].map((part) => (params.get(`${id}-${part}`) ?? '').trim());
  if (parts.every((part) => part === '')) return { value: null };
  const missing = ['day', 'month', 'year'].filter((_, i) => parts[i] === '');
  if (missing.length) return { error: `${name} must include a ${missing.join(' and a ')}` };
  if (!parts.every((part) => /^\d+$/.test(part))) return { error: `${name} must be a real date` };
  const [day, month, year] = parts.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1000 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 ||
      date.getUTCDate() !== day) {
    return { error: `${name} must be a real date` };
  }
  return { value: date };
}

function fillForm() {
  byId('action').value = state.action;
  byId('actor').value = state.actor;
  for (const id of ['since', 'until']) {
    byId(id).value = params.get(`${id}-day`) ?? '';
    byId(`${id}-month`).value = params.get(`${id}-month`) ?? '';
    byId(`${id}-year`).value = params.get(`${id}-year`) ?? '';
  }
}

// This page's URL for the page of results after `token`, keeping the filters.
function auditHref(token, previous) {
  const out = new URLSearchParams();
  for (const [name, value] of params) {
    if (name !== 'token' && name !== 'prev' && value !== '') out.append(name, value);
  }
  if (token) out.set('token', token);
  for (const earlier of previous) out.append('prev', earlier);
  return `/audit?${out.toString()}`;
}

function versions(event) {
  const before = Number(event.oldVersion ?? 0);
  const after = Number(event.newVersion ?? 0);
  if (!before && !after) return '';
  if (!before) return `New, version ${after}`;
  if (!after) return `Was version ${before}, removed`;
  return `Version ${before} to ${after}`;
}

// A peer's or policy's target links to the peer page; lesson ids link to the lesson.
function targetOf(event) {
  const target = event.target ?? '';
  if (!target) return '';
  if (/^(peer|policy)\./.test(event.action ?? '')) {
    return h('a', { class: 'govuk-link', href: peerHref(target) }, target);
  }
  if (/^lesson\./.test(event.action ?? '')) {
    return h('a', { class: 'govuk-link cairn-code', href: `/lesson?id=${encodeURIComponent(target)}` }, target);
  }
  return target;
}

function renderEvents(events) {
  return h('table', { class: 'govuk-table', id: 'audit-table' },
    h('caption', { class: 'govuk-table__caption govuk-table__caption--m' }, 'Events, newest first'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['When', 'Who', 'Action', 'Target', 'Versions', 'Detail'].map((text) =>
        h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
    h('tbody', { class: 'govuk-table__body' }, events.map((event) => h('tr', { class: 'govuk-table__row' },
      h('td', { class: 'govuk-table__cell' }, formatDateTime(event.at)),
      h('td', { class: 'govuk-table__cell' }, event.actor ?? ''),
      h('td', { class: 'govuk-table__cell' }, h('code', { class: 'cairn-code cairn-nowrap' }, event.action ?? '')),
      h('td', { class: 'govuk-table__cell cairn-nowrap' }, targetOf(event)),
      h('td', { class: 'govuk-table__cell' }, versions(event)),
      h('td', { class: 'govuk-table__cell' }, event.detail ?? '')))));
}

async function run() {
  const who = await startAdminPage();
  if (!who) return;
  fillForm();

  const since = dayOf('since', 'The from date');
  const until = dayOf('until', 'The to date');
  const problems = [];
  if (since.error) problems.push({ id: 'since', message: since.error });
  if (until.error) problems.push({ id: 'until', message: until.error });
  if (!problems.length && since.value && until.value && until.value < since.value) {
    problems.push({ id: 'until', message: 'The to date must be the same as or after the from date' });
  }
  if (problems.length) {
    progress.textContent = '';
    showErrors(errors, problems);
    return;
  }

  const request = { pageSize: state.size };
  if (state.action) request.action = state.action;
  if (state.actor) request.actor = state.actor;
  if (since.value) request.since = since.value.toISOString();
  // The node's `until` is exclusive: the start of the day after the last one shown.
  if (until.value) request.until = new Date(until.value.getTime() + 86400000).toISOString();
  if (state.token) request.pageToken = state.token;

  let answer;
  try {
    answer = await admin.listAudit(request);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    if (error.code === 'INVALID_ARGUMENT') {
      const field = fieldIdOf(error.field, { action: 'action', actor: 'actor', since: 'since', until: 'until' });
      progress.textContent = '';
      showErrors(errors, [{ id: field, message: error.message }]);
      return;
    }
    failed(main, error, 'Reading the audit log');
    return;
  }

  const events = answer.events ?? [];
  const filtered = state.action || state.actor || since.value || until.value;
  const pageNumber = state.previous.length + (state.token ? 1 : 0) + 1;
  if (events.length === 0) {
    progress.textContent = filtered ? 'No event matches these filters.' : 'The log is empty.';
    fill(results);
    return;
  }
  progress.textContent = `${plural(events.length, 'event')} on page ${pageNumber}` +
    `${filtered ? ', filtered' : ''}.`;
  const previousHref = state.token
    ? auditHref(state.previous[state.previous.length - 1] ?? '', state.previous.slice(0, -1))
    : null;
  const nextHref = answer.nextPageToken
    ? auditHref(answer.nextPageToken, state.token ? [...state.previous, state.token] : state.previous)
    : null;
  fill(results, renderEvents(events), pagination(previousHref, nextHref));
}

run();
