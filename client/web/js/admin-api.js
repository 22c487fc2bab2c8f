// The node's AdminService, one typed call per method the admin pages use. Every call needs the
// admin role: the node refuses anyone else with PERMISSION_DENIED (HTTP 403).

import { call } from './api.js';

const kAdmin = 'cairn.v1.AdminService';

// -> {peers: [Peer]}
export function listPeers() {
  return call(`${kAdmin}/ListPeers`, {});
}

// -> {peer, policy}; NOT_FOUND for an unknown peer.
export function getPeer(orgId) {
  return call(`${kAdmin}/GetPeer`, { orgId });
}

// Adds `peer` or replaces the settings of the one with its orgId -> Peer.
export function putPeer(peer) {
  return call(`${kAdmin}/PutPeer`, { peer });
}

export function removePeer(orgId) {
  return call(`${kAdmin}/RemovePeer`, { orgId });
}

// `policyText` is a PeerPolicy in protobuf text format, so syntax errors name their line.
export function setPolicyText(peerOrg, policyText) {
  return call(`${kAdmin}/SetPolicy`, { peerOrg, policyText });
}

// The current PeerPolicy; NOT_FOUND when the peer has none.
export function getPolicy(peerOrg) {
  return call(`${kAdmin}/GetPolicy`, { peerOrg });
}

// -> {versions: [PeerPolicy]}, oldest first.
export function listPolicyHistory(peerOrg) {
  return call(`${kAdmin}/ListPolicyHistory`, { peerOrg });
}

// -> SharingDecision {allowed, rule, explanation}
export function explainSharing(peerOrg, lessonId) {
  return call(`${kAdmin}/ExplainSharing`, { peerOrg, lessonId });
}

// -> PreviewPolicyResponse for a draft in protobuf text format.
export function previewPolicyText(peerOrg, draftText, sampleSize) {
  return call(`${kAdmin}/PreviewPolicy`, { peerOrg, draftText, sampleSize });
}

// `request`: {actor, action, since, until (RFC 3339), pageSize, pageToken} -> {events,
// nextPageToken}, newest first.
export function listAudit(request) {
  return call(`${kAdmin}/ListAudit`, request);
}

// -> {peers: [PeerReplicationStatus], lastSequence, firstSequence}
export function getReplicationStatus() {
  return call(`${kAdmin}/GetReplicationStatus`, {});
}
