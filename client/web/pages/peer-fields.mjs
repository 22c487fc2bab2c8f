// The fields of a peer's record, shared by the admin page's "Add a peer" form and the peer page's
// "Change this peer" form. Ids are the Peer fields' names, so the node's error for "peer.address"
// goes beside the control `address`.

import { escape, input } from './fields.mjs';

// GOV.UK checkboxes; `options` are [{id, text, hint}], each its own boolean field.
function checkboxes({ id, legend, hint, options }) {
  const items = options.map((option) => `<div class="govuk-checkboxes__item">
<input class="govuk-checkboxes__input" id="${option.id}" name="${option.id}" type="checkbox" value="yes" aria-describedby="${option.id}-item-hint">
<label class="govuk-label govuk-checkboxes__label" for="${option.id}">${escape(option.text)}</label>
<div class="govuk-hint govuk-checkboxes__hint" id="${option.id}-item-hint">${escape(option.hint)}</div>
</div>`).join('\n');
  return `<div class="govuk-form-group" id="${id}-group">
<fieldset class="govuk-fieldset" aria-describedby="${id}-hint">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${escape(legend)}</legend>
<div class="govuk-hint" id="${id}-hint">${escape(hint)}</div>
<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
${items}
</div>
</fieldset>
</div>
`;
}

// The fields; `withOrg` adds the organisation id (fixed once the peer exists).
export function peerFields({ withOrg }) {
  return [
    withOrg ? input({
      id: 'org_id', label: 'Organisation ID',
      hint: 'As its node certificate names it, for example west-police. Lower-case letters, digits and hyphens.',
      width: 20,
    }) : '',
    input({ id: 'address', label: 'Address of its node (optional)', hint: 'Host and port, for example cairn.west-police.example:7443. Needed to pull from it or search it.', width: 30 }),
    input({ id: 'sector', label: 'Sector (optional)', hint: 'For example policing or health.', width: 20 }),
    input({ id: 'communities', label: 'Communities (optional)', hint: 'Separate them with commas. GREEN copies relay within a community.', width: 30 }),
    checkboxes({
      id: 'link', legend: 'What this link allows', hint: 'Select all that apply.',
      options: [
        { id: 'pull_from', text: 'This node pulls lessons from it', hint: 'Its lessons are copied here, within what its policy for us allows.' },
        { id: 'may_pull', text: 'It may pull lessons from this node', hint: 'Only what its sharing policy allows leaves this node.' },
        { id: 'may_query', text: 'It may search this node', hint: 'Its analysts see results within its sharing policy.' },
      ],
    }),
  ].join('');
}
