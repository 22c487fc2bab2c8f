// What the admin pages (/admin, /peer, /audit) share: the refusal for anyone who is not an admin,
// a success banner, a peer's link settings as tags, and a policy written as protobuf text (the
// form an admin edits and the node parses, so its syntax errors name the line).

import * as api from './api.js';
import { byId, h, refusal, successBanner } from './dom.js';
import { startPage } from './page.js';

// Starts an admin page and resolves to the caller's session, or to null after replacing `main`
// with the refusal when the caller is not an admin. The node refuses them in any case: this only
// spares them a page of errors.
export async function startAdminPage() {
  const who = await startPage('admin');
  if (api.isAdmin(who)) return who;
  const role = { CONTRIBUTOR: 'contributor', ANALYST: 'analyst', EDITOR: 'editor' }[who.role] ?? 'not set';
  refusal(byId('main-content'), 'You cannot administer this node', [
    `Only admins of ${who.orgId ?? 'this organisation'} can manage its peers, their sharing ` +
      `policies and read its audit log. Your role is ${role}.`,
    'If you need to change what this node shares, ask one of its admins.',
  ], { href: '/', text: 'Search for lessons' });
  return null;
}

// A GOV.UK success notification banner at the top of `container`, focused so it is read out.
export function showSuccess(container, heading, ...body) {
  clearSuccess(container);
  const banner = successBanner(heading, ...body);
  container.prepend(banner);
  banner.focus();
  return banner;
}

export function clearSuccess(container) {
  for (const old of container.querySelectorAll(':scope > .govuk-notification-banner')) old.remove();
}

export function peerHref(orgId) {
  return `/peer?org=${encodeURIComponent(orgId)}`;
}

// What a peer's record lets happen, as tags ("None" when it allows nothing).
export function linkTags(peer) {
  const tags = [];
  if (peer.pullFrom) tags.push(h('strong', { class: 'govuk-tag govuk-tag--blue' }, 'We pull from it'));
  if (peer.mayPull) tags.push(h('strong', { class: 'govuk-tag govuk-tag--green' }, 'It may pull'));
  if (peer.mayQuery) tags.push(h('strong', { class: 'govuk-tag govuk-tag--purple' }, 'It may search'));
  if (tags.length === 0) tags.push(h('strong', { class: 'govuk-tag govuk-tag--grey' }, 'No link'));
  return h('p', { class: 'cairn-tags' }, tags);
}

// A comma- or line-separated list as its trimmed, non-empty entries.
function listOf(text) {
  return String(text ?? '').split(/[,\n]/).map((entry) => entry.trim()).filter((entry) => entry);
}

// The Peer the form of pages/peer-fields.mjs describes, for the organisation `orgId`. An empty
// address or sector is left out, as the node expects of an unset field.
export function peerFromForm(orgId) {
  const peer = {
    orgId,
    address: byId('address').value.trim(),
    sector: byId('sector').value.trim(),
    communities: listOf(byId('communities').value),
    pullFrom: byId('pull_from').checked,
    mayPull: byId('may_pull').checked,
    mayQuery: byId('may_query').checked,
  };
  for (const name of ['address', 'sector']) if (!peer[name]) delete peer[name];
  return peer;
}

// The fields of a policy whose JSON strings are enum names, written bare in protobuf text.
const kEnumFields = new Set(['markings', 'statuses', 'classification_ceiling']);
// Top-level fields the node assigns or takes from the page's peer: never written.
const kAssigned = new Set(['peer_org', 'version', 'updated_at', 'updated_by']);

function snakeCase(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

// A protobuf text string literal: quotes, backslashes and control characters escaped (as octal,
// which every protobuf text parser reads); other characters as they are (UTF-8).
function quoted(text) {
  return `"${String(text).replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
    if (c === '\\' || c === '"') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  })}"`;
}

function scalar(field, value) {
  if (typeof value === 'string') {
    return kEnumFields.has(field) && /^[A-Z][A-Z0-9_]*$/.test(value) ? value : quoted(value);
  }
  return String(value);
}

function writeMessage(message, indent, top) {
  const lines = [];
  for (const [jsonName, value] of Object.entries(message ?? {})) {
    const field = snakeCase(jsonName);
    if (top && kAssigned.has(field)) continue;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      if (value.every((item) => typeof item !== 'object')) {
        lines.push(`${indent}${field}: [${value.map((item) => scalar(field, item)).join(', ')}]`);
      } else {
        for (const item of value) {
          lines.push(`${indent}${field} {`, ...writeMessage(item, `${indent}  `, false), `${indent}}`);
        }
      }
    } else if (value !== null && typeof value === 'object') {
      lines.push(`${indent}${field} {`, ...writeMessage(value, `${indent}  `, false), `${indent}}`);
    } else {
      lines.push(`${indent}${field}: ${scalar(field, value)}`);
    }
  }
  return lines;
}

// A PeerPolicy as the node sends it (protobuf JSON) in protobuf text format, without the fields
// the node assigns: what SetPolicy's policy_text takes back. '' for no policy.
export function policyText(policy) {
  const lines = writeMessage(policy, '', true);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
