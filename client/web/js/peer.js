// The peer page (/peer?org=ORG): one peer's record, its sharing policy edited as protobuf text
// (the node parses it, so a syntax error comes back naming its line), a preview of a draft, why a
// lesson would or would not reach the peer, the policy's history, and removal after a
// confirmation step.
//
// URL parameters:
//   org    the peer's organisation id
//   step   "remove" for the confirmation step of removing it

import * as api from './api.js';
import * as admin from './admin-api.js';
import {
  byId, failed, fill, formatDateTime, h, lessonHref, markingTag, plural, summaryRow,
} from './dom.js';
import {
  clearSuccess, linkTags, peerFromForm, peerHref, policyText, showSuccess, startAdminPage,
} from './admin-page.js';
import { clearErrors, fieldIdOf, showErrors, withoutField } from './form.js';

const params = new URLSearchParams(window.location.search);
const org = params.get('org') ?? '';
const main = byId('main-content');
const top = byId('page-top');
const errors = byId('form-errors');

const kPeerFieldIds = { address: 'address', sector: 'sector', communities: 'communities' };
const kPeerFieldNames = { address: 'The address', sector: 'The sector', communities: 'A community' };

let peer = null;  // the record as last read or saved

function noSuchPeer() {
  document.title = 'Page not found - Cairn';
  fill(main,
    h('h1', { class: 'govuk-heading-l' }, 'Page not found'),
    h('p', { class: 'govuk-body' }, org
      ? `This node has no peer called ${org}.`
      : 'The link does not say which peer to show.'),
    h('p', { class: 'govuk-body' }, h('a', { class: 'govuk-link', href: '/admin' }, 'See all peers')));
}

function renderPeer() {
  fill(byId('peer-summary'),
    summaryRow('Sector', peer.sector || 'Not given'),
    summaryRow('Address', peer.address ? h('span', { class: 'cairn-code' }, peer.address) : 'Not given'),
    summaryRow('Link', linkTags(peer)),
    summaryRow('Communities', (peer.communities ?? []).join(', ') || 'None'),
    summaryRow('Record', `Version ${peer.version ?? '1'}`,
      h('span', { class: 'cairn-detail' },
        `Changed ${formatDateTime(peer.updatedAt)} by ${peer.updatedBy ?? 'unknown'}`)));
  byId('address').value = peer.address ?? '';
  byId('sector').value = peer.sector ?? '';
  byId('communities').value = (peer.communities ?? []).join(', ');
  byId('pull_from').checked = !!peer.pullFrom;
  byId('may_pull').checked = !!peer.mayPull;
  byId('may_query').checked = !!peer.mayQuery;
}

function policyState(policy) {
  if (!policy) return `${org} has no policy: it receives nothing from this node.`;
  // With no markings allowed, nothing goes (default deny).
  const none = (policy.export?.markings ?? []).length === 0;
  return `Version ${policy.version ?? '?'}, set ${formatDateTime(policy.updatedAt)} by ` +
    `${policy.updatedBy ?? 'unknown'}.${none ? ' It allows no marking: the peer receives nothing.' : ''}`;
}

function renderPolicy(policy) {
  byId('policy-state').textContent = policyState(policy);
  byId('policy_text').value = policy ? policyText(policy) : '';
}

function renderHistory(versions) {
  const container = byId('history');
  if (versions.length === 0) {
    fill(container, h('p', { class: 'govuk-body' }, 'No policy has been set for this peer.'));
    return;
  }
  const newest = versions[versions.length - 1];
  fill(container, h('table', { class: 'govuk-table' },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' },
      `Versions of the policy for ${org}, newest first`),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['Version', 'Set', 'Policy'].map((text) => h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
    h('tbody', { class: 'govuk-table__body' }, versions.slice().reverse().map((policy) => {
      const text = policyText(policy);
      return h('tr', { class: 'govuk-table__row' },
        h('td', { class: 'govuk-table__cell' }, `Version ${policy.version ?? '?'}`,
          policy === newest ? [' ', h('strong', { class: 'govuk-tag govuk-tag--green' }, 'Current')] : null),
        h('td', { class: 'govuk-table__cell' }, formatDateTime(policy.updatedAt),
          h('span', { class: 'cairn-detail' }, `by ${policy.updatedBy ?? 'unknown'}`)),
        h('td', { class: 'govuk-table__cell' }, text
          ? h('details', { class: 'govuk-details govuk-!-margin-bottom-0' },
            h('summary', { class: 'govuk-details__summary' },
              h('span', { class: 'govuk-details__summary-text' }, `Policy version ${policy.version ?? '?'}`)),
            h('div', { class: 'govuk-details__text' }, h('pre', { class: 'cairn-code cairn-policy' }, text)))
          : 'Allows nothing (deny-all)'));
    }))));
}

async function loadHistory() {
  const history = await admin.listPolicyHistory(org);
  renderHistory(history.versions ?? []);
}

// The node's policy error as the text beside the policy box: a syntax error names its line
// ("policy: line 3, column 12: Expected ..."), which goes first so it is easy to find.
function policyMessage(error, doing) {
  const message = error.message;
  const syntax = /^(?:policy|draft): line (\d+), column (\d+): (.*)$/s.exec(message);
  if (syntax) return `Line ${syntax[1]}, column ${syntax[2]} of the policy: ${syntax[3]}`;
  return `${doing}: ${message}`;
}

function showPolicyError(error, doing) {
  showErrors(errors, [{ id: 'policy_text', message: policyMessage(error, doing) }]);
}

function renderPreview(preview) {
  const sample = preview.sample ?? [];
  return [
    h('h3', { class: 'govuk-heading-s', id: 'preview-heading', tabindex: '-1' },
      `What ${org} would receive under this draft`),
    h('dl', { class: 'govuk-summary-list' },
      summaryRow('Under the draft', plural(preview.lessonCount ?? 0, 'lesson')),
      summaryRow('Under the current policy', plural(preview.currentCount ?? 0, 'lesson')),
      summaryRow('Added', plural(preview.addedCount ?? 0, 'lesson')),
      summaryRow('Withdrawn', plural(preview.withdrawnCount ?? 0, 'lesson'),
        Number(preview.withdrawnCount ?? 0) > 0
          ? h('span', { class: 'cairn-detail' }, 'The peer is told to delete its copies of these.') : null)),
    sample.length === 0 ? h('p', { class: 'govuk-body' }, 'No lesson would go to it.') : [
      h('h4', { class: 'govuk-heading-s' }, `A sample, as ${org} would receive them`),
      h('ul', { class: 'cairn-results', id: 'preview-sample' }, sample.map((lesson) =>
        h('li', { class: 'cairn-result' },
          h('h5', { class: 'govuk-heading-s cairn-result__title' },
            h('a', { class: 'govuk-link', href: lessonHref(lesson.id ?? '') },
              lesson.title?.trim() || 'Untitled lesson')),
          h('p', { class: 'cairn-tags' }, markingTag(lesson.marking),
            (lesson.topics ?? []).map((topic) => h('strong', { class: 'govuk-tag govuk-tag--grey' }, topic))),
          h('p', { class: 'govuk-body cairn-pre-line' }, lesson.summary ?? '')))),
    ],
    h('p', { class: 'govuk-body' }, 'Nothing has changed yet: save the policy to apply it.'),
  ];
}

function renderDecision(lessonId, decision) {
  return [
    h('h3', { class: 'govuk-heading-s', id: 'explain-heading-result', tabindex: '-1' },
      'Decision for lesson ', h('a', { class: 'govuk-link cairn-code', href: lessonHref(lessonId) }, lessonId)),
    h('dl', { class: 'govuk-summary-list' },
      summaryRow('Decision', decision.allowed
        ? h('strong', { class: 'govuk-tag govuk-tag--green' }, `Goes to ${org}`)
        : h('strong', { class: 'govuk-tag govuk-tag--red' }, `Does not go to ${org}`)),
      summaryRow('Deciding rule', h('code', { class: 'cairn-code' }, decision.rule || 'none given')),
      summaryRow('Why', decision.explanation || 'The node gave no reason.')),
  ];
}

// Runs `work` for one form at a time; ApiErrors go to `onError`.
function guarded(work, onError) {
  let busy = false;
  return async (event) => {
    event?.preventDefault();
    if (busy) return;
    busy = true;
    try {
      await work();
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      onError(error);
    } finally {
      busy = false;
    }
  };
}

function showRemoveStep() {
  document.title = `Remove ${org} - Cairn`;
  byId('peer-heading').textContent = `Are you sure you want to remove ${org}?`;
  byId('remove-confirm').textContent = `Yes, remove ${org}`;
  byId('remove-cancel').setAttribute('href', peerHref(org));
  byId('remove-view').hidden = false;
  byId('remove-form').addEventListener('submit', guarded(async () => {
    await admin.removePeer(org);
    window.location.assign(`/admin?removed=${encodeURIComponent(org)}`);
  }, (error) => showErrors(errors, [{ id: '', message: `${org} was not removed: ${error.message}` }])));
}

function showPeerView(policy) {
  document.title = `${org} - Peer - Cairn`;
  byId('peer-heading').textContent = org;
  byId('remove-link').setAttribute('href', `${peerHref(org)}&step=remove`);
  renderPeer();
  renderPolicy(policy);
  byId('peer-view').hidden = false;

  byId('peer-form').addEventListener('submit', guarded(async () => {
    clearSuccess(top);
    peer = await admin.putPeer(peerFromForm(org));
    clearErrors(errors);
    renderPeer();
    showSuccess(top, `${org} was saved`, `Its record is now at version ${peer.version ?? '?'}.`);
  }, (error) => {
    const field = fieldIdOf(error.field, kPeerFieldIds, 'peer.');
    showErrors(errors, [{
      id: field,
      message: field ? `${kPeerFieldNames[field]}: ${withoutField(error.message)}`
        : `${org} was not saved: ${error.message}`,
    }]);
  }));

  byId('policy-form').addEventListener('submit', guarded(async () => {
    clearSuccess(top);
    const saved = await admin.setPolicyText(org, byId('policy_text').value);
    clearErrors(errors);
    renderPolicy(saved);
    fill(byId('preview-result'));
    await loadHistory();
    showSuccess(top, `Policy version ${saved.version ?? '?'} saved`,
      `What ${org} receives follows it from now on; lessons it no longer may receive are withdrawn.`);
  }, (error) => showPolicyError(error, 'The policy was not saved')));

  byId('preview-button').addEventListener('click', guarded(async () => {
    clearSuccess(top);
    const preview = await admin.previewPolicyText(org, byId('policy_text').value, 5);
    clearErrors(errors);
    fill(byId('preview-result'), renderPreview(preview));
    byId('preview-heading').focus();
  }, (error) => {
    fill(byId('preview-result'));
    showPolicyError(error, 'The draft could not be previewed');
  }));

  byId('explain-form').addEventListener('submit', guarded(async () => {
    clearSuccess(top);
    const lessonId = byId('lesson_id').value.trim();
    if (!lessonId) {
      fill(byId('explain-result'));
      showErrors(errors, [{ id: 'lesson_id', message: 'Enter the ID of a lesson' }]);
      return;
    }
    const decision = await admin.explainSharing(org, lessonId);
    clearErrors(errors);
    fill(byId('explain-result'), renderDecision(lessonId, decision));
    byId('explain-heading-result').focus();
  }, (error) => {
    fill(byId('explain-result'));
    const field = fieldIdOf(error.field, { lesson_id: 'lesson_id', id: 'lesson_id' });
    showErrors(errors, [{
      id: 'lesson_id',
      message: error.code === 'NOT_FOUND'
        ? `This node holds no lesson with the ID ${byId('lesson_id').value.trim()}`
        : `The lesson ID ${field ? 'is not valid' : 'could not be explained'}: ${error.message}`,
    }]);
  }));
}

async function run() {
  const who = await startAdminPage();
  if (!who) return;
  if (!org) {
    noSuchPeer();
    return;
  }
  let found;
  try {
    found = await admin.getPeer(org);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    if (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT') noSuchPeer();
    else failed(main, error, 'Opening the peer');
    return;
  }
  peer = found.peer ?? { orgId: org };
  if (params.get('step') === 'remove') {
    showRemoveStep();
    return;
  }
  showPeerView(found.policy ?? null);
  try {
    await loadHistory();
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    fill(byId('history'), h('p', { class: 'govuk-body' }, `The history could not be read: ${error.message}`));
  }
}

run();
