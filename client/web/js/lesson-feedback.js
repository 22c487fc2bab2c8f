// The lesson page's adoption feedback (SPEC section 10). On another organisation's lesson: what
// this organisation told its origin, how the delivery went, and a form to tell it (again). On
// this organisation's own lesson: what other organisations did with it, with totals.

import * as api from './api.js';
import { fill, formatDateTime, h, plural, successBanner } from './dom.js';
import { clearErrors, showErrors } from './form.js';

const kAdoptions = [
  { value: 'ADOPTED', text: 'We adopted it', short: 'Adopted' },
  { value: 'PLANNING_TO_ADOPT', text: 'We plan to adopt it', short: 'Planning to adopt' },
  { value: 'HELPFUL', text: 'It was helpful', short: 'Helpful' },
  { value: 'NOT_APPLICABLE', text: 'It does not apply to us', short: 'Not applicable' },
];
const kShort = Object.fromEntries(kAdoptions.map((option) => [option.value, option.short]));

function marking(origin) {
  return [
    { value: 'TLP_RED', text: `Only ${origin}` },
    { value: 'TLP_AMBER', text: `${origin}, to share within its own organisation` },
    { value: 'TLP_GREEN', text: `${origin}, and it may count it in what it shows other organisations` },
  ];
}

function radios(name, legend, options, checked) {
  return h('div', { class: 'govuk-form-group', id: `${name}-group` },
    h('fieldset', { class: 'govuk-fieldset' },
      h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, legend),
      h('div', { class: 'govuk-radios govuk-radios--small', 'data-module': 'govuk-radios' },
        options.map((option, i) => {
          const id = i === 0 ? name : `${name}-${i + 1}`;
          return h('div', { class: 'govuk-radios__item' },
            h('input', {
              class: 'govuk-radios__input', id, name, type: 'radio', value: option.value,
              checked: option.value === checked ? '' : null,
            }),
            h('label', { class: 'govuk-label govuk-radios__label', for: id }, option.text));
        }))));
}

const kDelivery = {
  PENDING: ['On its way', 'govuk-tag--yellow'],
  DELIVERED: ['Delivered', 'govuk-tag--green'],
  REFUSED: ['Refused', 'govuk-tag--red'],
};

function givenSummary(given) {
  const [text, colour] = kDelivery[given.delivery] ?? kDelivery.PENDING;
  const feedback = given.feedback ?? {};
  return h('p', { class: 'govuk-body', id: 'feedback-given' },
    `You told them: ${kShort[feedback.adoption] ?? 'nothing'} (${formatDateTime(feedback.givenAt)}). `,
    h('strong', { class: `govuk-tag ${colour}` }, text),
    given.delivery === 'REFUSED' && given.detail ? ` ${given.detail}` : null);
}

function giveForm(container, lesson, given, done) {
  const errors = h('div', { id: 'feedback-errors' });
  const form = h('form', { id: 'feedback-form', novalidate: '' },
    radios('adoption', 'What did your organisation do with it?', kAdoptions,
      given?.feedback?.adoption),
    h('div', { class: 'govuk-form-group', id: 'note-group' },
      h('label', { class: 'govuk-label govuk-label--s', for: 'note' }, 'Note (optional)'),
      h('div', { class: 'govuk-hint', id: 'note-hint' },
        'What you changed, or why it does not apply. Leave out people\'s names.'),
      h('textarea', {
        class: 'govuk-textarea', id: 'note', name: 'note', rows: '3', 'aria-describedby': 'note-hint',
      })),
    radios('feedback-marking', 'Who may know what you said?', marking(lesson.originOrg),
      given?.feedback?.marking ?? 'TLP_RED'),
    h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' },
      given ? 'Update your feedback' : 'Send feedback'));
  form.querySelector('#note').value = given?.feedback?.note ?? '';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const adoption = form.querySelector('input[name="adoption"]:checked')?.value;
    if (!adoption) {
      showErrors(errors, [{ id: 'adoption', message: 'Select what your organisation did with it' }]);
      return;
    }
    try {
      const sent = await api.giveFeedback({
        lessonId: lesson.id,
        adoption,
        note: form.querySelector('#note').value.trim() || undefined,
        marking: form.querySelector('input[name="feedback-marking"]:checked')?.value,
      });
      clearErrors(errors);
      done(sent);
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      showErrors(errors, [{ id: error.field === 'note' ? 'note' : '', message: error.message }]);
    }
  });
  fill(container, errors, form);
}

function ownView(container, answer) {
  const all = answer.feedback ?? [];
  const totals = answer.totals ?? {};
  if (!all.length) {
    fill(container, h('p', { class: 'govuk-body' }, 'No organisation has told you what it did with this lesson yet.'));
    return;
  }
  fill(container,
    h('p', { class: 'govuk-body', id: 'feedback-totals' },
      `Adopted by ${plural(totals.adopted ?? 0, 'organisation')} in ${plural(totals.adoptingSectors ?? 0, 'sector')}; ` +
      `${totals.planningToAdopt ?? 0} planning to adopt, ${totals.helpful ?? 0} found it helpful, ` +
      `${totals.notApplicable ?? 0} said it does not apply.`),
    h('table', { class: 'govuk-table' },
      h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Feedback from other organisations, newest first'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
        ['Organisation', 'Sector', 'What they did', 'Note', 'Told you'].map((text) =>
          h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
      h('tbody', { class: 'govuk-table__body' }, all.map((feedback) =>
        h('tr', { class: 'govuk-table__row' },
          h('td', { class: 'govuk-table__cell' }, feedback.giverOrg ?? ''),
          h('td', { class: 'govuk-table__cell' }, feedback.giverSector ?? ''),
          h('td', { class: 'govuk-table__cell' }, kShort[feedback.adoption] ?? ''),
          h('td', { class: 'govuk-table__cell cairn-pre-line' }, feedback.note ?? ''),
          h('td', { class: 'govuk-table__cell' }, formatDateTime(feedback.givenAt)))))));
}

// The section, filled once the node answers; null where feedback does not apply.
export function feedbackSection(lesson, who) {
  if (!api.mayRead(who) || !lesson.id || !lesson.originOrg) return null;
  const own = lesson.originOrg === who.orgId;
  if (!own && lesson.status === 'RETRACTED') return null;
  const body = h('div', { id: 'feedback-body' },
    h('p', { class: 'govuk-body', role: 'status' }, 'Loading feedback…'));
  const section = h('section', { id: 'feedback', 'aria-labelledby': 'feedback-heading' },
    h('h2', { class: 'govuk-heading-m', id: 'feedback-heading' },
      own ? 'What other organisations did with it' : `Tell ${lesson.originOrg} what you did with it`),
    body);
  const show = async (sent) => {
    let answer;
    try {
      answer = await api.getFeedback(lesson.id);
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      fill(body, h('p', { class: 'govuk-body' }, `Feedback could not be read: ${error.message}`));
      return;
    }
    if (own) {
      ownView(body, answer);
      return;
    }
    const form = h('div');
    fill(body,
      sent ? successBanner('Your feedback was signed and sent',
        `Only ${lesson.originOrg} can read it, even where it passes through another organisation's node.`) : null,
      answer.given ? givenSummary(answer.given) : null,
      form);
    giveForm(form, lesson, answer.given, show);
    if (sent) body.firstChild.focus();
  };
  show(null);
  return section;
}
