// The speak-up page (/speak-up): any member of staff sends an observation, and sees what became
// of the ones they sent. The node keeps it RED, on this node only, until an editor reviews it.

import * as api from './api.js';
import { byId, failed, fill, formatDateTime, h, successBanner } from './dom.js';
import { clearErrors, fieldIdOf, showErrors, withoutField } from './form.js';
import { startPage } from './page.js';
import { outcomeText, stateTag } from './submissions.js';

const form = byId('observation-form');
const errors = byId('form-errors');
const mine = byId('mine');
const main = byId('main-content');
const kFields = { title: 'title', driving_event: 'driving_event', lesson: 'lesson' };
const kNames = { title: 'What you noticed', driving_event: 'What happened', lesson: 'What should change' };

async function showMine() {
  let page;
  try {
    page = await api.listMySubmissions();
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    fill(mine, h('p', { class: 'govuk-body' }, `Your observations could not be listed: ${error.message}`));
    return;
  }
  const submissions = page.submissions ?? [];
  if (!submissions.length) {
    fill(mine, h('p', { class: 'govuk-body' }, 'You have not sent any observations yet.'));
    return;
  }
  fill(mine, h('table', { class: 'govuk-table' },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Your observations, newest first'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['Observation', 'Sent', 'What happened to it'].map((text) =>
        h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
    h('tbody', { class: 'govuk-table__body' }, submissions.map((submission) =>
      h('tr', { class: 'govuk-table__row' },
        h('td', { class: 'govuk-table__cell' }, submission.title ?? '',
          submission.confidential ? h('span', { class: 'govuk-hint govuk-!-display-block govuk-!-margin-bottom-0' },
            'Sent in confidence') : null),
        h('td', { class: 'govuk-table__cell' }, formatDateTime(submission.submittedAt)),
        h('td', { class: 'govuk-table__cell' }, stateTag(submission.state), ' ',
          h('span', { class: 'govuk-!-display-block govuk-!-margin-top-1' }, outcomeText(submission))))))));
}

function showSent(submission) {
  const sent = byId('sent');
  fill(sent, successBanner('Thank you: your observation was sent', [submission.confidential
    ? 'Editors will see it as from "a verified member of staff". '
    : 'Editors will see your name with it. ',
  `Its reference is ${submission.lessonId}.`]));
  sent.firstChild.focus();
}

async function run() {
  await startPage('speak-up');
  showMine();
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const title = byId('title').value.trim();
    if (!title) {
      showErrors(errors, [{ id: 'title', message: 'Enter what you noticed, in a sentence' }]);
      return;
    }
    const observation = { title };
    const happened = byId('driving_event').value.trim();
    const lesson = byId('lesson').value.trim();
    if (happened) observation.drivingEvent = happened;
    if (lesson) observation.lesson = lesson;
    busy = true;
    try {
      const submission = await api.submitObservation(observation, byId('confidential').checked);
      clearErrors(errors);
      form.reset();
      showSent(submission);
      showMine();
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      if (error.code === 'PERMISSION_DENIED' || error.code === 'UNAUTHENTICATED') {
        failed(main, error, 'Sending your observation');
        return;
      }
      const field = fieldIdOf(error.field, kFields, 'observation.');
      showErrors(errors, [{
        id: field,
        message: field ? `${kNames[field]} ${withoutField(error.message)}`
          : `Your observation was not sent: ${error.message}`,
      }]);
    } finally {
      busy = false;
    }
  });
}

run();
