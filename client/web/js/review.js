// The review page: /review lists the observations awaiting review, oldest first; /review?id=ID
// shows one with its three decisions (make it a lesson, merge it into one, or decline it).
// /review?done=STATE says what the last decision did.

import * as api from './api.js';
import {
  byId, failed, fill, formatDateTime, h, lessonHref, notFound, paragraphs, refusal, successBanner,
  summaryRow,
} from './dom.js';
import { fieldIdOf, showErrors, withoutField } from './form.js';
import { startPage } from './page.js';
import { submitterText } from './submissions.js';

const params = new URLSearchParams(window.location.search);
const id = params.get('id') ?? '';
const main = byId('main-content');
const errors = byId('form-errors');
const kFieldIds = {
  'promote.status': 'status', 'promote.marking': 'marking',
  'promote.topics': 'topics', 'merge.into': 'into', 'decline.reason': 'reason',
};
const kDone = {
  PROMOTED: 'The observation is now a lesson',
  MERGED: 'The observation was merged into the existing lesson',
  DECLINED: 'The observation was not taken forward; its sender can read why',
};

// Every submission awaiting review, following page tokens.
async function queue() {
  const all = [];
  let token = '';
  do {
    const page = await api.listObservationQueue(token);
    all.push(...(page.submissions ?? []));
    token = page.nextPageToken ?? '';
  } while (token && all.length < 5000);
  return all;
}

function showDone(state, lessonId) {
  if (!kDone[state]) return;
  const done = byId('done');
  fill(done, successBanner([kDone[state], ' ',
    lessonId ? h('a', { class: 'govuk-notification-banner__link', href: lessonHref(lessonId) },
      'See the lesson') : null]));
  done.firstChild.focus();
}

function showQueue(pending) {
  const list = byId('queue');
  if (!pending.length) {
    fill(list, h('p', { class: 'govuk-body' }, 'No observations are awaiting review.'));
    return;
  }
  fill(list, h('table', { class: 'govuk-table' },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Observations awaiting review, oldest first'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['Observation', 'Sent', 'From'].map((text) =>
        h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
    h('tbody', { class: 'govuk-table__body' }, pending.map((submission) =>
      h('tr', { class: 'govuk-table__row' },
        h('td', { class: 'govuk-table__cell' }, h('a', {
          class: 'govuk-link', href: `/review?id=${encodeURIComponent(submission.lessonId)}`,
        }, submission.title || 'Untitled observation')),
        h('td', { class: 'govuk-table__cell' }, formatDateTime(submission.submittedAt)),
        h('td', { class: 'govuk-table__cell' }, submitterText(submission)))))));
}

// Each form's decision, or the errors that stop it.
const kDecisions = {
  'promote-form': () => {
    const checked = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value;
    const status = checked('status');
    const marking = checked('marking');
    const missing = [];
    if (!status) missing.push({ id: 'status', message: 'Select the lesson\'s status' });
    if (!marking) missing.push({ id: 'marking', message: 'Select who may see the lesson' });
    if (missing.length) return { errors: missing };
    const topics = byId('topics').value.split(',').map((topic) => topic.trim()).filter(Boolean);
    return { decision: { promote: { status, marking, topics } } };
  },
  'merge-form': () => {
    const into = byId('into').value.trim();
    if (!into) return { errors: [{ id: 'into', message: 'Enter the id of the lesson it says the same as' }] };
    return { decision: { merge: { into } } };
  },
  'decline-form': () => {
    const reason = byId('reason').value.trim();
    if (!reason) return { errors: [{ id: 'reason', message: 'Enter why it is not taken forward' }] };
    return { decision: { decline: { reason } } };
  },
};

async function decide(submission) {
  byId('queue-section').hidden = true;
  byId('decide-section').hidden = false;
  let lesson;
  try {
    lesson = await api.getLesson(id);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    failed(main, error, 'Reading the observation');
    return;
  }
  const title = lesson.title?.trim() || 'Untitled observation';
  document.title = `Review: ${title} - Cairn`;
  byId('observation-title').textContent = title;
  fill(byId('observation'),
    summaryRow('From', submitterText(submission)),
    summaryRow('Sent', formatDateTime(submission.submittedAt)),
    lesson.drivingEvent ? summaryRow('What happened', paragraphs(lesson.drivingEvent)) : null,
    lesson.lesson ? summaryRow('What should change', paragraphs(lesson.lesson)) : null,
    lesson.summary ? summaryRow('Summary', paragraphs(lesson.summary)) : null,
    summaryRow('Reference', h('a', { class: 'govuk-link', href: lessonHref(id) }, id)));
  let busy = false;
  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const { decision, errors: problems } = kDecisions[event.target.id]();
    if (problems) {
      showErrors(errors, problems);
      return;
    }
    busy = true;
    try {
      const reviewed = await api.reviewObservation(id, decision);
      const target = reviewed.state === 'MERGED' ? reviewed.mergedInto
        : reviewed.state === 'PROMOTED' ? id : '';
      window.location.assign(`/review?done=${reviewed.state}&lesson=${encodeURIComponent(target)}`);
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      const field = fieldIdOf(error.field, kFieldIds);
      showErrors(errors, [{
        id: field,
        message: field ? withoutField(error.message)
          : `The decision was not recorded: ${error.message}`,
      }]);
    } finally {
      busy = false;
    }
  };
  for (const form of Object.keys(kDecisions)) byId(form).addEventListener('submit', submit);
}

async function run() {
  const who = await startPage('review');
  if (!api.isEditor(who)) {
    refusal(main, 'You cannot review observations',
      'Only editors review what members of staff send.', { href: '/speak-up', text: 'Tell us what you noticed' });
    return;
  }
  let pending;
  try {
    pending = await queue();
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    failed(main, error, 'Listing the observations');
    return;
  }
  if (!id) {
    showDone(params.get('done') ?? '', params.get('lesson') ?? '');
    showQueue(pending);
    return;
  }
  const submission = pending.find((candidate) => candidate.lessonId === id);
  if (!submission) {
    notFound(main, 'There is no observation awaiting review with this reference: it may have been reviewed already.');
    return;
  }
  await decide(submission);
}

run();
