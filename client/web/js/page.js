// What every page does first: mark the body as scripted (the CSP forbids GOV.UK's usual inline
// snippet), start the GOV.UK components in the static markup, ask the node who the caller is, and
// fill the header with the organisation and the links the caller's role may use.

import { initAll } from '../govuk/govuk-frontend.min.js';
import * as api from './api.js';
import { byId, fill, h } from './dom.js';

// GOV.UK Frontend needs browsers with ES modules, and this code runs only as a module.
document.body.classList.add('js-enabled', 'govuk-frontend-supported');

// The navigation, in order; `show` decides by the caller's session. The node refuses what a role
// may not do in any case: hiding a link only spares the user a refusal.
const kLinks = [
  { page: 'search', href: '/', text: 'Search', show: api.mayRead },
  { page: 'alerts', href: '/alerts', text: 'Alerts', show: api.mayRead },
  { page: 'report', href: '/report', text: 'Report', show: api.mayRead },
  { page: 'speak-up', href: '/speak-up', text: 'Speak up', show: () => true },
  { page: 'review', href: '/review', text: 'Review observations', show: api.isEditor },
  { page: 'record', href: '/record', text: 'Record a lesson', show: api.isEditor },
  { page: 'import', href: '/import', text: 'Import lessons', show: api.isEditor },
  { page: 'admin', href: '/admin', text: 'Admin', show: api.isAdmin },
];

const kRoleNames = {
  CONTRIBUTOR: 'contributor', ANALYST: 'analyst', EDITOR: 'editor', ADMIN: 'admin',
};

function fillHeader(who, current) {
  const org = byId('cairn-org');
  if (org) org.textContent = who.orgId ?? '';
  const person = byId('cairn-who');
  if (person) {
    person.textContent = `Signed in as ${who.user ?? 'unknown'}, ${kRoleNames[who.role] ?? 'no role'}`;
  }
  const list = byId('navigation');
  if (!list) return;
  fill(list, kLinks.filter((link) => link.show(who)).map((link) => {
    const active = link.page === current;
    return h('li', {
      class: `govuk-service-navigation__item${active ? ' govuk-service-navigation__item--active' : ''}`,
    }, h('a', {
      class: 'govuk-service-navigation__link',
      href: link.href,
      'aria-current': active ? 'page' : null,
    }, active ? h('strong', { class: 'govuk-service-navigation__active-fallback' }, link.text)
      : link.text, link.page === 'alerts' ? h('span', { id: 'cairn-unread' }) : null));
  }));
}

// Shows `count` unread alerts beside the Alerts link (nothing when there are none).
export function showUnreadCount(count) {
  const badge = byId('cairn-unread');
  if (!badge) return;
  if (!count) {
    fill(badge);
    return;
  }
  fill(badge, ' ', h('strong', { class: 'govuk-tag govuk-tag--blue cairn-unread-count' }, String(count)),
    h('span', { class: 'govuk-visually-hidden' }, ' unread'));
}

// Starts the page named `current` (its navigation entry) and resolves to the caller's session.
// When the node will not say who the caller is, `main` explains and the promise rejects.
export async function startPage(current) {
  let who;
  try {
    who = await api.session();
  } catch (error) {
    const main = byId('main-content');
    document.title = 'You cannot use Cairn - Cairn';
    fill(main,
      h('h1', { class: 'govuk-heading-l' }, 'You cannot use Cairn from this browser'),
      h('p', { class: 'govuk-body' }, `The node did not recognise you: ${error.message}`),
      h('p', { class: 'govuk-body' },
        'Cairn needs your user certificate from your organisation. Ask your node\'s operator ' +
        'for one and load it into this browser, then reload this page.'));
    initAll();
    throw error;
  }
  fillHeader(who, current);
  initAll();
  // The unread count comes after the page has what it needs; the alerts page sets it itself.
  if (api.mayRead(who) && current !== 'alerts') {
    api.listAlerts('', 1).then((page) => showUnreadCount(Number(page.unreadCount ?? 0)),
      () => {});
  }
  return who;
}
