// Errors on GOV.UK forms: a summary at the top that takes focus and links to each field, and the
// same message beside the field (markup from pages/fields.mjs: group `<id>-group`, control `<id>`).

import { byId, clearErrorSummary, h, showErrorSummary } from './dom.js';

function plainTitle() {
  return document.title.replace(/^Error: /, '');
}

// Removes every inline error and the summary.
export function clearErrors(summaryContainer) {
  clearErrorSummary(summaryContainer);
  for (const message of document.querySelectorAll('.govuk-error-message[data-cairn]')) message.remove();
  for (const group of document.querySelectorAll('.govuk-form-group--error')) {
    group.classList.remove('govuk-form-group--error');
  }
  for (const control of document.querySelectorAll(
    '.govuk-input--error, .govuk-textarea--error, .govuk-file-upload--error')) {
    control.classList.remove('govuk-input--error', 'govuk-textarea--error', 'govuk-file-upload--error');
  }
  for (const described of document.querySelectorAll('[data-cairn-described]')) {
    described.setAttribute('aria-describedby', described.dataset.cairnDescribed);
    if (described.dataset.cairnDescribed === '') described.removeAttribute('aria-describedby');
    delete described.dataset.cairnDescribed;
  }
  document.title = plainTitle();
}

// Marks field `id` as wrong with `message`; false when the page has no such field.
function markField(id, message) {
  const group = byId(`${id}-group`);
  if (!group) return false;
  group.classList.add('govuk-form-group--error');
  const control = group.querySelector(
    '.govuk-input, .govuk-textarea, .govuk-radios, .govuk-date-input, .govuk-file-upload-wrapper');
  const errorId = `${id}-error`;
  control.before(h('p', { class: 'govuk-error-message', id: errorId, 'data-cairn': '' },
    h('span', { class: 'govuk-visually-hidden' }, 'Error: '), message));
  const described = group.querySelector('fieldset') ?? byId(id);
  if (!described.dataset.cairnDescribed) {
    described.dataset.cairnDescribed = described.getAttribute('aria-describedby') ?? '';
  }
  described.setAttribute('aria-describedby',
    `${described.dataset.cairnDescribed} ${errorId}`.trim());
  if (control.classList.contains('govuk-input')) control.classList.add('govuk-input--error');
  if (control.classList.contains('govuk-textarea')) control.classList.add('govuk-textarea--error');
  if (control.classList.contains('govuk-file-upload-wrapper')) {
    group.querySelector('input[type="file"]').classList.add('govuk-file-upload--error');
  }
  if (control.classList.contains('govuk-date-input')) {
    for (const box of control.querySelectorAll('.govuk-input')) box.classList.add('govuk-input--error');
  }
  return true;
}

// Shows `errors` ([{id, message, extra}], id '' or unknown for an error with no field of this
// form): inline beside each field, and in a focused summary in `summaryContainer`.
export function showErrors(summaryContainer, errors) {
  clearErrors(summaryContainer);
  const entries = errors.map(({ id, message, extra }) => ({
    text: message,
    href: id && markField(id, message) ? `#${id}` : '',
    extra,
  }));
  document.title = `Error: ${plainTitle()}`;
  showErrorSummary(summaryContainer, entries);
}

// The node's message without the field path it starts with: "peer.address: must be host:port"
// is "must be host:port". A message naming no field comes back whole.
export function withoutField(message) {
  const cut = message.indexOf(': ');
  return cut < 0 ? message : message.slice(cut + 2);
}

// The form control id for a field path the node named, or '' for none. `ids` maps paths in
// snake_case after `prefix` ("driving_event", "local.contact") to control ids; indexes and
// sub-fields are dropped: "lesson.topics[2]" is "topics", "lesson.occurred_at.seconds" is
// "occurred_at". A path without the prefix ("lesson" for the whole lesson) names no field.
export function fieldIdOf(path, ids, prefix = '') {
  let normal = String(path ?? '')
    .replace(/\[\d+\]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  if (!normal.startsWith(prefix)) return '';
  normal = normal.slice(prefix.length);
  for (let key = normal; key; key = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '') {
    if (Object.hasOwn(ids, key)) return ids[key];
  }
  return '';
}
