// GOV.UK form field markup, written at build time for the editor pages. Every group has the id
// `<id>-group` and its control the id `<id>` (for radios and dates, the first input), so the
// page's script can put the node's error for a field beside it and link the error summary there.

const kEscapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => kEscapes[c]);
}

function hint(id, text) {
  return text ? `<div class="govuk-hint" id="${id}-hint">${escape(text)}</div>\n` : '';
}

function describedBy(id, text) {
  return text ? ` aria-describedby="${id}-hint"` : '';
}

// A one-line text input. `width` is a GOV.UK input width in characters (30, 20, 10...).
export function input({ id, label, hint: help, width = '', autocomplete = 'off' }) {
  const widthClass = width ? ` govuk-input--width-${width}` : '';
  return `<div class="govuk-form-group" id="${id}-group">
<label class="govuk-label govuk-label--s" for="${id}">${escape(label)}</label>
${hint(id, help)}<input class="govuk-input${widthClass}" id="${id}" name="${id}" type="text" spellcheck="true" autocomplete="${autocomplete}"${describedBy(id, help)}>
</div>
`;
}

export function textarea({ id, label, hint: help, rows = 5 }) {
  return `<div class="govuk-form-group" id="${id}-group">
<label class="govuk-label govuk-label--s" for="${id}">${escape(label)}</label>
${hint(id, help)}<textarea class="govuk-textarea" id="${id}" name="${id}" rows="${rows}" spellcheck="true"${describedBy(id, help)}></textarea>
</div>
`;
}

// Radios; `options` are [{value, text, hint}]. The first radio has the id `id`.
export function radios({ id, legend, hint: help, options }) {
  const items = options.map((option, i) => {
    const itemId = i === 0 ? id : `${id}-${i + 1}`;
    const itemHint = option.hint
      ? `<div class="govuk-hint govuk-radios__hint" id="${itemId}-item-hint">${escape(option.hint)}</div>\n`
      : '';
    const aria = option.hint ? ` aria-describedby="${itemId}-item-hint"` : '';
    return `<div class="govuk-radios__item">
<input class="govuk-radios__input" id="${itemId}" name="${id}" type="radio" value="${escape(option.value)}"${aria}>
<label class="govuk-label govuk-radios__label" for="${itemId}">${escape(option.text)}</label>
${itemHint}</div>`;
  }).join('\n');
  return `<div class="govuk-form-group" id="${id}-group">
<fieldset class="govuk-fieldset"${describedBy(id, help)}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${escape(legend)}</legend>
${hint(id, help)}<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">
${items}
</div>
</fieldset>
</div>
`;
}

// A GOV.UK date input: day, month and year boxes; the day box has the id `id`.
export function date({ id, legend, hint: help }) {
  const part = (name, label, width, first) => `<div class="govuk-date-input__item">
<div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="${first ? id : `${id}-${name}`}">${label}</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-${width}" id="${first ? id : `${id}-${name}`}" name="${id}-${name}" type="text" inputmode="numeric">
</div>
</div>`;
  return `<div class="govuk-form-group" id="${id}-group">
<fieldset class="govuk-fieldset" role="group"${describedBy(id, help)}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${escape(legend)}</legend>
${hint(id, help)}<div class="govuk-date-input" id="${id}-date">
${part('day', 'Day', 2, true)}
${part('month', 'Month', 2, false)}
${part('year', 'Year', 4, false)}
</div>
</fieldset>
</div>
`;
}

// The TLP markings an editor chooses among (record, edit and review pages), each with what it means.
export const kMarkingOptions = [
  { value: 'TLP_RED', text: 'TLP:RED', hint: 'Stays on this node: only people in your organisation can see it.' },
  { value: 'TLP_AMBER_STRICT', text: 'TLP:AMBER+STRICT', hint: 'Peers your sharing policy allows, for their own organisation only. They may not pass it on.' },
  { value: 'TLP_AMBER', text: 'TLP:AMBER', hint: 'Peers your sharing policy allows, for their organisation and the people it works with. They may not pass it on.' },
  { value: 'TLP_GREEN', text: 'TLP:GREEN', hint: 'Peers your sharing policy allows. They may pass it on within its communities, or to the whole federation when it names none.' },
  { value: 'TLP_CLEAR', text: 'TLP:CLEAR', hint: 'Anyone, including public export.' },
];
