// The admin page (/admin): the peers this node knows, how pulling from each is going, and a form
// to add one. Only admins see it; the node refuses everyone else's calls anyway.
//
// URL parameters:
//   removed   the peer just removed on its own page, for the success banner

import * as api from './api.js';
import * as admin from './admin-api.js';
import {
  byId, failed, fill, formatDateTime, formatNumber, h, plural, summaryRow,
} from './dom.js';
import {
  clearSuccess, linkTags, peerFromForm, peerHref, showSuccess, startAdminPage,
} from './admin-page.js';
import { clearErrors, fieldIdOf, showErrors, withoutField } from './form.js';

const main = byId('main-content');
const top = byId('page-top');
const errors = byId('form-errors');
const form = byId('add-form');
const progress = byId('peers-progress');

const kFieldIds = {
  org_id: 'org_id', address: 'address', sector: 'sector', communities: 'communities',
};
const kFieldNames = {
  org_id: 'The organisation ID', address: 'The address', sector: 'The sector',
  communities: 'A community',
};

// "12 changes behind, about 30 seconds", or "Up to date".
function lagText(status) {
  const changes = Number(status.lagChanges ?? 0);
  const seconds = Number(status.lagSeconds ?? 0);
  if (changes === 0 && seconds >= 0 && seconds < 1) return 'Up to date';
  // The node says -1 seconds when this node was never up to date with the peer.
  if (seconds < 0) return `${plural(changes, 'change')} behind, never up to date yet`;
  return `${plural(changes, 'change')} behind, about ${plural(Math.round(seconds), 'second')}`;
}

function pullTag(status) {
  return status.connected
    ? h('strong', { class: 'govuk-tag govuk-tag--green' }, 'Connected')
    : h('strong', { class: 'govuk-tag govuk-tag--red' }, 'Not connected');
}

function renderPeers(peers, statusOf) {
  if (peers.length === 0) {
    return h('p', { class: 'govuk-body' }, 'This node has no peers yet. Add one below.');
  }
  return h('table', { class: 'govuk-table' },
    h('caption', { class: 'govuk-table__caption govuk-table__caption--m' }, plural(peers.length, 'peer')),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['Organisation', 'Sector', 'Address', 'Link', 'Replication'].map((text) =>
        h('th', { scope: 'col', class: 'govuk-table__header' }, text)))),
    h('tbody', { class: 'govuk-table__body' }, peers.map((peer) => {
      const status = statusOf.get(peer.orgId);
      return h('tr', { class: 'govuk-table__row' },
        h('th', { scope: 'row', class: 'govuk-table__header' },
          h('a', { class: 'govuk-link', href: peerHref(peer.orgId) }, peer.orgId ?? '')),
        h('td', { class: 'govuk-table__cell' }, peer.sector || 'Not given'),
        h('td', { class: 'govuk-table__cell cairn-code' }, peer.address || 'Not given'),
        h('td', { class: 'govuk-table__cell' }, linkTags(peer)),
        h('td', { class: 'govuk-table__cell' }, status
          ? [pullTag(status), h('span', { class: 'cairn-detail' }, lagText(status))]
          : 'Not pulled from'));
    })));
}

function renderReplication(report) {
  const statuses = report.peers ?? [];
  const own = h('p', { class: 'govuk-body' },
    `This node's own change log holds changes ${formatNumber(report.firstSequence ?? 0)} to ` +
    `${formatNumber(report.lastSequence ?? 0)}.`);
  if (statuses.length === 0) {
    return [h('p', { class: 'govuk-body' }, 'This node pulls from no peer.'), own];
  }
  return [statuses.map((status) => h('div', { class: 'govuk-summary-card' },
    h('div', { class: 'govuk-summary-card__title-wrapper' },
      h('h3', { class: 'govuk-summary-card__title' }, `Pulling from ${status.peerOrg ?? ''}`)),
    h('div', { class: 'govuk-summary-card__content' },
      h('dl', { class: 'govuk-summary-list' },
        summaryRow('Pull state', pullTag(status)),
        summaryRow('Behind by', lagText(status),
          h('span', { class: 'cairn-detail' },
            `Applied up to its change ${formatNumber(status.cursor ?? 0)} of ` +
            `${formatNumber(status.senderSequence ?? 0)}`)),
        summaryRow('Last up to date', status.lastSuccess ? formatDateTime(status.lastSuccess) : 'Never'),
        summaryRow('Last error', status.lastError
          ? [h('span', { class: 'cairn-pre-line' }, status.lastError),
            status.lastErrorAt ? h('span', { class: 'cairn-detail' }, formatDateTime(status.lastErrorAt)) : null]
          : 'None'),
        summaryRow('Applied', `${plural(status.lessonsApplied ?? 0, 'lesson')}, ` +
          `${plural(status.retractionsApplied ?? 0, 'retraction')}`),
        summaryRow('Rejected', plural(status.rejected ?? 0, 'change'),
          status.lastRejection
            ? h('span', { class: 'cairn-detail' }, `Last: ${status.lastRejection}`) : null))))),
  own];
}

// The node's "peer.org_id: 'X' must start..." as "The organisation ID 'X' must start...".
function fieldMessage(name, message) {
  const rest = withoutField(message);
  return /^('|is |may |must )/.test(rest) ? `${name} ${rest}` : `${name}: ${rest}`;
}

const known = new Set();  // the peers listed, so "Add" does not silently replace one

async function load() {
  const [peers, report] = await Promise.all([admin.listPeers(), admin.getReplicationStatus()]);
  const statuses = report.peers ?? [];
  const statusOf = new Map(statuses.map((status) => [status.peerOrg, status]));
  const list = (peers.peers ?? []).slice().sort((a, b) => (a.orgId < b.orgId ? -1 : 1));
  progress.textContent = '';
  progress.hidden = true;
  known.clear();
  for (const peer of list) known.add(peer.orgId);
  fill(byId('peers'), renderPeers(list, statusOf));
  fill(byId('replication'), renderReplication(report));
}

async function run() {
  const who = await startAdminPage();
  if (!who) return;
  try {
    await load();
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    failed(main, error, 'Listing the peers');
    return;
  }
  // The banner after removing a peer on its page; a link could claim any name, so a peer still
  // listed was not removed.
  const removed = new URLSearchParams(window.location.search).get('removed');
  if (removed && !known.has(removed)) {
    showSuccess(top, `${removed} was removed`,
      'Its policy is now deny-all: adding it again starts from nothing.');
  }

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    clearSuccess(top);
    const peer = peerFromForm(byId('org_id').value.trim());
    if (known.has(peer.orgId)) {
      showErrors(errors, [{
        id: 'org_id',
        message: `${peer.orgId} is already a peer: change it on its own page`,
        extra: h('p', { class: 'govuk-body govuk-!-margin-top-2 govuk-!-margin-bottom-0' },
          h('a', { class: 'govuk-link', href: peerHref(peer.orgId) }, `Open ${peer.orgId}`)),
      }]);
      busy = false;
      return;
    }
    try {
      const added = await admin.putPeer(peer);
      clearErrors(errors);
      form.reset();
      await load();
      showSuccess(top, `${added.orgId} was saved`,
        `Its record is at version ${added.version ?? '1'}. Set its policy on its page: until then it receives nothing.`);
      top.querySelector('.govuk-notification-banner__content').append(
        h('p', { class: 'govuk-body' },
          h('a', { class: 'govuk-link govuk-notification-banner__link', href: peerHref(added.orgId) },
            `Open ${added.orgId}`)));
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      const field = fieldIdOf(error.field, kFieldIds, 'peer.');
      showErrors(errors, [{
        id: field,
        message: field ? fieldMessage(kFieldNames[field], error.message)
          : `The peer was not added: ${error.message}`,
      }]);
    } finally {
      busy = false;
    }
  });
}

run();
