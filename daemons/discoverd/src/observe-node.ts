/**
 * One log line per notable change of a node: its role (member / proxy /
 * stopped) and, while a member, the raft leader and this node's raft role.
 * Commit and apply progress (which also fire status changes) are not logged.
 */
import type { Logger } from '@flynn-ts/core';
import type { DiscoveryNode, NodeRole } from '@flynn-ts/discovery/server';
import type { RaftNodeStatus } from '@flynn-ts/raft';

/** Starts logging; `onRole` also runs after each role change. Returns a stop function. */
export function observeNode(node: DiscoveryNode, logger: Logger, onRole: (role: NodeRole) => void): () => void {
  let offStatus: (() => void) | undefined;
  let leader = '';
  let role = '';

  const followStore = () => {
    offStatus?.();
    offStatus = undefined;
    const store = node.store();
    if (!store) return;
    const onStatus = (s: RaftNodeStatus) => {
      if (s.leader !== leader) {
        leader = s.leader;
        logger.info({ event: 'raft_leader_changed', leader: s.leader || null, term: s.term }, s.leader ? 'raft leader changed' : 'raft leader lost');
      }
      if (s.role !== role) {
        role = s.role;
        logger.info({ event: 'raft_role_changed', role: s.role, term: s.term }, 'raft role changed');
      }
    };
    onStatus(store.raft.status());
    offStatus = store.raft.onStatusChange(onStatus);
  };

  const offRole = node.onRoleChange((next) => {
    logger.info({ event: 'node_role_changed', role: next, peers: node.peers() }, 'node role changed');
    leader = '';
    role = '';
    followStore();
    onRole(next);
  });
  followStore();
  return () => {
    offRole();
    offStatus?.();
  };
}
