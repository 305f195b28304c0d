import type { Shard } from '../args.js';

/**
 * Which shard a patient is in, from the patient's id alone: every run of a sharded forecast,
 * on any machine, puts a patient and all of their resources in the same shard, and each patient
 * in exactly one. FNV-1a (32 bits) spreads ids of any shape evenly enough.
 */
export function shardOf(patientId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < patientId.length; index++) {
    hash ^= patientId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 0) % count) + 1;
}

/** Whether the patient is in the shard (every patient is, without one). */
export const inShard = (patientId: string, shard: Shard | undefined): boolean =>
  shard === undefined || shard.count === 1 || shardOf(patientId, shard.count) === shard.index;
