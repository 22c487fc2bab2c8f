// The peer page (/peer?org=ORG): change a peer, edit its sharing policy as text, preview a draft,
// explain why a lesson would or would not reach it, read the policy's history, remove it (after a
// confirmation step, /peer?org=ORG&step=remove). js/peer.js runs it. Forms sent again after an
// error have no data-prevent-double-click (see ../README.md).

import { input } from './fields.mjs';
import { peerFields } from './peer-fields.mjs';

export function body() {
  return `<div id="page-top">
<div id="form-errors"></div>
<span class="govuk-caption-l">Peer of this node</span>
<h1 class="govuk-heading-l" id="peer-heading">Loading the peer…</h1>
<div id="peer-view" hidden>
<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<dl class="govuk-summary-list" id="peer-summary"></dl>
<p class="govuk-body"><a class="govuk-link" href="/admin">All peers and replication</a></p>

<h2 class="govuk-heading-m" id="change-heading">Change this peer</h2>
<form id="peer-form" novalidate aria-labelledby="change-heading">
${peerFields({ withOrg: false })}
<button type="submit" class="govuk-button" data-module="govuk-button">Save changes</button>
</form>

<h2 class="govuk-heading-m" id="policy-heading">Sharing policy</h2>
<p class="govuk-body" id="policy-state"></p>
<form id="policy-form" novalidate aria-labelledby="policy-heading">
<div class="govuk-form-group" id="policy_text-group">
<label class="govuk-label govuk-label--s" for="policy_text">Policy, in protobuf text format</label>
<div class="govuk-hint" id="policy_text-hint">What leaves this node for this peer. With no markings it receives nothing. For example: <code class="cairn-code">export { markings: [TLP_GREEN, TLP_CLEAR] include_topics: ["battery"] }</code></div>
<textarea class="govuk-textarea cairn-policy-text" id="policy_text" name="policy_text" rows="10" spellcheck="false" autocomplete="off" autocapitalize="off" aria-describedby="policy_text-hint"></textarea>
</div>
<details class="govuk-details">
<summary class="govuk-details__summary"><span class="govuk-details__summary-text">What a policy can say</span></summary>
<div class="govuk-details__text">
<p class="govuk-body">Inside <code class="cairn-code">export { }</code>, each non-empty list is a condition a lesson must meet:</p>
<ul class="govuk-list govuk-list--bullet">
<li><code class="cairn-code">markings</code>: TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT (never TLP_RED)</li>
<li><code class="cairn-code">include_topics</code>, <code class="cairn-code">exclude_topics</code>, <code class="cairn-code">include_tags</code>, <code class="cairn-code">exclude_tags</code>, <code class="cairn-code">sectors</code>: whole values, any case</li>
<li><code class="cairn-code">statuses</code>: OBSERVATION, LESSON_IDENTIFIED, LESSON_LEARNED, SUPERSEDED</li>
<li><code class="cairn-code">classification_ceiling</code>: OFFICIAL or OFFICIAL_SENSITIVE</li>
<li><code class="cairn-code">redact_fields</code>, for example "evidence"; <code class="cairn-code">scrub_personal_data: true</code></li>
</ul>
<p class="govuk-body">Inside <code class="cairn-code">import { }</code>: <code class="cairn-code">accepted_topics</code>, <code class="cairn-code">max_lesson_bytes</code>, <code class="cairn-code">max_lessons_per_minute</code>.</p>
</div>
</details>
<div class="govuk-button-group">
<button type="submit" class="govuk-button" data-module="govuk-button">Save policy</button>
<button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="preview-button">Preview this draft</button>
</div>
</form>
<div id="preview-result"></div>

<h2 class="govuk-heading-m" id="explain-heading">Explain a lesson</h2>
<form id="explain-form" novalidate aria-labelledby="explain-heading">
${input({ id: 'lesson_id', label: 'Lesson ID', hint: 'Would this lesson go to this peer under its current policy, and which rule decides? The ID is at the end of the lesson page\'s address.', width: 30 })}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Explain</button>
</form>
<div id="explain-result"></div>

<h2 class="govuk-heading-m">Policy history</h2>
<div id="history"></div>

<h2 class="govuk-heading-m">Remove this peer</h2>
<p class="govuk-body">This node forgets the peer and resets its policy to deny-all, so adding it again starts from nothing.</p>
<a class="govuk-button govuk-button--warning" data-module="govuk-button" id="remove-link" href="/admin">Remove this peer</a>
</div>
</div>
</div>
<div id="remove-view" hidden>
<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<div class="govuk-warning-text">
<span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>
It will receive nothing more from this node, this node stops pulling from it, and its policy becomes deny-all.</strong>
</div>
<form id="remove-form" novalidate>
<div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" data-prevent-double-click="true" id="remove-confirm">Yes, remove this peer</button>
<a class="govuk-link" id="remove-cancel" href="/admin">No, keep it</a>
</div>
</form>
</div>
</div>
</div>
</div>
`;
}
